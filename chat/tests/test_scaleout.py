"""Two daphne processes behind one PostgreSQL and one Redis, as behind a load balancer:
what happens on one is seen on the other.

Runs only when DATABASE_URL is PostgreSQL and REDIS_URL is set; otherwise skipped with the
reason, or failed when REQUIRE_SERVICES=1 says those services must be there.
"""

import json

import pytest

from core.tests.live_daphne import WAIT_S, frames_until, http_json, open_socket, register_and_token

pytestmark = [pytest.mark.scaleout, pytest.mark.slow]


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
