import json
import logging
from datetime import date

import pytest
from agents.tool_context import ToolContext
from asgiref.sync import sync_to_async

from agents_bridge import tools
from agents_bridge.context import TodoContext
from agents_bridge.tests.factories import thread_connections_closed  # noqa: F401 - fixture
from tasks.models import Task
from tasks.tests.factories import make_task

TODAY = date(2030, 1, 10)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("thread_connections_closed")]


async def call(tool, user, confirmed: str | None = None, **arguments):
    """Invokes a tool the way the SDK does, with the JSON arguments a model would send."""
    context = TodoContext(
        user=user, today=TODAY, timezone="UTC", confirmed_bulk=confirmed is not None, confirmed_action=confirmed
    )
    raw = json.dumps(arguments)
    tool_context = ToolContext(context=context, tool_name=tool.name, tool_call_id="call-1", tool_arguments=raw)
    output = await tool.on_invoke_tool(tool_context, raw)
    assert isinstance(output, str), "tools answer JSON text so the model reads JSON, not a Python repr"
    return json.loads(output)


def task_row(task_id):
    return Task.objects.filter(pk=task_id).values("title", "description", "completed", "priority", "due_date").first()


make = sync_to_async(make_task)
row = sync_to_async(task_row)


async def test_tool_names_are_the_public_contract():
    assert [t.name for t in tools.TODO_TOOLS] == [
        "add_task",
        "list_tasks",
        "complete_task",
        "reopen_task",
        "update_task",
        "delete_task",
        "delete_completed_tasks",
        "delete_all_tasks",
        "undo_last_turn",
    ]
    for tool in tools.TODO_TOOLS:
        assert "user" not in tool.params_json_schema["properties"]
        assert "owner" not in tool.params_json_schema["properties"]


async def test_add_task_creates_the_task_for_the_acting_user(user):
    out = await call(tools.add_task, user, title="  Buy milk ", due_date="2030-01-11", priority="high")
    assert out == {
        "status": "created", "task_id": out["task_id"], "title": "Buy milk", "due_date": "2030-01-11", "priority": "high",
        "recurrence_text": "", "labels": [],
    }
    task = await Task.objects.aget(pk=out["task_id"])
    assert (task.owner_id, task.title, task.due_date, task.priority) == (user.pk, "Buy milk", date(2030, 1, 11), "high")


async def test_add_task_defaults_to_medium_priority_and_no_due_date(user):
    out = await call(tools.add_task, user, title="Call mom")
    assert (out["priority"], out["due_date"]) == ("medium", None)


async def test_add_task_with_a_date_that_is_not_iso_is_an_invalid_error_and_creates_nothing(user):
    out = await call(tools.add_task, user, title="Buy milk", due_date="next tuesday")
    assert out["status"] == "error" and out["error"] == "invalid"
    assert "YYYY-MM-DD" in out["message"]
    assert await Task.objects.acount() == 0


async def test_add_task_with_a_blank_title_is_an_invalid_error(user):
    out = await call(tools.add_task, user, title="   ")
    assert (out["status"], out["error"]) == ("error", "invalid")
    assert out["message"].startswith("title:")
    assert await Task.objects.acount() == 0


async def test_list_tasks_shows_pending_tasks_newest_first_by_default(user, other_user):
    older = await make(user, "Buy milk")
    newer = await make(user, "Walk the dog")
    await make(user, "Pay rent", completed=True)
    await make(other_user, "Mallory's secret plan")
    out = await call(tools.list_tasks, user)
    assert out["status"] == "ok" and out["count"] == 2 and out["shown"] == 2
    assert [t["task_id"] for t in out["tasks"]] == [newer.pk, older.pk]
    assert set(out["tasks"][0]) == {"task_id", "title", "description", "completed", "priority", "due_date", "recurrence_text", "labels"}


async def test_list_tasks_filters_by_status(user):
    await make(user, "Buy milk")
    done = await make(user, "Pay rent", completed=True)
    completed = await call(tools.list_tasks, user, status="completed")
    assert [t["task_id"] for t in completed["tasks"]] == [done.pk]
    assert (await call(tools.list_tasks, user, status="all"))["count"] == 2


