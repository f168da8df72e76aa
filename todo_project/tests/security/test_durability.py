"""Durability: the server is killed (SIGKILL) in the middle of a streamed reply. After a restart
the user's message is there, no half reply claims to be complete, a retry with the same
client_id is stored once, and the conversation carries on. Plus: concurrent retries of one
message store one row, and a bulk delete that fails half way leaves every task."""

import json
import threading
import uuid
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.db import connection

from chat import limits
from chat.models import Conversation, Message
from chat.services import ChatInputError
from chat.turn import ChatTurn
from tasks.models import Task
from tasks.tests.factories import make_task

from core.tests.live_daphne import LiveDaphne, migrate, server_env

PASSWORD = "Durable-pass-4411"


def ws_connect(server: LiveDaphne, token: str):
    from websockets.sync.client import connect

    return connect(
        f"ws://127.0.0.1:{server.port}/ws/chat/",
        subprotocols=["todo.v1", f"access_token.{token}"],
        additional_headers={"Origin": server.url},
        open_timeout=10,
    )


def frames_until(ws, *types: str, timeout: float = 30) -> list[dict]:
    frames = []
    while True:
        frame = json.loads(ws.recv(timeout=timeout))
        frames.append(frame)
        if frame["type"] in types:
            return frames


@pytest.mark.slow
def test_killing_the_server_mid_reply_loses_nothing_and_the_conversation_carries_on(server_database_url: str, tmp_path: Path):
    env = server_env(database_url=server_database_url, SLOW_MODEL_DELAY_S="0.3")
    migrate(env)
    slow = LiveDaphne(env, tmp_path / "slow.log", app="todo_project.tests.security.slow_asgi:application").start()
    try:
        assert slow.api("POST", "/api/auth/register/", {"username": "dora", "password": PASSWORD})[0] == 201
        token = slow.api("POST", "/api/auth/token/", {"username": "dora", "password": PASSWORD})[1]["access"]
        for title in ("Water the plants", "Call the bank", "Book the dentist", "Fix the bike"):
            assert slow.api("POST", "/api/tasks/", {"title": title}, token)[0] == 201
        client_id = str(uuid.uuid4())
        ws = ws_connect(slow, token)
        ws.send(json.dumps({"type": "message", "text": "show my tasks", "conversation_id": None, "client_id": client_id}))
        frames = frames_until(ws, "delta")
        start = frames[0]
        assert start["type"] == "turn.start"

        slow.kill()  # mid-stream: the reply has begun and is not finished
    finally:
        slow.kill()

    server = LiveDaphne(env, tmp_path / "daphne.log", port=slow.port).start()
    try:
        status, conversation = server.api("GET", f"/api/conversations/{start['conversation_id']}/", token=token)
        assert status == 200
        messages = conversation["messages"]
        assert [m["content"] for m in messages if m["role"] == "user"] == ["show my tasks"]
        assert messages[0]["id"] == start["message_id"]
        assert not [m for m in messages if m["role"] == "assistant" and m["status"] == "complete"]

        # The client retries the same message: stored once, answered now.
        ws = ws_connect(server, token)
        ws.send(json.dumps({"type": "message", "text": "show my tasks", "conversation_id": None, "client_id": client_id}))
        retry = frames_until(ws, "turn.end")
        assert retry[0] == {"type": "turn.start", "conversation_id": start["conversation_id"], "message_id": start["message_id"]}
        assert retry[-1]["status"] == "complete"
        # And the conversation continues.
        ws.send(json.dumps({"type": "message", "text": "add pay rent", "conversation_id": start["conversation_id"]}))
        assert frames_until(ws, "turn.end")[-1]["status"] == "complete"
        ws.close()

        messages = server.api("GET", f"/api/conversations/{start['conversation_id']}/", token=token)[1]["messages"]
        assert [(m["role"], m["status"]) for m in messages] == [
            ("user", "complete"), ("assistant", "complete"), ("user", "complete"), ("assistant", "complete"),
        ]
        assert "Water the plants" in messages[1]["content"]
        titles = [t["title"] for t in server.api("GET", "/api/tasks/?limit=50", token=token)[1]["results"]]
        assert sorted(titles) == sorted(["Water the plants", "Call the bank", "Book the dentist", "Fix the bike", "Pay rent"])
    finally:
        server.stop()


# --- one client_id, many copies at once -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lock", ["with the turn lock", "without the turn lock (expired)"])
def test_many_concurrent_starts_with_one_client_id_store_one_message(user, lock, monkeypatch):
    if lock.startswith("without") and connection.vendor == "sqlite":
        pytest.skip("the test database is in-memory SQLite (table locks, no waiting); PostgreSQL runs this in CI")
    conversation_id = None
    if lock.startswith("without"):
        # After the lock expired, the database alone keeps a message of a known conversation unique
        # (its (conversation, client_id) constraint). A first message, whose conversation does not
        # exist yet, has only the lock: every turn start takes it, whatever the door.
        monkeypatch.setattr(limits, "claim_turn", lambda user_id, **_: limits.Claim(token=uuid.uuid4().int >> 66))
        conversation_id = Conversation.objects.create(owner=user, title="Groceries").pk
    copies = 8
    barrier = threading.Barrier(copies)
    started, busy, errors = [], [], []

    def send() -> None:
        try:
            barrier.wait()
            turn = ChatTurn(user=user, text="buy milk", client_id="retry-me", conversation_id=conversation_id)
            started.append(async_to_sync(turn.start)()["message_id"])
        except ChatInputError as exc:
            busy.append(exc.code)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(started) + len(busy) == copies
    assert set(busy) <= {"busy"}
    assert len(set(started)) == 1
    assert Message.objects.filter(role="user").count() == 1
    assert Conversation.objects.count() == 1


# --- bulk deletes are all or nothing ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("tool_name", ["delete_all_tasks", "delete_completed_tasks"])
async def test_a_bulk_delete_that_fails_half_way_leaves_every_task(user, tool_name, monkeypatch):
    from asgiref.sync import sync_to_async
    from django.db.models.signals import post_delete

    from .test_ownership_agent_and_socket import call_as

    for n in range(3):
        await sync_to_async(make_task)(user, f"Done {n}", completed=True)
    await sync_to_async(make_task)(user, "Open")
    announced = []
    monkeypatch.setattr("tasks.services.announce_after_commit", lambda *a, **k: announced.append(a))

    def fail_after_the_delete_statement(sender, instance, **kwargs):
        # Runs once the DELETE has hit the database, still inside the service's transaction.
        raise RuntimeError("disk full")

    post_delete.connect(fail_after_the_delete_statement, sender=Task, dispatch_uid="half-way")
    try:
        output = await call_as(__import__("agents_bridge.tools", fromlist=[tool_name]).__dict__[tool_name], user)
    finally:
        post_delete.disconnect(dispatch_uid="half-way", sender=Task)

    assert output["status"] == "error"
    assert await Task.objects.filter(owner=user).acount() == 4
    assert announced == []
