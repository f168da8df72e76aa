"""The task change journal and undo, through the services (tasks.journal, tasks.undo)."""

import pytest

from tasks import services, undo
from tasks.journal import ChangeSource
from tasks.models import Door, Task, TaskChange
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


def _list(user) -> list[dict]:
    return list(Task.objects.filter(owner=user).order_by("id").values())


def test_every_service_write_records_one_entry_with_before_and_after(user):
    task = services.task_create(owner=user, title="Buy milk")
    services.task_update(user=user, task_id=task.pk, title="Buy oat milk", priority="high")
    services.task_complete(user=user, task_id=task.pk)
    services.task_reopen(user=user, task_id=task.pk)
    services.task_delete(user=user, task_id=task.pk)

    changes = list(TaskChange.objects.filter(owner=user).order_by("id"))
    assert [c.action for c in changes] == ["created", "updated", "completed", "reopened", "deleted"]
    assert changes[0].before is None and changes[0].after["title"] == "Buy milk"
    assert {k: v for k, v in changes[1].before.items() if k != "updated_at"} == {"title": "Buy milk", "priority": "medium"}
    assert changes[1].after["title"] == "Buy oat milk" and changes[1].after["priority"] == "high"
    assert changes[2].after["completed"] is True and changes[3].after["completed"] is False and changes[3].after["completed_at"] is None
    assert changes[4].after is None and changes[4].before["title"] == "Buy oat milk"
    assert {c.task_id for c in changes} == {task.pk}
    assert {c.door for c in changes} == {"api"}  # the default source


def test_an_update_that_changes_nothing_records_nothing(user):
    task = make_task(user, "Buy milk")
    services.task_update(user=user, task_id=task.pk, title="Buy milk")
    assert TaskChange.objects.filter(owner=user).count() == 1


def test_a_bulk_delete_records_every_task_in_one_batch_with_one_insert(user, django_assert_max_num_queries):
    for i in range(5):
        make_task(user, f"Done {i}", completed=True)
    make_task(user, "Still open")
    before = TaskChange.objects.count()

    # savepoint, lock+read, delete, one journal insert, release: no statement per task
    with django_assert_max_num_queries(6):  # 5, and one to read the tasks' labels for their entries
        services.task_delete_completed(user=user)

    deleted = TaskChange.objects.filter(owner=user, action="deleted")
    assert TaskChange.objects.count() - before == 5
    assert len({c.batch for c in deleted}) == 1


def test_a_change_and_its_entry_roll_back_together(user, monkeypatch):
    task = make_task(user, "Buy milk")

    def broken(*args, **kwargs):
        raise RuntimeError("journal write failed")

    monkeypatch.setattr("tasks.journal.TaskChange.save", broken)
    with pytest.raises(RuntimeError):
        services.task_update(user=user, task_id=task.pk, title="Changed")
    task.refresh_from_db()
    assert task.title == "Buy milk"


def test_undo_of_a_turn_puts_the_list_back_exactly_ids_included(user):
    keep = make_task(user, "Keep me", priority="high", due_date="2026-12-24")
    doomed = make_task(user, "Delete me", description="notes")
    before = _list(user)
    turn = ChangeSource.for_turn(door=Door.CHAT)

    services.task_create(owner=user, title="Added one", source=turn)
    services.task_create(owner=user, title="Added two", source=turn)
    services.task_complete(user=user, task_id=keep.pk, source=turn)
    services.task_update(user=user, task_id=keep.pk, title="Renamed", source=turn)
    services.task_delete(user=user, task_id=doomed.pk, source=turn)

    result = undo.batch_undo(user=user, batch=turn.batch)

    assert _list(user) == before
    assert sorted(c["action"] for c in result.changes) == ["created", "deleted", "deleted", "updated"]


