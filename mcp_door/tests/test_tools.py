"""The MCP tools through the door in-process: every tool, batches, confirmations, and ownership."""

from datetime import date

import pytest
from asgiref.sync import sync_to_async

from agents_bridge.tests.factories import thread_connections_closed  # noqa: F401 - fixture
from agents_bridge.tools import REGISTRY, TODO_TOOLS
from tasks.models import Task, TaskChange
from tasks.tests.factories import make_task

from .conftest import new_token
from .helpers import call_tool, post, result_of, rpc

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("thread_connections_closed")]

make = sync_to_async(make_task)


def rows(**filters):
    return sync_to_async(lambda: list(Task.objects.filter(**filters).order_by("id").values("title", "completed", "priority", "due_date")))()


async def call(http, token, name, **arguments):
    return result_of(await post(http, call_tool(name, arguments), token=token))


async def test_the_tools_are_the_agents_tools_with_schemas_and_hints(http, token):
    tools = {tool["name"]: tool for tool in result_of(await post(http, rpc("tools/list"), token=token))["tools"]}
    agent_tools = [tool.name for tool in TODO_TOOLS]
    assert list(tools) == [name for name in agent_tools if not REGISTRY[name].chat_only]
    assert agent_tools == list(REGISTRY) and "undo_last_turn" not in tools  # a chat turn's undo, not an MCP call's
    for name, tool in tools.items():
        assert tool["inputSchema"]["type"] == "object" and tool["outputSchema"]["type"] == "object"
        assert not {"user", "owner", "user_id"} & set(tool["inputSchema"].get("properties", {}))
        hints = tool["annotations"]
        assert hints["readOnlyHint"] is (name == "list_tasks")
        assert hints.get("destructiveHint", False) is name.startswith("delete_")
    assert tools["list_tasks"]["annotations"]["idempotentHint"] is True
    assert tools["add_task"]["annotations"]["idempotentHint"] is False
    assert tools["add_task"]["inputSchema"]["properties"]["tasks"]["type"] == "array"
    assert tools["delete_all_tasks"]["inputSchema"]["properties"]["confirm"]["default"] is False


async def test_add_several_tasks_in_one_call(http, user, token):
    result = await call(http, token, "add_task", tasks=[
        {"title": " Buy milk ", "due_date": "2030-01-11", "priority": "high"}, {"title": "Call mom"},
    ])
    assert result.get("isError") is not True
    created = result["structuredContent"]["results"]
    assert [(r["status"], r["title"], r["priority"]) for r in created] == [("created", "Buy milk", "high"), ("created", "Call mom", "medium")]
    assert await rows(owner=user) == [
        {"title": "Buy milk", "completed": False, "priority": "high", "due_date": date(2030, 1, 11)},
        {"title": "Call mom", "completed": False, "priority": "medium", "due_date": None},
    ]


async def test_an_invalid_item_is_an_error_result_naming_it_while_the_rest_are_added(http, user, token):
    result = await call(http, token, "add_task", tasks=[{"title": "Buy milk"}, {"title": "Tax", "due_date": "next tuesday"}])
    assert result["isError"] is True
    assert "YYYY-MM-DD" in result["content"][0]["text"] and "the other 1 succeeded" in result["content"][0]["text"]
    assert [r["status"] for r in result["structuredContent"]["results"]] == ["created", "error"]
    assert [r["title"] for r in await rows(owner=user)] == ["Buy milk"]


async def test_list_complete_reopen_update_and_delete(http, user, token):
    milk, mom = await make(user, "Buy milk"), await make(user, "Call mom", due_date=date(2030, 1, 1))
    listed = (await call(http, token, "list_tasks", search="milk"))["structuredContent"]
    assert (listed["count"], [t["task_id"] for t in listed["tasks"]]) == (1, [milk.pk])

    done = (await call(http, token, "complete_task", task_ids=[milk.pk, mom.pk]))["structuredContent"]["results"]
    assert [r["status"] for r in done] == ["completed", "completed"]
    again = (await call(http, token, "complete_task", task_ids=[milk.pk]))["structuredContent"]["results"]
    assert again[0]["status"] == "already_completed"
    reopened = (await call(http, token, "reopen_task", task_ids=[mom.pk]))["structuredContent"]["results"]
    assert reopened[0]["status"] == "reopened"

    updated = (await call(http, token, "update_task", task_id=mom.pk, title="Call mum", due_date="", priority="low"))
    assert updated["structuredContent"]["changed"] == ["due_date", "priority", "title"]
    assert await rows(pk=mom.pk) == [{"title": "Call mum", "completed": False, "priority": "low", "due_date": None}]

    deleted = (await call(http, token, "delete_task", task_ids=[mom.pk]))["structuredContent"]["results"]
    assert deleted == [{"status": "deleted", "task_id": mom.pk, "title": "Call mum"}]
    assert [r["title"] for r in await rows(owner=user)] == ["Buy milk"]


