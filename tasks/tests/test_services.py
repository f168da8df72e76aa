from datetime import date, timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks import services
from tasks.events import user_group
from tasks.models import Task
from tasks.selectors import TaskNotFound
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


def test_task_create_strips_the_title_and_keeps_the_fields(user):
    task = services.task_create(
        owner=user, title="  Pay rent  ", description=" monthly ", priority="high", due_date=date(2027, 1, 15)
    )
    task.refresh_from_db()
    assert (task.title, task.description, task.priority, task.due_date) == ("Pay rent", "monthly", "high", date(2027, 1, 15))
    assert task.owner == user
    assert task.completed is False and task.completed_at is None


def test_task_create_defaults_to_medium_priority_and_no_due_date(user):
    task = services.task_create(owner=user, title="Call mum")
    assert task.priority == "medium"
    assert task.due_date is None


def test_task_create_can_record_a_task_already_done(user):
    task = services.task_create(owner=user, title="Filed taxes", completed=True)
    assert task.completed is True
    assert task.completed_at is not None


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 256}, "title"),
        ({"title": "ok", "description": "d" * 4001}, "description"),
        ({"title": "ok", "priority": "urgent"}, "priority"),
    ],
)
def test_task_create_rejects_bad_input_and_saves_nothing(user, fields, bad_field):
    with pytest.raises(ValidationError) as excinfo:
        services.task_create(owner=user, **fields)
    assert bad_field in excinfo.value.message_dict
    assert not Task.objects.exists()


def test_task_create_accepts_the_longest_allowed_title_and_description(user):
    task = services.task_create(owner=user, title="x" * 255, description="d" * 4000)
    task.refresh_from_db()
    assert len(task.title) == 255 and len(task.description) == 4000


def test_task_update_changes_only_the_fields_given(user):
    task = make_task(user, "Old title", description="keep me", priority="low", due_date=date(2027, 3, 1))
    services.task_update(user=user, task_id=task.pk, title=" New title ")
    task.refresh_from_db()
    assert (task.title, task.description, task.priority, task.due_date) == ("New title", "keep me", "low", date(2027, 3, 1))


def test_task_update_can_clear_the_due_date(user):
    task = make_task(user, due_date=date(2027, 3, 1))
    services.task_update(user=user, task_id=task.pk, due_date=None)
    task.refresh_from_db()
    assert task.due_date is None


def test_task_update_with_a_bad_value_leaves_the_task_unchanged(user):
    task = make_task(user, "Keep", priority="low")
    with pytest.raises(ValidationError):
        services.task_update(user=user, task_id=task.pk, title="changed", priority="urgent")
    task.refresh_from_db()
    assert (task.title, task.priority) == ("Keep", "low")


def test_task_update_can_complete_and_reopen(user):
    task = make_task(user)
    services.task_update(user=user, task_id=task.pk, completed=True)
    task.refresh_from_db()
    assert task.completed and task.completed_at is not None
    services.task_update(user=user, task_id=task.pk, completed=False)
    task.refresh_from_db()
    assert not task.completed and task.completed_at is None


def test_task_complete_stamps_the_time_once_and_reopen_clears_it(user):
    task = make_task(user)
    first = services.task_complete(user=user, task_id=task.pk).completed_at
    again = services.task_complete(user=user, task_id=task.pk).completed_at
    assert first is not None and again == first
    reopened = services.task_reopen(user=user, task_id=task.pk)
    assert reopened.completed is False and reopened.completed_at is None


def test_task_delete_removes_the_task_and_returns_what_it_was(user):
    task = make_task(user, "Old plan")
    deleted = services.task_delete(user=user, task_id=task.pk)
    assert (deleted.pk, deleted.title) == (task.pk, "Old plan")
    assert not Task.objects.filter(pk=task.pk).exists()


def test_an_update_moves_updated_at_and_keeps_created_at(user):
    task = make_task(user, "Draft")
    Task.objects.filter(pk=task.pk).update(updated_at=task.updated_at - timedelta(days=1))
    task.refresh_from_db()
    created, before = task.created_at, task.updated_at
    services.task_update(user=user, task_id=task.pk, title="Final")
    task.refresh_from_db()
    assert task.title == "Final" and task.updated_at > before and task.created_at == created


@pytest.mark.parametrize(
    "write",
    [
        lambda user, pk: services.task_update(user=user, task_id=pk, title="Renamed"),
        lambda user, pk: services.task_complete(user=user, task_id=pk),
        lambda user, pk: services.task_delete(user=user, task_id=pk),
    ],
    ids=["update", "complete", "delete"],
)
def test_every_write_of_one_task_names_its_owner(user, write):
    # On PostgreSQL tasks are partitioned by owner (migration 0005); a statement naming only the
    # id is planned against every partition, ten times the planning time of one that names both.
    task = make_task(user, "Pay rent")
    with CaptureQueriesContext(connection) as ctx:
        write(user, task.pk)
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(("UPDATE", "DELETE"))]
    assert writes, ctx.captured_queries
    assert all('"owner_id" =' in sql.partition(" WHERE ")[2] for sql in writes), writes


