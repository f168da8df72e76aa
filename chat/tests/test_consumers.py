"""The chat websocket, driven through the full ASGI app (origin check + auth are the real ones)
with the real ChatTurn and the offline model."""

import asyncio
import json
import threading
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from agents_bridge import runner
from chat.models import Conversation, Message
from tasks.events import user_group
from tasks.models import Task
from tasks.tests.factories import make_task
from todo_project.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")
TURN_TIMEOUT = 15


# --- helpers ---------------------------------------------------------------------------------


def session_cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.fixture
def alice_headers(user):
    return [ORIGIN, (b"cookie", session_cookie_for(user))]


@pytest.fixture
def mallory_headers(other_user):
    return [ORIGIN, (b"cookie", session_cookie_for(other_user))]


async def open_socket(headers, subprotocols=None):
    headers = [*headers, (b"host", b"testserver")]  # as a browser sends it: the origin check compares the two
    comm = WebsocketCommunicator(application, "/ws/chat/", headers=headers, subprotocols=subprotocols or ["todo.v1"])
    connected, subprotocol = await comm.connect(timeout=5)
    assert connected, "the socket was refused"
    return comm, subprotocol


async def frames_until(comm, frame_type: str, timeout: float = TURN_TIMEOUT) -> list[dict]:
    """Every frame up to and including the first of `frame_type`."""
    frames = []
    while True:
        frame = await comm.receive_json_from(timeout=timeout)
        frames.append(frame)
        if frame["type"] == frame_type:
            return frames


async def next_frame_of(comm, frame_type: str, timeout: float = TURN_TIMEOUT) -> dict:
    return (await frames_until(comm, frame_type, timeout))[-1]


async def closed_code(comm, timeout: float = 5) -> int:
    # The consumer runs on after closing, until the server tells it the socket is gone: the test
    # still owes it comm.disconnect(), or it outlives the test.
    while True:
        output = await comm.receive_output(timeout)
        if output["type"] == "websocket.close":
            return output.get("code")


def message_frame(text, conversation_id=None, **extra):
    return {"type": "message", "text": text, "conversation_id": conversation_id, **extra}


@pytest.fixture
def held_after_first_delta(monkeypatch):
    """The real offline-model run, held after its first piece of text until the test lets go,
    so that cancel and disconnect arrive while the reply is streaming."""
    release = asyncio.Event()
    real_stream_turn = runner.stream_turn

    async def held(**kwargs):
        held_once = False
        async for frame in real_stream_turn(**kwargs):
            yield frame
            if frame["type"] == "delta" and not held_once:
                held_once = True
                await release.wait()

    monkeypatch.setattr(runner, "stream_turn", held)
    return release


@database_sync_to_async
def messages_of(conversation_id):
    return list(Message.objects.filter(conversation_id=conversation_id).order_by("id").values())


# --- a turn ----------------------------------------------------------------------------------


async def test_a_turn_streams_start_deltas_tool_frames_and_end_in_order(user, alice_headers):
    comm, _ = await open_socket(alice_headers)
    await comm.send_json_to(message_frame("add buy milk tomorrow", client_id="c-1", timezone="Europe/Paris"))
    frames = await frames_until(comm, "turn.end")
    turn = [f for f in frames if f["type"] != "tasks.changed"]
    kinds = [f["type"] for f in turn]

    assert kinds[0] == "turn.start"
    assert kinds[-1] == "turn.end" and turn[-1]["status"] == "complete"
    assert "delta" in kinds
    call_at, result_at = kinds.index("tool.call"), kinds.index("tool.result")
    assert call_at < result_at
    assert turn[call_at]["name"] == "add_task" and turn[result_at]["name"] == "add_task"
    assert "milk" in turn[call_at]["arguments"]["title"].lower()
    # The reply names what was done, after the tool ran.
    reply = "".join(f["text"] for f in turn[result_at:] if f["type"] == "delta")
    assert "milk" in reply.lower()

    conversation_id = turn[0]["conversation_id"]
    saved = await messages_of(conversation_id)
    assert [m["role"] for m in saved] == ["user", "assistant"]
    assert saved[0]["id"] == turn[0]["message_id"] and saved[0]["content"] == "add buy milk tomorrow"
    assert saved[1]["id"] == turn[-1]["message_id"] and saved[1]["status"] == "complete"
    assert saved[1]["tool_calls"][0]["name"] == "add_task"
    assert await database_sync_to_async(Task.objects.filter(owner=user, title__icontains="milk").count)() == 1
    await comm.disconnect()