@pytest.mark.parametrize("tool, left", [("delete_completed_tasks", ["Call mom"]), ("delete_all_tasks", [])])
async def test_a_bulk_delete_without_confirm_changes_nothing_and_says_how_many(http, user, token, tool, left):
    await make(user, "Buy milk", completed=True)
    await make(user, "Call mom")
    asked = (await call(http, token, tool))["structuredContent"]
    assert asked["status"] == "needs_confirmation" and "confirm: true" in asked["message"]
    assert len(await rows(owner=user)) == 2
    done = (await call(http, token, tool, confirm=True))["structuredContent"]
    assert done["status"] == "deleted" and done["count"] == 2 - len(left)
    assert [r["title"] for r in await rows(owner=user)] == left


async def test_another_users_task_ids_are_not_found_and_their_tasks_stay_as_they_were(http, user, other_user, token):
    theirs = await make(other_user, "Their secret plan", completed=False)
    done = await make(other_user, "Their done thing", completed=True)
    before = await rows(owner=other_user)
    for name, arguments in [
        ("complete_task", {"task_ids": [theirs.pk]}),
        ("reopen_task", {"task_ids": [done.pk]}),
        ("update_task", {"task_id": theirs.pk, "title": "pwned"}),
        ("delete_task", {"task_ids": [theirs.pk, done.pk]}),
    ]:
        result = await call(http, token, name, **arguments)
        assert result["isError"] is True, name
        assert f"No task {theirs.pk if name != 'reopen_task' else done.pk}" in result["content"][0]["text"]
    for name in ("delete_completed_tasks", "delete_all_tasks"):
        assert (await call(http, token, name, confirm=True))["structuredContent"]["count"] == 0
    listed = (await call(http, token, "list_tasks", status="all"))["structuredContent"]
    assert listed["count"] == 0
    assert await rows(owner=other_user) == before


async def test_a_change_over_mcp_reaches_the_owners_open_pages(http, user, token):
    from channels.layers import get_channel_layer

    from tasks.events import user_group

    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(user_group(user.pk), channel)
    try:
        await call(http, token, "add_task", tasks=[{"title": "Buy milk"}])
        message = await layer.receive(channel)
    finally:
        await layer.group_discard(user_group(user.pk), channel)
    assert (message["type"], message["action"], message["task"]["title"]) == ("tasks.changed", "created", "Buy milk")


async def test_each_call_is_logged_with_the_token_name_and_the_tool(http, token, caplog):
    caplog.set_level("INFO", logger="mcp_door.tools")
    await call(http, token, "list_tasks")
    (record,) = [r for r in caplog.records if r.getMessage() == "mcp tool call"]
    assert (record.tool, record.token_name, record.token_kind) == ("list_tasks", "laptop", "token")


async def test_an_mcp_call_is_one_journal_batch_naming_its_token_and_undoes_as_one(http, token, user):
    await call(http, token, "add_task", tasks=[{"title": "Alpha"}, {"title": "Beta"}])
    changes = await sync_to_async(lambda: list(TaskChange.objects.filter(owner=user).values("door", "batch", "token_id")))()
    assert len(changes) == 2 and {change["door"] for change in changes} == {"mcp"}
    assert len({change["batch"] for change in changes}) == 1 and changes[0]["token_id"] is not None

    from tasks import undo

    await sync_to_async(undo.batch_undo)(user=user, batch=changes[0]["batch"])
    assert await rows() == []


@pytest.mark.parametrize("tool", ["delete_task", "complete_task"])
async def test_a_batch_over_the_limit_changes_nothing_until_confirmed(http, user, token, tool, settings):
    settings.AGENT_BULK_CONFIRM_OVER = 3
    ids = [(await make(user, f"Errand {n}")).pk for n in range(5)]
    few = (await call(http, token, tool, task_ids=ids[:3]))["structuredContent"]
    assert len(few["results"]) == 3 and "status" not in few

    before = await rows(owner=user)
    asked = (await call(http, token, tool, task_ids=ids))["structuredContent"]
    assert asked["status"] == "needs_confirmation" and asked["count"] == 5 and "confirm: true" in asked["message"]
    assert asked["results"] == [] and await rows(owner=user) == before

    await call(http, token, tool, task_ids=ids, confirm=True)
    after = await rows(owner=user)
    assert after == [] if tool == "delete_task" else all(r["completed"] for r in after) and len(after) == 5


async def test_mcp_tools_take_labels_and_a_repeat_and_list_by_label(http, user, token):
    result = await call(http, token, "add_task", tasks=[{"title": "Water the plants", "labels": ["home"], "recurrence": "every 3 days"}])
    created = result["structuredContent"]["results"][0]
    assert (created["labels"], created["recurrence_text"]) == (["home"], "every 3 days")
    await make(user, "Report", labels=["work"])

    listed = (await call(http, token, "list_tasks", label="home"))["structuredContent"]
    assert [(t["title"], t["labels"], t["recurrence_text"]) for t in listed["tasks"]] == [("Water the plants", ["home"], "every 3 days")]

    updated = (await call(http, token, "update_task", task_id=created["task_id"], add_labels=["garden"], recurrence=""))["structuredContent"]
    assert updated["labels"] == ["garden", "home"] and updated["recurrence_text"] == ""

    bad = await call(http, token, "update_task", task_id=created["task_id"], recurrence="every blue moon")
    assert bad["isError"] is True and "blue moon" in bad["content"][0]["text"]
