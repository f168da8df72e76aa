"""The ownership matrix beyond HTTP: every agent tool and every websocket frame that names an
object, used by another user on alice's objects. Tools answer "No task N" (or show/touch nothing
of alice's) and her rows stay as they were. A tool or frame field not covered here fails the test."""

import json
from datetime import date

import pytest
from agents.tool_context import ToolContext
from asgiref.sync import sync_to_async

from agents_bridge import tools
from agents_bridge.context import TodoContext
from chat.models import Conversation, Message
from tasks.models import Task
from tasks.tests.factories import make_task

from .wsclient import frames_until, message_frame, message_rows, open_socket

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "alice-private-91c2"


async def call_as(tool, user, **arguments) -> dict:
    # Confirmed, so bulk tools really run: the strongest attempt another user can make.
    context = TodoContext(user=user, today=date(2030, 1, 10), timezone="UTC", confirmed_bulk=True, confirmed_action=None)
    raw = json.dumps(arguments)
    tool_context = ToolContext(context=context, tool_name=tool.name, tool_call_id="call-x", tool_arguments=raw)
    return json.loads(await tool.on_invoke_tool(tool_context, raw))


def alice_rows(alice) -> list[dict]:
    return list(Task.objects.filter(owner=alice).order_by("id").values())


# Arguments for each tool as mallory would send them; {id} is alice's task id.
TOOL_ATTEMPTS = {
    "add_task": {"title": "Mallory's own"},
    "list_tasks": {"status": "all", "search": SECRET},
    "complete_task": {"task_id": "{id}"},
    "reopen_task": {"task_id": "{id}"},
    "update_task": {"task_id": "{id}", "title": "pwned", "description": "", "priority": "low", "due_date": ""},
    "delete_task": {"task_id": "{id}"},
    "delete_completed_tasks": {},
    "delete_all_tasks": {},
    "undo_last_turn": {},
}


def test_every_agent_tool_has_an_ownership_attempt():
    names = [tool.name for tool in tools.TODO_TOOLS]
    assert sorted(names) == sorted(TOOL_ATTEMPTS), "add the new tool to TOOL_ATTEMPTS"
    for tool in tools.TODO_TOOLS:
        takes_id = "task_id" in tool.params_json_schema["properties"]
        assert takes_id == ("task_id" in TOOL_ATTEMPTS[tool.name])


@pytest.mark.parametrize("tool", tools.TODO_TOOLS, ids=lambda t: t.name)
async def test_another_user_using_any_tool_on_alices_task_finds_nothing_and_changes_nothing(tool, user, other_user):
    open_task = await sync_to_async(make_task)(user, f"{SECRET} open", description=SECRET)
    await sync_to_async(make_task)(user, f"{SECRET} done", completed=True)
    before = await sync_to_async(alice_rows)(user)
    arguments = {k: (open_task.pk if v == "{id}" else v) for k, v in TOOL_ATTEMPTS[tool.name].items()}

    output = await call_as(tool, other_user, **arguments)

    assert SECRET not in json.dumps(output)
    if "task_id" in arguments:
        assert output == {"status": "error", "error": "not_found", "message": f"No task {open_task.pk}"}
    assert await sync_to_async(alice_rows)(user) == before
    # Whatever the tool did, it did it to mallory's list only.
    assert not await Task.objects.filter(owner=user).exclude(title__startswith=SECRET).aexists()


async def test_undo_last_turn_never_reaches_another_users_turn_even_given_its_message_id(user, other_user):
    from tasks import services
    from tasks.journal import ChangeSource
    from tasks.models import Door

    conversation = await Conversation.objects.acreate(owner=user, title=SECRET)
    reply = await Message.objects.acreate(conversation=conversation, role="assistant", content=SECRET)
    turn = ChangeSource.for_turn(door=Door.CHAT, message_id=reply.pk)
    await sync_to_async(services.task_create)(owner=user, title=f"{SECRET} added by alice's turn", source=turn)
    before = await sync_to_async(alice_rows)(user)
    context = TodoContext(user=other_user, today=date(2030, 1, 10), turn_message_ids=(reply.pk,))
    tool_context = ToolContext(context=context, tool_name="undo_last_turn", tool_call_id="call-x", tool_arguments="{}")

    output = json.loads(await tools.undo_last_turn.on_invoke_tool(tool_context, "{}"))

    assert output["status"] == "error" and output["error"] == "nothing_to_undo"
    assert SECRET not in json.dumps(output)
    assert await sync_to_async(alice_rows)(user) == before


async def test_a_websocket_message_into_another_users_conversation_is_not_found_and_stores_nothing(user, other_user):
    conversation = await Conversation.objects.acreate(owner=user, title=SECRET)
    await Message.objects.acreate(conversation=conversation, role="user", content=SECRET)
    before = await message_rows(conversation_id=conversation.pk)
    comm = await open_socket(other_user)

    await comm.send_json_to(message_frame("delete all tasks", conversation.pk, client_id="c-1"))
    [error] = await frames_until(comm, "error")

    assert error["code"] == "conversation_not_found"
    assert SECRET not in json.dumps(error)
    assert await message_rows(conversation_id=conversation.pk) == before
    assert await Message.objects.acount() == 1
    assert await Conversation.objects.filter(owner=other_user).acount() == 0
    # A missing conversation says exactly the same.
    await comm.send_json_to(message_frame("hello", 10**9))
    [missing] = await frames_until(comm, "error")
    assert (missing["code"], missing["detail"]) == (error["code"], error["detail"])
    await comm.disconnect()


async def test_a_client_id_used_by_another_user_does_not_reach_their_message(user, other_user):
    # client_id is chosen by clients, so two users may pick the same one: it must not cross over.
    alice = await open_socket(user)
    await alice.send_json_to(message_frame(f"{SECRET} add buy milk", client_id="shared-id"))
    alice_frames = await frames_until(alice, "turn.end")
    await alice.disconnect()
    mallory = await open_socket(other_user)

    await mallory.send_json_to(message_frame("show my tasks", client_id="shared-id"))
    frames = await frames_until(mallory, "turn.end", "error")

    assert frames[0]["type"] == "turn.start"
    assert frames[0]["conversation_id"] != alice_frames[0]["conversation_id"]
    assert SECRET not in json.dumps(frames)
    assert len(await message_rows(conversation_id=alice_frames[0]["conversation_id"])) == 2
    await mallory.disconnect()