async def test_a_second_turn_continues_the_same_conversation(user, alice_headers):
    comm, _ = await open_socket(alice_headers)
    await comm.send_json_to(message_frame("add buy milk tomorrow"))
    first = await frames_until(comm, "turn.end")
    conversation_id = first[0]["conversation_id"]

    await comm.send_json_to(message_frame("show my pending tasks", conversation_id))
    second = await frames_until(comm, "turn.end")
    start = next(f for f in second if f["type"] == "turn.start")
    assert start["conversation_id"] == conversation_id
    assert len(await messages_of(conversation_id)) == 4
    await comm.disconnect()


async def held_mid_reply(headers) -> tuple[WebsocketCommunicator, list[dict], int]:
    """A socket whose turn has streamed its first words and is held there (held_after_first_delta):
    the socket, the frames so far and the conversation's id."""
    comm, _ = await open_socket(headers)
    await comm.send_json_to(message_frame("add buy milk tomorrow"))
    frames = await frames_until(comm, "delta")
    return comm, frames, frames[0]["conversation_id"]


async def test_cancel_stops_the_turn_and_saves_the_partial_reply_as_interrupted(user, alice_headers, held_after_first_delta):
    comm, frames, conversation_id = await held_mid_reply(alice_headers)
    partial = "".join(f["text"] for f in frames if f["type"] == "delta")

    await comm.send_json_to({"type": "cancel"})
    end = await next_frame_of(comm, "turn.end")

    assert end["status"] == "interrupted"
    saved = await messages_of(conversation_id)
    assert saved[-1]["id"] == end["message_id"]
    assert saved[-1]["role"] == "assistant" and saved[-1]["status"] == "interrupted"
    assert saved[-1]["content"] == partial and partial
    # The socket is free for the next message.
    await comm.send_json_to(message_frame("show my tasks", conversation_id))
    assert (await next_frame_of(comm, "turn.start"))["conversation_id"] == conversation_id
    held_after_first_delta.set()
    assert (await next_frame_of(comm, "turn.end"))["status"] == "complete"
    await comm.disconnect()


async def test_a_second_message_while_a_turn_runs_gets_busy_and_the_turn_goes_on(user, alice_headers, held_after_first_delta):
    comm, frames, conversation_id = await held_mid_reply(alice_headers)

    await comm.send_json_to(message_frame("add walk the dog", conversation_id))
    error = await next_frame_of(comm, "error")
    assert error["code"] == "busy"

    held_after_first_delta.set()
    assert (await next_frame_of(comm, "turn.end"))["status"] == "complete"
    assert [m["content"] for m in await messages_of(conversation_id) if m["role"] == "user"] == ["add buy milk tomorrow"]
    await comm.disconnect()


async def test_disconnecting_mid_turn_saves_the_partial_reply_as_interrupted(user, alice_headers, held_after_first_delta):
    comm, frames, conversation_id = await held_mid_reply(alice_headers)

    await comm.disconnect()

    saved = await messages_of(conversation_id)
    assert [m["role"] for m in saved] == ["user", "assistant"]
    assert saved[-1]["status"] == "interrupted"
    assert saved[-1]["content"] == "".join(f["text"] for f in frames if f["type"] == "delta")


# --- auth and origin -------------------------------------------------------------------------


async def test_a_socket_without_a_login_is_closed_with_4401(db):
    comm, _ = await open_socket([ORIGIN])
    error = await comm.receive_json_from()
    assert error["type"] == "error" and error["code"] == "unauthenticated"
    assert await closed_code(comm) == 4401
    await comm.disconnect()


async def test_an_expired_jwt_is_closed_with_4401(user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=5))
    comm, _ = await open_socket([], ["todo.v1", f"access_token.{token}"])
    assert (await comm.receive_json_from())["code"] == "token_expired"
    assert await closed_code(comm) == 4401
    await comm.disconnect()


async def test_a_forged_jwt_is_closed_with_4401_even_with_a_valid_session_cookie(user, alice_headers):
    comm, _ = await open_socket(alice_headers, ["todo.v1", "access_token.not-a-real-token"])
    assert (await comm.receive_json_from())["code"] == "token_invalid"
    assert await closed_code(comm) == 4401
    await comm.disconnect()


async def test_a_jwt_subprotocol_is_accepted_as_todo_v1_and_never_echoed(user):
    token = str(AccessToken.for_user(user))
    comm, subprotocol = await open_socket([], ["todo.v1", f"access_token.{token}"])
    assert subprotocol == "todo.v1"
    assert token.encode() not in b"".join(v for _, v in comm.response_headers or [])
    await comm.send_json_to(message_frame("show my tasks"))
    assert (await next_frame_of(comm, "turn.end"))["status"] == "complete"
    await comm.disconnect()