def test_undo_is_journalled_and_undoing_it_redoes(user):
    task = make_task(user, "Buy milk")
    turn = ChangeSource.for_turn(door=Door.CHAT)
    services.task_complete(user=user, task_id=task.pk, source=turn)
    services.task_create(owner=user, title="Bread", source=turn)
    after_turn = _list(user)

    undone = undo.batch_undo(user=user, batch=turn.batch)
    assert not Task.objects.get(pk=task.pk).completed
    assert TaskChange.objects.filter(batch=undone.batch, reverts=turn.batch).count() == 2

    undo.batch_undo(user=user, batch=undone.batch)  # redo
    redone = _list(user)
    assert [(t["id"], t["title"], t["completed"]) for t in redone] == [(t["id"], t["title"], t["completed"]) for t in after_turn]


def test_a_later_edit_blocks_undo_names_the_task_and_changes_nothing(user):
    task = make_task(user, "Buy milk")
    other = make_task(user, "Call mum")
    turn = ChangeSource.for_turn(door=Door.CHAT)
    services.task_complete(user=user, task_id=task.pk, source=turn)
    services.task_delete(user=user, task_id=other.pk, source=turn)
    services.task_update(user=user, task_id=task.pk, title="Buy milk and eggs")  # later, another tab
    state = _list(user)

    with pytest.raises(undo.UndoConflict) as caught:
        undo.batch_undo(user=user, batch=turn.batch)

    assert caught.value.code == "undo_conflict"
    assert [t["task_id"] for t in caught.value.tasks] == [task.pk]
    assert caught.value.tasks[0]["current"]["title"] == "Buy milk and eggs"
    assert "Buy milk and eggs" in caught.value.detail
    assert _list(user) == state


def test_undoing_twice_says_it_was_undone_already(user):
    task = make_task(user, "Buy milk")
    change = TaskChange.objects.get(task_id=task.pk)
    undo.change_undo(user=user, change_id=change.pk)
    assert not Task.objects.filter(pk=task.pk).exists()

    with pytest.raises(undo.AlreadyUndone):
        undo.change_undo(user=user, change_id=change.pk)


def test_undo_of_another_users_change_is_not_found_and_changes_nothing(user, other_user):
    task = make_task(user, "Buy milk")
    change = TaskChange.objects.get(task_id=task.pk)

    with pytest.raises(undo.NothingToUndo):
        undo.change_undo(user=other_user, change_id=change.pk)
    with pytest.raises(undo.NothingToUndo):
        undo.batch_undo(user=other_user, batch=change.batch)
    assert Task.objects.filter(pk=task.pk).exists()


def test_undo_of_a_bulk_delete_brings_every_task_back(user):
    for i in range(30):
        make_task(user, f"Done {i}", completed=True)
    before = _list(user)
    services.task_delete_completed(user=user)
    batch = TaskChange.objects.filter(owner=user, action="deleted").first().batch

    undo.batch_undo(user=user, batch=batch)

    assert _list(user) == before


def test_undo_announces_every_task_it_touches_after_commit(user, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr("tasks.events.announce", lambda user_id, action, task: sent.append((action, task and task["title"])))
    milk = make_task(user, "Buy milk")
    turn = ChangeSource.for_turn(door=Door.CHAT)
    services.task_complete(user=user, task_id=milk.pk, source=turn)
    services.task_create(owner=user, title="Bread", source=turn)
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        undo.batch_undo(user=user, batch=turn.batch)

    assert sorted(sent) == [("deleted", "Bread"), ("reopened", "Buy milk")]


def test_undo_of_many_tasks_asks_pages_to_reload_the_list_once(user, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr("tasks.events.announce", lambda user_id, action, task: sent.append((action, task)))
    for i in range(undo.ANNOUNCE_EACH_UP_TO + 1):
        make_task(user, f"Task {i}")
    services.task_delete_all(user=user)
    batch = TaskChange.objects.filter(owner=user, action="deleted").first().batch
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        undo.batch_undo(user=user, batch=batch)

    assert sent == [("undone", None)]


def test_deleting_an_account_takes_its_journal_with_it(user, other_user):
    make_task(user, "Buy milk")
    make_task(other_user, "Theirs")
    user.delete()
    assert list(TaskChange.objects.values_list("title", flat=True)) == ["Theirs"]