async def test_list_tasks_search_needs_every_word_in_any_order_and_case(user):
    oat = await make(user, "Buy oat milk", description="the barista one")
    await make(user, "Buy bread")
    await make(user, "Milk the cow")
    out = await call(tools.list_tasks, user, search="MILK buy")
    assert [t["task_id"] for t in out["tasks"]] == [oat.pk]
    by_description = await call(tools.list_tasks, user, search="barista")
    assert [t["task_id"] for t in by_description["tasks"]] == [oat.pk]


async def test_list_tasks_due_windows_use_the_users_today(user):
    today = await make(user, "Today thing", due_date=TODAY)
    late = await make(user, "Late thing", due_date=date(2030, 1, 9))
    soon = await make(user, "Soon thing", due_date=date(2030, 1, 11))
    await make(user, "Late but done", due_date=date(2030, 1, 1), completed=True)
    await make(user, "Someday")
    assert [t["task_id"] for t in (await call(tools.list_tasks, user, due="today"))["tasks"]] == [today.pk]
    assert [t["task_id"] for t in (await call(tools.list_tasks, user, status="all", due="overdue"))["tasks"]] == [late.pk]
    assert [t["task_id"] for t in (await call(tools.list_tasks, user, due="upcoming"))["tasks"]] == [soon.pk]


async def test_list_tasks_with_a_due_window_shows_the_soonest_due_first(user):
    sooner = await make(user, "Sooner", due_date=date(2030, 1, 12))
    later = await make(user, "Later", due_date=date(2030, 1, 20))
    soonest = await make(user, "Soonest", due_date=date(2030, 1, 11))
    assert [t["task_id"] for t in (await call(tools.list_tasks, user, due="upcoming"))["tasks"]] == [soonest.pk, sooner.pk, later.pk]
    # Without a window too: soonest due first.
    assert [t["task_id"] for t in (await call(tools.list_tasks, user))["tasks"]] == [soonest.pk, sooner.pk, later.pk]


async def test_list_tasks_puts_overdue_tasks_first_then_by_due_date_then_undated_then_done(user):
    undated = await make(user, "Undated")
    done = await make(user, "Done", due_date=date(2020, 1, 1), completed=True)
    later = await make(user, "Later", due_date=date(2099, 1, 20))
    overdue = await make(user, "Overdue", due_date=date(2020, 3, 1))
    listed = (await call(tools.list_tasks, user, status="all"))["tasks"]
    assert [t["task_id"] for t in listed] == [overdue.pk, later.pk, undated.pk, done.pk]


async def test_list_tasks_filters_by_priority(user):
    high = await make(user, "Urgent", priority="high")
    await make(user, "Whenever", priority="low")
    out = await call(tools.list_tasks, user, priority="high")
    assert [t["task_id"] for t in out["tasks"]] == [high.pk]


async def test_list_tasks_shows_at_most_fifty_but_counts_them_all(user):
    await sync_to_async(Task.objects.bulk_create)([Task(owner=user, title=f"Task {n}") for n in range(60)])
    out = await call(tools.list_tasks, user)
    assert (out["count"], out["shown"], len(out["tasks"])) == (60, 50, 50)
    assert out["count_exact"] is True


async def test_list_tasks_counts_exactly_up_to_a_thousand_and_says_more_beyond(user, other_user):
    bulk = sync_to_async(Task.objects.bulk_create)
    await bulk([Task(owner=user, title=f"Task {n}") for n in range(tools.LIST_COUNT_CAP)])
    await bulk([Task(owner=other_user, title=f"Theirs {n}") for n in range(5)])
    out = await call(tools.list_tasks, user)
    assert (out["count"], out["count_exact"], out["shown"]) == (1000, True, 50)

    await make(user, "One too many")
    out = await call(tools.list_tasks, user)
    assert (out["count"], out["count_exact"], out["shown"]) == (1000, False, 50)
    # A narrower question is counted exactly again.
    assert (await call(tools.list_tasks, user, search="too many"))["count"] == 1


async def test_list_tasks_trims_long_descriptions(user):
    await make(user, "Essay", description="x" * 3000)
    out = await call(tools.list_tasks, user)
    assert len(out["tasks"][0]["description"]) <= tools.DESCRIPTION_PREVIEW_CHARS + 1