async def test_a_jwt_of_an_account_deactivated_since_its_last_socket_cannot_open_another(user):
    token = str(AccessToken.for_user(user))
    comm, _ = await open_socket([], ["todo.v1", f"access_token.{token}"])
    await comm.disconnect()
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (await sync_to_async(api.get)("/api/tasks/")).status_code == 200  # the API has cached the user

    user.is_active = False
    await database_sync_to_async(user.save)()

    comm, _ = await open_socket([], ["todo.v1", f"access_token.{token}"])
    assert (await comm.receive_json_from())["code"] == "token_invalid"
    assert await closed_code(comm) == 4401
    await comm.disconnect()


async def test_a_jwt_that_expires_while_connected_closes_the_socket_with_4401_on_the_next_message(user, monkeypatch):
    token = AccessToken.for_user(user)
    comm, _ = await open_socket([], ["todo.v1", f"access_token.{token}"])
    import chat.consumers

    later = token["exp"] + 1
    monkeypatch.setattr(chat.consumers, "_now", lambda: later)
    await comm.send_json_to(message_frame("add buy milk"))
    assert (await comm.receive_json_from())["code"] == "token_expired"
    assert await closed_code(comm) == 4401
    assert not await database_sync_to_async(Message.objects.exists)()
    await comm.disconnect()


async def test_a_page_on_a_foreign_origin_is_refused(alice_headers):
    cookie = dict(alice_headers)[b"cookie"]
    comm = WebsocketCommunicator(
        application, "/ws/chat/", headers=[(b"origin", b"https://evil.example"), (b"cookie", cookie)]
    )
    connected, _ = await comm.connect()
    assert not connected
    await comm.disconnect()


async def test_a_session_cookie_without_an_origin_is_refused(alice_headers):
    cookie = dict(alice_headers)[b"cookie"]
    comm = WebsocketCommunicator(application, "/ws/chat/", headers=[(b"cookie", cookie)])
    connected, _ = await comm.connect()
    assert not connected
    await comm.disconnect()


# --- ownership -------------------------------------------------------------------------------


@database_sync_to_async
def conversation_of(owner, title="Mallory's plans"):
    conversation = Conversation.objects.create(owner=owner, title=title)
    Message.objects.create(conversation=conversation, role="user", content="secret plans")
    return conversation.pk


async def test_another_users_conversation_is_not_found_and_nothing_is_saved_there(user, other_user, alice_headers):
    theirs = await conversation_of(other_user)
    comm, _ = await open_socket(alice_headers)
    await comm.send_json_to(message_frame("add buy milk", theirs))
    error = await comm.receive_json_from(timeout=5)
    assert error == {"type": "error", "code": "conversation_not_found", "detail": error["detail"]}
    assert [m["content"] for m in await messages_of(theirs)] == ["secret plans"]
    assert not await database_sync_to_async(Task.objects.exists)()
    # Still serving.
    await comm.send_json_to(message_frame("show my tasks"))
    assert (await next_frame_of(comm, "turn.end"))["status"] == "complete"
    await comm.disconnect()


# --- bad frames ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, code",
    [
        ("this is not json", "invalid_json"),
        ("[1, 2]", "bad_frame"),
        (json.dumps({"type": "shout", "text": "hi"}), "unknown_type"),
        (json.dumps({"text": "hi"}), "unknown_type"),
        (json.dumps({"type": "message"}), "empty_message"),
        (json.dumps({"type": "message", "text": "   "}), "empty_message"),
        (json.dumps({"type": "message", "text": 42}), "bad_frame"),
        (json.dumps({"type": "message", "text": "x" * 4001}), "message_too_long"),
        (json.dumps({"type": "message", "text": "hi", "conversation_id": "12"}), "bad_frame"),
        (json.dumps({"type": "message", "text": "hi", "timezone": "Mars/Olympus"}), "invalid_timezone"),
        # PostgreSQL cannot store either: they crashed the turn, and with it the socket.
        (json.dumps({"type": "message", "text": "milk\u0000now"}), "invalid_message"),
        ('{"type": "message", "text": "milk \\ud800"}', "invalid_message"),
        (json.dumps({"type": "message", "text": "hi", "client_id": "c\u0000d"}), "invalid_client_id"),
    ],
)
async def test_a_bad_frame_gets_an_error_frame_and_the_socket_keeps_working(user, alice_headers, raw, code):
    comm, _ = await open_socket(alice_headers)
    await comm.send_to(text_data=raw)
    error = await comm.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == code and error["detail"]
    assert not await database_sync_to_async(Message.objects.exists)()

    await comm.send_json_to(message_frame("show my tasks"))
    assert (await next_frame_of(comm, "turn.end"))["status"] == "complete"
    await comm.disconnect()


