"""TaskSerializer renders tasks by hand for speed; it must show exactly what DRF's fields would."""

from datetime import date, datetime, timezone as dt_timezone

import pytest
from django.utils import timezone
from rest_framework import serializers

from tasks.models import Priority, Task
from tasks.serializers import TaskSerializer
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


def drf_rendering(task: Task) -> dict:
    """The generic ModelSerializer path the hand-written one replaces."""
    return dict(serializers.ModelSerializer.to_representation(TaskSerializer(), task))


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Sao_Paulo", "Asia/Kolkata"])
def test_task_json_is_what_drf_renders_in_any_current_time_zone(user, zone):
    open_task = make_task(user, "Pay rent", description="", priority="high")
    done_task = make_task(user, "File taxes", description="with the receipts", due_date=date(2027, 4, 15), completed=True)
    # A stored microsecond and a non-UTC source zone must not change anything either.
    Task.objects.filter(pk=open_task.pk).update(created_at=datetime(2026, 3, 29, 1, 30, 5, 123456, tzinfo=dt_timezone.utc))
    open_task.refresh_from_db()

    with timezone.override(zone):
        for task in (open_task, done_task):
            assert TaskSerializer(task).data == drf_rendering(task)


def test_task_json_shows_utc_with_a_z_and_no_due_date_as_null(user):
    task = make_task(user, "Call mum")
    Task.objects.filter(pk=task.pk).update(created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt_timezone.utc))
    task.refresh_from_db()

    data = TaskSerializer(task).data

    assert data["created_at"] == "2026-01-02T03:04:05Z"
    assert data["due_date"] is None and data["completed_at"] is None
    assert data["priority"] == "medium" and type(data["priority"]) is str


def test_a_just_created_task_renders_its_priority_as_plain_text(user):
    task = make_task(user, "Book flights", priority=Priority.HIGH)
    assert TaskSerializer(task).data == drf_rendering(task)
