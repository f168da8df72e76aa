"""Two daphne processes behind one PostgreSQL and one Redis, as behind a load balancer:
what happens on one is seen on the other.

Runs only when DATABASE_URL is PostgreSQL and REDIS_URL is set; otherwise skipped with the
reason, or failed when REQUIRE_SERVICES=1 says those services must be there.
"""

import json
import os
import urllib.error
import urllib.request
import uuid

import environ
import pytest

from chat.tests.daphne_server import DaphneServer, migrate, server_env

pytestmark = [pytest.mark.scaleout, pytest.mark.slow]

PASSWORD = "Sturdy-pass-9182"
WAIT_S = 20


def _services() -> tuple[str, str]:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    missing = []
    if not database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        missing.append("DATABASE_URL is not PostgreSQL")
    if not redis_url:
        missing.append("REDIS_URL is not set")
    if missing:
        reason = "scale-out test needs PostgreSQL and Redis: " + "; ".join(missing)
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
        print(f"SKIP {reason}")
        pytest.skip(reason)
    return database_url, redis_url


def _admin_connection(database_url: str):
    import psycopg

    cfg = environ.Env.db_url_config(database_url)
    conn = psycopg.connect(
        dbname="postgres", user=cfg.get("USER") or None, password=cfg.get("PASSWORD") or None,
        host=cfg.get("HOST") or None, port=cfg.get("PORT") or None, autocommit=True,
    )
    return conn, cfg


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    database_url, redis_url = _services()
    conn, cfg = _admin_connection(database_url)
    name = f"{cfg['NAME']}_scaleout_{uuid.uuid4().hex[:8]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    shared_url = database_url.rsplit("/", 1)[0] + "/" + name
    workdir = tmp_path_factory.mktemp("scaleout")
    servers = []
    try:
        env = server_env(database_url=shared_url, redis_url=redis_url)
        migrate(env)
        servers = [DaphneServer(env, workdir / f"daphne-{i}.log").start() for i in (1, 2)]
        yield servers
    finally:
        for server in servers:
            server.stop()
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


def http_json(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=WAIT_S) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def register_and_token(register_on: DaphneServer, token_from: DaphneServer, username: str) -> str:
    status, _ = http_json("POST", f"{register_on.url}/api/auth/register/", {"username": username, "password": PASSWORD})
    assert status == 201
    status, tokens = http_json("POST", f"{token_from.url}/api/auth/token/", {"username": username, "password": PASSWORD})
    assert status == 200, tokens
    return tokens["access"]


def open_socket(server: DaphneServer, token: str):
    from websockets.sync.client import connect

    ws = connect(
        f"ws://127.0.0.1:{server.port}/ws/chat/", subprotocols=["todo.v1", f"access_token.{token}"], open_timeout=WAIT_S
    )
    assert ws.subprotocol == "todo.v1"
    return ws


def frames_until(ws, frame_type: str) -> list[dict]:
    frames = []
    while True:
        frame = json.loads(ws.recv(timeout=WAIT_S))
        frames.append(frame)
        if frame["type"] == frame_type:
            return frames


def test_a_task_created_on_one_server_reaches_a_socket_on_the_other_and_only_its_owner(two_servers):
    server_a, server_b = two_servers
    alice = register_and_token(server_a, server_b, "alice")
    bob = register_and_token(server_b, server_a, "bob")
    alice_on_b = open_socket(server_b, alice)
    bob_on_b = open_socket(server_b, bob)
    try:
        status, task = http_json("POST", f"{server_a.url}/api/tasks/", {"title": "Buy milk"}, token=alice)
        assert status == 201

        frame = json.loads(alice_on_b.recv(timeout=WAIT_S))
        assert frame == {"type": "tasks.changed", "action": "created", "task": task}
        with pytest.raises(TimeoutError):
            bob_on_b.recv(timeout=1)
    finally:
        alice_on_b.close()
        bob_on_b.close()


def test_a_conversation_started_on_one_server_continues_on_the_other(two_servers):
    server_a, server_b = two_servers
    token = register_and_token(server_a, server_b, "carol")

    on_a = open_socket(server_a, token)
    watcher_on_b = open_socket(server_b, token)
    try:
        on_a.send(json.dumps({"type": "message", "text": "add buy milk tomorrow", "conversation_id": None}))
        first = frames_until(on_a, "turn.end")
        assert first[-1]["status"] == "complete"
        conversation_id = first[0]["conversation_id"]
        # The agent's add_task on A is announced to the page on B.
        changed = json.loads(watcher_on_b.recv(timeout=WAIT_S))
        assert changed["type"] == "tasks.changed" and changed["action"] == "created"
        assert "milk" in changed["task"]["title"].lower()
        # So is the new conversation, for B's conversation list.
        listed = json.loads(watcher_on_b.recv(timeout=WAIT_S))
        assert (listed["type"], listed["action"]) == ("conversations.changed", "created")
        assert listed["conversation"]["id"] == conversation_id
    finally:
        on_a.close()

    on_b = watcher_on_b
    try:
        on_b.send(json.dumps({"type": "message", "text": "show my pending tasks", "conversation_id": conversation_id}))
        second = [f for f in frames_until(on_b, "turn.end") if not f["type"].endswith(".changed")]
        assert second[0] == {"type": "turn.start", "conversation_id": conversation_id, "message_id": second[0]["message_id"]}
        assert second[-1]["status"] == "complete"
        assert "milk" in "".join(f["text"] for f in second if f["type"] == "delta").lower()
    finally:
        on_b.close()

    status, conversation = http_json("GET", f"{server_a.url}/api/conversations/{conversation_id}/", token=token)
    assert status == 200
    assert [(m["role"], m["content"]) for m in conversation["messages"]][::2] == [
        ("user", "add buy milk tomorrow"),
        ("user", "show my pending tasks"),
    ]
    assert [m["status"] for m in conversation["messages"]] == ["complete"] * 4
