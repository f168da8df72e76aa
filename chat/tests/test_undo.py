"""Undo of a whole agent turn: POST /api/chat/turns/{message_id}/undo/ and "undo that" in words."""

import pytest

from agents_bridge.tests.factories import reply_step, scripted, use_model
from agents.testing import function_call
from chat.models import Message
from tasks.models import Task
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db(transaction=True)


def _tasks(user) -> list[dict]:
    return list(Task.objects.filter(owner=user).order_by("id").values())


def _messy_turn(monkeypatch, api_client, milk, mum) -> dict:
    """An agent turn that adds two tasks, completes one and deletes one."""
    calls = [
        function_call("add_task", {"title": "Bread"}, call_id="c1"),
        function_call("add_task", {"title": "Eggs"}, call_id="c2"),
        function_call("complete_task", {"task_id": milk.pk}, call_id="c3"),
        function_call("delete_task", {"task_id": mum.pk}, call_id="c4"),
    ]
    use_model(monkeypatch, scripted(calls, reply_step("Done.")))
    body = api_client.post("/api/chat/", {"message": "tidy my list"}, format="json").json()
    monkeypatch.undo()  # later turns use the offline model again
    return body


def test_undo_of_a_turn_puts_the_list_back_exactly_and_can_be_redone(user, api_client, monkeypatch):
    milk, mum = make_task(user, "Buy milk", priority="high"), make_task(user, "Call mum", description="Sunday")
    before = _tasks(user)
    turn = _messy_turn(monkeypatch, api_client, milk, mum)
    after_turn = [(t["id"], t["title"], t["completed"]) for t in _tasks(user)]
    assert len(after_turn) == 3

    response = api_client.post(f"/api/chat/turns/{turn['message_id']}/undo/")

    assert response.status_code == 200, response.json()
    assert _tasks(user) == before
    assert "brought back “Call mum”" in response.json()["detail"] and "removed “Bread”" in response.json()["detail"]
    redo = api_client.post(f"/api/activity/{response.json()['changes'][0]['change_id']}/undo/", {"scope": "batch"}, format="json")
    assert redo.status_code == 200
    assert [(t["id"], t["title"], t["completed"]) for t in _tasks(user)] == after_turn


def test_undo_that_in_words_takes_the_last_turn_back_and_says_what_came_back(user, api_client, monkeypatch):
    milk, mum = make_task(user, "Buy milk"), make_task(user, "Call mum")
    before = _tasks(user)
    turn = _messy_turn(monkeypatch, api_client, milk, mum)

    reply = api_client.post("/api/chat/", {"message": "undo that", "conversation_id": turn["conversation_id"]}, format="json").json()

    assert _tasks(user) == before
    assert [c["name"] for c in reply["tool_calls"]] == ["undo_last_turn"]
    assert "brought back “Call mum”" in reply["response"] and "removed “Bread”" in reply["response"]
    assert "reopened “Buy milk”" in reply["response"]


def test_no_put_it_back_after_a_conflicting_edit_changes_nothing_and_names_the_task(user, api_client, monkeypatch):
    milk, mum = make_task(user, "Buy milk"), make_task(user, "Call mum")
    turn = _messy_turn(monkeypatch, api_client, milk, mum)
    api_client.patch(f"/api/tasks/{milk.pk}/", {"title": "Buy oat milk"}, format="json")  # another tab
    state = _tasks(user)

    reply = api_client.post("/api/chat/", {"message": "no, put it back", "conversation_id": turn["conversation_id"]}, format="json").json()
    via_api = api_client.post(f"/api/chat/turns/{turn['message_id']}/undo/")

    assert _tasks(user) == state
    assert "“Buy oat milk” changed since" in reply["response"]
    assert via_api.status_code == 409 and via_api.json()["code"] == "undo_conflict"
    assert [t["task_id"] for t in via_api.json()["tasks"]] == [milk.pk]


def test_another_users_turn_and_a_turn_without_changes_are_not_found(user, api_client, other_api_client, monkeypatch):
    milk, mum = make_task(user, "Buy milk"), make_task(user, "Call mum")
    turn = _messy_turn(monkeypatch, api_client, milk, mum)
    state = _tasks(user)
    chatty = api_client.post("/api/chat/", {"message": "hello"}, format="json").json()

    stolen = other_api_client.post(f"/api/chat/turns/{turn['message_id']}/undo/")
    nothing = api_client.post(f"/api/chat/turns/{chatty['message_id']}/undo/")

    assert stolen.status_code == 404 and stolen.json()["code"] == "not_found"
    assert nothing.status_code == 404
    assert _tasks(user) == state


def test_the_journal_names_the_turn_and_the_chat_door(user, api_client, monkeypatch):
    milk, mum = make_task(user, "Buy milk"), make_task(user, "Call mum")
    turn = _messy_turn(monkeypatch, api_client, milk, mum)

    rows = api_client.get("/api/activity/?door=chat").json()["results"]

    assert {r["message_id"] for r in rows} == {turn["message_id"]}
    assert sorted(r["action"] for r in rows) == ["completed", "created", "created", "deleted"]
    assert Message.objects.get(pk=turn["message_id"]).role == "assistant"


def test_the_conversation_says_which_replies_can_be_undone_so_a_reloaded_page_offers_it(user, api_client, monkeypatch):
    milk, mum = make_task(user, "Buy milk"), make_task(user, "Call mum")
    turn = _messy_turn(monkeypatch, api_client, milk, mum)
    api_client.post("/api/chat/", {"message": "hello", "conversation_id": turn["conversation_id"]}, format="json")

    messages = api_client.get(f"/api/conversations/{turn['conversation_id']}/").json()["messages"]

    assert [(m["role"], m["undoable"]) for m in messages] == [
        ("user", False), ("assistant", True), ("user", False), ("assistant", False)
    ]


def test_a_reply_whose_turn_was_undone_says_so_until_a_redo_puts_it_back(user, api_client, monkeypatch):
    milk, mum = make_task(user, "Buy milk"), make_task(user, "Call mum")
    turn = _messy_turn(monkeypatch, api_client, milk, mum)

    def undone() -> list[bool]:
        messages = api_client.get(f"/api/conversations/{turn['conversation_id']}/").json()["messages"]
        return [m["undone"] for m in messages if m["role"] == "assistant"]

    assert undone() == [False]
    undo = api_client.post(f"/api/chat/turns/{turn['message_id']}/undo/")
    assert undo.status_code == 200
    assert undone() == [True]
    redo_entry = undo.json()["changes"][0]["change_id"]
    assert api_client.post(f"/api/activity/{redo_entry}/undo/", {"scope": "batch"}, format="json").status_code == 200
    assert undone() == [False]
