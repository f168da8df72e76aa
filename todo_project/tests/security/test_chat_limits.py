"""Chat limits through the public doors (REST and websocket): message length, per-user rate,
one running turn per user across connections, and the daily token budget. A refused turn
stores nothing."""

import asyncio

import pytest
from agents.usage import Usage
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from agents_bridge.tests.factories import StallingModel, reply_step, scripted, use_model
from chat import limits
from chat.tests.limits_state import tokens_used_today, turn_running
from chat.models import Conversation, Message

from .wsclient import closed_code, frames_until, message_frame, message_rows, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


def counts() -> tuple[int, int]:
    return Conversation.objects.count(), Message.objects.count()


# --- message length -----------------------------------------------------------------------


@pytest.mark.parametrize("length, accepted", [(4000, True), (4001, False)])
def test_the_rest_door_takes_4000_characters_and_refuses_more(api_client, length, accepted):
    response = api_client.post("/api/chat/", {"message": "x" * length}, format="json")

    if accepted:
        assert response.status_code == 200
        assert Message.objects.filter(role="user").get().content == "x" * length
    else:
        assert response.status_code == 400
        assert response.json()["code"] in {"message_too_long", "invalid"}
        assert counts() == (0, 0)


async def test_the_websocket_door_refuses_more_than_4000_characters_and_keeps_working(user):
    comm = await open_socket(user)
    await comm.send_json_to(message_frame("x" * 4001))

    [error] = await frames_until(comm, "error")

    assert error["code"] == "message_too_long"
    assert await database_sync_to_async(counts)() == (0, 0)
    await comm.send_json_to(message_frame("show my tasks"))
    assert (await frames_until(comm, "turn.end"))[-1]["status"] == "complete"
    await comm.disconnect()


async def test_a_websocket_frame_over_the_size_limit_closes_with_4009_and_stores_nothing(user):
    comm = await open_socket(user)
    await comm.send_to(text_data='{"type": "message", "text": "' + "x" * 70_000 + '"}')

    assert await closed_code(comm) == 4009
    assert await database_sync_to_async(counts)() == (0, 0)
    await comm.disconnect()


# --- per-user rate ------------------------------------------------------------------------


