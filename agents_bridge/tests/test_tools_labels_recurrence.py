"""The agent's tools take labels and a repeat, list by label, and say what a repeat did."""

from datetime import date

import pytest
from asgiref.sync import sync_to_async

from agents_bridge import tools
from agents_bridge.tests.factories import thread_connections_closed  # noqa: F401 - fixture
from agents_bridge.tests.test_tools import TODAY, call
from tasks.labels import task_label_names
from tasks.selectors import task_get
from tasks.tests.factories import make_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("thread_connections_closed")]

make = sync_to_async(make_task)


@sync_to_async
def labels_of(user, task_id):
    return task_label_names(task_get(user=user, task_id=task_id))


@sync_to_async
def due_of(user, task_id):
    return task_get(user=user, task_id=task_id).due_date


async def test_add_task_takes_labels_and_a_repeat_phrase_and_shows_them(user):
    out = await call(tools.add_task, user, title="Water the plants", labels=["home"], recurrence="every 3 days")
    assert out["status"] == "created"
    assert out["recurrence_text"] == "every 3 days" and out["labels"] == ["home"]
    assert out["due_date"] == TODAY.isoformat()


async def test_a_repeat_it_cannot_read_is_an_error_the_model_can_relay(user):
    out = await call(tools.add_task, user, title="Bins", recurrence="every blue moon")
    assert out["status"] == "error" and "blue moon" in out["message"]


async def test_completing_a_repeating_task_moves_it_and_says_so(user):
    task = await make(user, "Bins", recurrence="every tuesday", today=TODAY)
    first = task.due_date
    out = await call(tools.complete_task, user, task_id=task.pk)
    assert out["status"] == "completed" and out["still_open"] is True
    assert date.fromisoformat(out["next_due_date"]) == await due_of(user, task.pk)
    assert (await due_of(user, task.pk) - first).days == 7


async def test_update_task_adds_and_removes_labels_and_stops_a_repeat(user):
    task = await make(user, "Report", labels=["work"], recurrence="every monday", today=TODAY)
    out = await call(tools.update_task, user, task_id=task.pk, add_labels=["urgent"], remove_labels=["work"], recurrence="")
    assert out["status"] == "updated" and out["labels"] == ["urgent"] and out["recurrence_text"] == ""
    assert await labels_of(user, task.pk) == ["urgent"]


async def test_list_tasks_by_label_shows_only_that_label_and_not_another_users(user, other_user):
    await make(user, "Report", labels=["work"])
    await make(user, "Groceries", labels=["home"])
    await make(other_user, "Their work", labels=["work"])
    out = await call(tools.list_tasks, user, label="work")
    assert [t["title"] for t in out["tasks"]] == ["Report"]
    assert out["tasks"][0]["labels"] == ["work"]