def test_an_edit_of_a_task_deleted_meanwhile_is_not_found_and_stores_nothing(user, monkeypatch):
    # The row is gone between the read and the write (the lock normally prevents it): the edit
    # must fail as "not found", not report success. (The deletion here runs inside the edit's
    # transaction, so the failure rolls it back too and the task is left as it was.)
    task = make_task(user, "Gone soon")
    real_locked = services._locked

    def read_then_lose(user, task_id):
        found = real_locked(user, task_id)
        Task.objects.filter(pk=task_id).delete()
        return found

    monkeypatch.setattr(services, "_locked", read_then_lose)
    with pytest.raises(TaskNotFound):
        services.task_update(user=user, task_id=task.pk, title="Renamed")
    assert list(Task.objects.filter(owner=user).values_list("title", flat=True)) == ["Gone soon"]


def test_task_delete_completed_removes_only_the_users_completed_tasks(user, other_user):
    done = make_task(user, "done", completed=True)
    open_task = make_task(user, "open")
    theirs = make_task(other_user, "theirs done", completed=True)
    deleted = services.task_delete_completed(user=user)
    assert deleted == [{"id": done.pk, "title": "done"}]
    assert set(Task.objects.values_list("pk", flat=True)) == {open_task.pk, theirs.pk}


def test_task_delete_all_leaves_other_users_tasks(user, other_user):
    make_task(user, "a")
    make_task(user, "b", completed=True)
    theirs = make_task(other_user, "theirs")
    assert len(services.task_delete_all(user=user)) == 2
    assert list(Task.objects.values_list("pk", flat=True)) == [theirs.pk]


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        (services.task_update, {"title": "hacked"}),
        (services.task_complete, {}),
        (services.task_reopen, {}),
        (services.task_delete, {}),
    ],
)
def test_services_treat_another_users_task_as_not_found_and_leave_it_alone(user, other_user, action, kwargs):
    theirs = make_task(other_user, "Secret", completed=action is services.task_reopen)
    before = Task.objects.filter(pk=theirs.pk).values().get()
    with pytest.raises(TaskNotFound):
        action(user=user, task_id=theirs.pk, **kwargs)
    assert Task.objects.filter(pk=theirs.pk).values().get() == before


def test_bulk_deletes_never_reach_another_users_tasks(user, other_user):
    theirs = make_task(other_user, "theirs", completed=True)
    assert services.task_delete_completed(user=user) == []
    assert services.task_delete_all(user=user) == []
    assert Task.objects.filter(pk=theirs.pk).exists()


def _listen(user_id: int) -> tuple:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(user_id), channel)
    return layer, channel


def test_a_change_is_announced_to_the_owner_after_commit(user, django_capture_on_commit_callbacks):
    layer, channel = _listen(user.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        task = services.task_create(owner=user, title="Announced")
    assert len(callbacks) == 1
    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "tasks.changed"
    assert message["action"] == "created"
    assert message["task"]["id"] == task.pk and message["task"]["title"] == "Announced"


def test_a_rejected_change_announces_nothing(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(ValidationError):
            services.task_create(owner=user, title="")
    assert callbacks == []


def test_each_kind_of_change_is_announced_with_its_action(user, django_capture_on_commit_callbacks, monkeypatch):
    from tasks import events

    sent = []
    monkeypatch.setattr(events, "announce", lambda user_id, action, payload: sent.append((user_id, action)))
    task = make_task(user)
    with django_capture_on_commit_callbacks(execute=True):
        services.task_update(user=user, task_id=task.pk, title="x")
        services.task_complete(user=user, task_id=task.pk)
        services.task_reopen(user=user, task_id=task.pk)
        services.task_delete(user=user, task_id=task.pk)
    assert sent == [(user.pk, "updated"), (user.pk, "completed"), (user.pk, "reopened"), (user.pk, "deleted")]


def test_setting_the_state_a_task_already_has_saves_and_announces_nothing(user, django_capture_on_commit_callbacks):
    task = make_task(user, "Pay rent", completed=True)
    updated_at = Task.objects.get(pk=task.pk).updated_at
    with django_capture_on_commit_callbacks() as callbacks:
        same, changed = services.task_set_completed(user=user, task_id=task.pk, completed=True)
    assert (same.pk, changed) == (task.pk, False)
    assert callbacks == []
    assert Task.objects.get(pk=task.pk).updated_at == updated_at

    with django_capture_on_commit_callbacks() as callbacks:
        reopened, changed = services.task_set_completed(user=user, task_id=task.pk, completed=False)
    assert changed and not reopened.completed and reopened.completed_at is None
    assert len(callbacks) == 1