async def test_complete_task_marks_it_done_and_says_so_when_it_already_was(user):
    task = await make(user, "Buy milk")
    assert await call(tools.complete_task, user, task_id=task.pk) == {"status": "completed", "task_id": task.pk, "title": "Buy milk"}
    assert (await row(task.pk))["completed"] is True
    again = await call(tools.complete_task, user, task_id=task.pk)
    assert again["status"] == "already_completed"


async def test_reopen_task_marks_it_pending_and_says_so_when_it_already_was(user):
    task = await make(user, "Buy milk", completed=True)
    assert (await call(tools.reopen_task, user, task_id=task.pk))["status"] == "reopened"
    assert (await row(task.pk))["completed"] is False
    assert (await call(tools.reopen_task, user, task_id=task.pk))["status"] == "already_pending"


async def test_update_task_changes_only_the_given_fields(user):
    task = await make(user, "Buy milk", description="2 litres", priority="low")
    out = await call(tools.update_task, user, task_id=task.pk, title="Buy oat milk", due_date="2030-02-01")
    assert out == {"status": "updated", "task_id": task.pk, "title": "Buy oat milk", "changed": ["due_date", "title"]}
    assert await row(task.pk) == {
        "title": "Buy oat milk",
        "description": "2 litres",
        "completed": False,
        "priority": "low",
        "due_date": date(2030, 2, 1),
    }


async def test_update_task_with_an_empty_due_date_clears_it(user):
    task = await make(user, "Buy milk", due_date=TODAY)
    out = await call(tools.update_task, user, task_id=task.pk, due_date="")
    assert out["changed"] == ["due_date"]
    assert (await row(task.pk))["due_date"] is None


async def test_update_task_with_nothing_to_change_or_a_bad_value_is_an_invalid_error(user):
    task = await make(user, "Buy milk")
    assert (await call(tools.update_task, user, task_id=task.pk))["error"] == "invalid"
    bad = await call(tools.update_task, user, task_id=task.pk, title="")
    assert bad["error"] == "invalid"
    assert (await row(task.pk))["title"] == "Buy milk"


async def test_delete_task_deletes_it_and_names_it(user):
    task = await make(user, "Buy milk")
    assert await call(tools.delete_task, user, task_id=task.pk) == {"status": "deleted", "task_id": task.pk, "title": "Buy milk"}
    assert await row(task.pk) is None


async def test_a_missing_task_id_is_no_task_n(user):
    for tool in (tools.complete_task, tools.reopen_task, tools.delete_task):
        assert await call(tool, user, task_id=424242) == {"status": "error", "error": "not_found", "message": "No task 424242"}
    out = await call(tools.update_task, user, task_id=424242, title="x")
    assert out["message"] == "No task 424242"


@pytest.mark.parametrize(
    "tool_name, extra",
    [
        ("complete_task", {}),
        ("reopen_task", {}),
        ("update_task", {"title": "pwned", "priority": "low"}),
        ("delete_task", {}),
    ],
)
async def test_another_users_task_is_no_task_n_and_stays_unchanged(user, other_user, tool_name, extra):
    theirs = await make(other_user, "Mallory's task", priority="high", completed=tool_name == "reopen_task")
    before = await row(theirs.pk)
    out = await call(getattr(tools, tool_name), user, task_id=theirs.pk, **extra)
    assert out == {"status": "error", "error": "not_found", "message": f"No task {theirs.pk}"}
    assert await row(theirs.pk) == before


@pytest.mark.parametrize("tool_name", ["delete_completed_tasks", "delete_all_tasks"])
async def test_bulk_deletes_only_ask_for_confirmation_until_the_server_says_the_user_confirmed(user, tool_name):
    await make(user, "Done one", completed=True)
    await make(user, "Done two", completed=True)
    await make(user, "Still to do")
    expected = 2 if tool_name == "delete_completed_tasks" else 3
    out = await call(getattr(tools, tool_name), user)
    assert out["status"] == "needs_confirmation" and out["count"] == expected
    assert str(expected) in out["message"]
    assert await Task.objects.acount() == 3