def test_the_rest_door_is_rate_limited_per_user_and_the_refused_turn_stores_nothing(api_client, other_api_client, settings):
    settings.CHAT_TURN_RATE = "2/min"
    for _ in range(2):
        assert api_client.post("/api/chat/", {"message": "show my tasks"}, format="json").status_code == 200
    before = counts()

    response = api_client.post("/api/chat/", {"message": "show my tasks"}, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert counts() == before
    assert other_api_client.post("/api/chat/", {"message": "show my tasks"}, format="json").status_code == 200


async def test_the_rate_limit_is_shared_by_the_websocket_and_rest_doors(user, api_client, settings):
    settings.CHAT_TURN_RATE = "2/min"
    response = await sync_to_async(api_client.post)("/api/chat/", {"message": "show my tasks"}, format="json")
    assert response.status_code == 200
    comm = await open_socket(user)
    await comm.send_json_to(message_frame("show my tasks"))
    assert (await frames_until(comm, "turn.end"))[-1]["status"] == "complete"
    before = await database_sync_to_async(counts)()

    await comm.send_json_to(message_frame("show my tasks"))
    frames = await frames_until(comm, "error")  # a late conversations.changed may come first

    assert frames[-1]["code"] == "rate_limited"
    assert "turn.start" not in [frame["type"] for frame in frames]
    assert await database_sync_to_async(counts)() == before
    await comm.disconnect()


# --- one running turn per user ------------------------------------------------------------


async def test_a_second_connection_of_the_same_user_is_busy_while_a_turn_runs(user, other_user, monkeypatch):
    model = use_model(monkeypatch, StallingModel(first_text="Working on it"))
    first, second, someone_else = await open_socket(user), await open_socket(user), await open_socket(other_user)
    await first.send_json_to(message_frame("add buy milk"))
    start = (await frames_until(first, "turn.start"))[-1]
    await model.started.wait()

    await second.send_json_to(message_frame("add walk the dog"))
    [error] = await frames_until(second, "error")

    assert error["code"] == "busy"
    assert [m["content"] for m in await message_rows(role="user")] == ["add buy milk"]
    # Another user is not held up by alice's turn.
    await someone_else.send_json_to(message_frame("hello"))
    assert (await frames_until(someone_else, "turn.start"))[-1]["type"] == "turn.start"
    # Once alice's turn ends (cancelled here), her other connection may go.
    await first.send_json_to({"type": "cancel"})
    assert (await frames_until(first, "turn.end"))[-1]["status"] == "interrupted"
    use_model(monkeypatch, scripted(reply_step("Done.")))
    await second.send_json_to(message_frame("add walk the dog", start["conversation_id"]))
    assert (await frames_until(second, "turn.end"))[-1]["status"] == "complete"
    for comm in (first, second, someone_else):
        await comm.disconnect()


def test_the_rest_door_answers_409_busy_while_a_turn_of_the_user_runs_elsewhere(api_client, user):
    token = limits.claim_turn(user.pk).token  # a turn running on another connection or process
    before = counts()

    response = api_client.post("/api/chat/", {"message": "show my tasks"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "busy"
    assert counts() == before
    limits.finish_turn(user.pk, token, 0)
    assert api_client.post("/api/chat/", {"message": "show my tasks"}, format="json").status_code == 200


def test_the_turn_lock_is_released_after_a_provider_failure(api_client, user, monkeypatch):
    use_model(monkeypatch, scripted(RuntimeError("provider exploded")))
    assert api_client.post("/api/chat/", {"message": "show my tasks"}, format="json").status_code == 502

    assert not turn_running(user.pk)
    use_model(monkeypatch, scripted(reply_step("Back again.")))
    assert api_client.post("/api/chat/", {"message": "show my tasks"}, format="json").status_code == 200


def test_a_refused_turn_does_not_hold_the_lock(api_client, user, other_user):
    from chat.models import Conversation

    theirs = Conversation.objects.create(owner=other_user, title="theirs")
    response = api_client.post("/api/chat/", {"message": "hi", "conversation_id": theirs.pk}, format="json")

    assert response.status_code == 404
    assert not turn_running(user.pk)


async def test_a_dropped_connection_releases_the_turn(user, monkeypatch):
    model = use_model(monkeypatch, StallingModel(first_text="Working"))
    comm = await open_socket(user)
    await comm.send_json_to(message_frame("add buy milk"))
    await frames_until(comm, "turn.start")
    await model.started.wait()

    await comm.disconnect()

    assert not await sync_to_async(turn_running)(user.pk)


# --- daily token budget -------------------------------------------------------------------


def test_tokens_reported_by_the_model_count_against_the_daily_budget(api_client, user, settings, monkeypatch):
    settings.AGENT_DAILY_TOKEN_BUDGET = 100
    model = scripted(reply_step("Here you go."))
    model.set_default_usage(Usage(requests=1, input_tokens=90, output_tokens=30, total_tokens=120))
    use_model(monkeypatch, model)

    assert api_client.post("/api/chat/", {"message": "show my tasks"}, format="json").status_code == 200
    assert tokens_used_today(user.pk) == 120
    before = counts()

    response = api_client.post("/api/chat/", {"message": "show my tasks"}, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "budget_exhausted"
    assert counts() == before


async def test_the_budget_refuses_websocket_turns_too(user, settings):
    settings.AGENT_DAILY_TOKEN_BUDGET = 10
    await sync_to_async(limits.finish_turn)(user.pk, None, 10)  # tokens of earlier turns
    comm = await open_socket(user)

    await comm.send_json_to(message_frame("show my tasks"))
    [error] = await frames_until(comm, "error")

    assert error["code"] == "budget_exhausted"
    assert await database_sync_to_async(counts)() == (0, 0)
    await comm.disconnect()


def test_the_offline_model_reports_no_tokens_so_the_budget_never_runs_out(api_client, user, settings):
    settings.AGENT_DAILY_TOKEN_BUDGET = 1
    for _ in range(3):
        assert api_client.post("/api/chat/", {"message": "show my tasks"}, format="json").status_code == 200
    assert tokens_used_today(user.pk) == 0


# --- HTTP body and page size -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/tasks/", "/api/chat/", "/api/auth/register/"])
def test_a_json_body_over_the_upload_limit_is_a_413_json_error_and_stores_nothing(api_client, path, settings):
    body = '{"title": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}'

    response = api_client.generic("POST", path, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert counts() == (0, 0)
    from tasks.models import Task

    assert Task.objects.count() == 0


def test_a_page_never_holds_more_than_100_tasks(api_client, user):
    from tasks.models import Task

    Task.objects.bulk_create([Task(owner=user, title=f"t{i}") for i in range(105)])

    response = api_client.get("/api/tasks/", {"limit": 10_000})

    assert response.status_code == 200
    assert response.json()["count"] == 105
    assert len(response.json()["results"]) == 100