async def test_a_binary_frame_gets_an_error_frame(user, alice_headers):
    comm, _ = await open_socket(alice_headers)
    await comm.send_to(bytes_data=b"\x00\x01")
    assert (await comm.receive_json_from())["code"] == "bad_frame"
    await comm.disconnect()


async def test_a_frame_over_64_kb_closes_the_socket_with_4009(user, alice_headers):
    comm, _ = await open_socket(alice_headers)
    await comm.send_to(text_data=json.dumps({"type": "message", "text": "x" * 70_000}))
    assert await closed_code(comm) == 4009
    assert not await database_sync_to_async(Message.objects.exists)()
    await comm.disconnect()


async def test_a_turns_task_change_reaches_the_page_before_its_turn_end(user, alice_headers):
    comm, _ = await open_socket(alice_headers)
    await comm.send_json_to(message_frame("add call the dentist"))
    frames = await frames_until(comm, "turn.end")
    changed = [f for f in frames if f["type"] == "tasks.changed"]
    assert len(changed) == 1 and changed[0]["action"] == "created"
    task = await Task.objects.aget(owner=user)
    assert changed[0]["task"]["id"] == task.pk and changed[0]["task"]["title"] == task.title
    # No second copy of the change after turn.end (the new conversation's conversations.changed
    # may come after it: over Redis it is not ordered with the turn's frames).
    later = []
    while not await comm.receive_nothing(timeout=0.3):
        later.append(await comm.receive_json_from())
    assert [frame["type"] for frame in later if frame["type"] != "conversations.changed"] == []
    await comm.disconnect()


async def test_frames_and_task_changes_are_answered_while_the_shared_sync_thread_is_busy(user, alice_headers):
    """Under daphne one thread runs every thread-sensitive sync call of the process (Django's
    views, the session lookup). A slow one must not hold up another socket's frames."""
    comm, _ = await open_socket(alice_headers)
    started, release = threading.Event(), threading.Event()

    def slow_sync_work():
        started.set()
        release.wait(10)

    busy = asyncio.ensure_future(sync_to_async(slow_sync_work)())  # thread_sensitive: that one thread
    try:
        assert await asyncio.to_thread(started.wait, 5), "the sync thread never took the slow work"
        await comm.send_to(text_data=json.dumps({"type": "shout"}))
        assert (await comm.receive_json_from(timeout=5))["code"] == "unknown_type"
        await get_channel_layer().group_send(user_group(user.pk), {"type": "tasks.changed", "action": "deleted_all", "task": None})
        assert (await comm.receive_json_from(timeout=5))["type"] == "tasks.changed"
        assert not busy.done()
    finally:
        release.set()
        await busy
    await comm.disconnect()


async def test_cancel_with_nothing_running_is_harmless(user, alice_headers):
    comm, _ = await open_socket(alice_headers)
    await comm.send_json_to({"type": "cancel"})
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


# --- live task updates -----------------------------------------------------------------------


async def test_a_task_created_through_the_api_reaches_the_owners_socket(user, alice_headers, api_client):
    comm, _ = await open_socket(alice_headers)
    response = await database_sync_to_async(api_client.post)("/api/tasks/", {"title": "Water the plants"}, format="json")
    assert response.status_code == 201
    frame = await comm.receive_json_from(timeout=5)
    assert frame["type"] == "tasks.changed" and frame["action"] == "created"
    assert frame["task"]["id"] == response.json()["id"] and frame["task"]["title"] == "Water the plants"
    await comm.disconnect()


async def test_completing_a_task_through_the_service_reaches_the_socket_but_not_another_users(
    user, other_user, alice_headers, mallory_headers
):
    task = await database_sync_to_async(make_task)(user, "Call mum")
    alice, _ = await open_socket(alice_headers)
    mallory, _ = await open_socket(mallory_headers)

    from tasks import services

    await database_sync_to_async(services.task_complete)(user=user, task_id=task.pk)

    frame = await alice.receive_json_from(timeout=5)
    assert frame["action"] == "completed" and frame["task"]["id"] == task.pk and frame["task"]["completed"] is True
    assert await mallory.receive_nothing(timeout=0.5)
    await alice.disconnect()
    await mallory.disconnect()


async def test_a_bulk_delete_is_announced_without_a_task_so_pages_refetch(user, alice_headers):
    await database_sync_to_async(make_task)(user, "Old thing", completed=True)
    comm, _ = await open_socket(alice_headers)
    from tasks import services

    await database_sync_to_async(services.task_delete_completed)(user=user)
    frame = await comm.receive_json_from(timeout=5)
    assert frame == {"type": "tasks.changed", "action": "deleted_completed", "task": None}
    await comm.disconnect()