async def test_delete_completed_tasks_deletes_only_completed_ones_once_confirmed(user, other_user):
    await make(user, "Done one", completed=True)
    await make(user, "Done two", completed=True)
    keep = await make(user, "Still to do")
    theirs = await make(other_user, "Mallory's done task", completed=True)
    out = await call(tools.delete_completed_tasks, user, confirmed="delete_completed_tasks")
    assert out["status"] == "deleted" and out["count"] == 2
    assert sorted(out["titles"]) == ["Done one", "Done two"]
    assert [t.pk async for t in Task.objects.order_by("pk")] == [keep.pk, theirs.pk]


async def test_delete_all_tasks_deletes_every_task_of_the_user_only_once_confirmed(user, other_user):
    await make(user, "Done one", completed=True)
    await make(user, "Still to do")
    theirs = await make(other_user, "Mallory's task")
    out = await call(tools.delete_all_tasks, user, confirmed="delete_all_tasks")
    assert (out["status"], out["count"]) == ("deleted", 2)
    assert [t.pk async for t in Task.objects.all()] == [theirs.pk]


async def test_a_confirmation_for_one_bulk_action_does_not_authorise_another(user):
    await make(user, "Done", completed=True)
    await make(user, "Pending")
    out = await call(tools.delete_all_tasks, user, confirmed="delete_completed_tasks")
    assert out["status"] == "needs_confirmation"
    assert await Task.objects.acount() == 2


async def test_a_tool_that_crashes_logs_it_and_tells_the_model_a_safe_sentence(user, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("database on fire: secret connection string")

    monkeypatch.setattr(tools.services, "task_create", broken)
    with caplog.at_level(logging.ERROR, logger="agents_bridge.tools"):
        out = await call(tools.add_task, user, title="Buy milk")
    assert out["status"] == "error"
    assert "secret" not in out["message"] and "try again" in out["message"]
    assert any("database on fire" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


async def run_in_one_turn(tool, context, task_ids):
    """Calls `tool` once per id with one shared run context, as the SDK does within one turn."""
    outputs = []
    for task_id in task_ids:
        raw = json.dumps({"task_id": task_id})
        tool_context = ToolContext(context=context, tool_name=tool.name, tool_call_id=f"call-{task_id}", tool_arguments=raw)
        outputs.append(json.loads(await tool.on_invoke_tool(tool_context, raw)))
    return outputs


@pytest.mark.parametrize("tool, gone", [(tools.delete_task, "deleted"), (tools.complete_task, "completed")])
async def test_a_turn_changes_at_most_the_limit_then_asks(user, settings, tool, gone):
    settings.AGENT_BULK_CONFIRM_OVER = 3
    tasks = [await make(user, f"Task {n}") for n in range(6)]
    context = TodoContext(user=user, today=TODAY)
    outputs = await run_in_one_turn(tool, context, [t.pk for t in tasks])
    assert [o["status"] for o in outputs] == [gone] * 3 + ["needs_confirmation"] * 3
    assert context.questions.after == {"ask": "confirm", "tool": tool.name, "count": 3, "task_ids": [t.pk for t in tasks[3:]]}
    assert [(await row(t.pk))["completed"] for t in tasks[3:]] == [False] * 3  # still there, still pending


async def test_a_confirmed_turn_may_change_more_than_the_limit(user, settings):
    settings.AGENT_BULK_CONFIRM_OVER = 3
    tasks = [await make(user, f"Task {n}") for n in range(6)]
    context = TodoContext(user=user, today=TODAY, confirmed_bulk=True, confirmed_action="delete_task")
    outputs = await run_in_one_turn(tools.delete_task, context, [t.pk for t in tasks])
    assert [o["status"] for o in outputs] == ["deleted"] * 6
    assert context.questions.after is None


async def test_the_limit_counts_deletes_and_completions_separately(user, settings):
    settings.AGENT_BULK_CONFIRM_OVER = 2
    tasks = [await make(user, f"Task {n}") for n in range(4)]
    context = TodoContext(user=user, today=TODAY)
    completed = await run_in_one_turn(tools.complete_task, context, [t.pk for t in tasks[:2]])
    deleted = await run_in_one_turn(tools.delete_task, context, [t.pk for t in tasks[2:]])
    assert [o["status"] for o in completed + deleted] == ["completed", "completed", "deleted", "deleted"]
