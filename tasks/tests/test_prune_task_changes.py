"""manage.py prune_task_changes: the journal keeps TASK_CHANGES_KEEP_DAYS days."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tasks.models import TaskChange
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


def _age(title: str, days: int) -> None:
    TaskChange.objects.filter(title=title).update(created_at=timezone.now() - timedelta(days=days))


def test_entries_older_than_the_setting_go_and_newer_ones_stay(user, settings):
    settings.TASK_CHANGES_KEEP_DAYS = 90
    for title, days in (("Ancient", 200), ("Old", 91), ("Recent", 89)):
        make_task(user, title)
        _age(title, days)
    make_task(user, "Today")
    out = StringIO()

    call_command("prune_task_changes", "--batch-size", "1", stdout=out)

    assert sorted(TaskChange.objects.values_list("title", flat=True)) == ["Recent", "Today"]
    assert "Removed 2 task changes older than 90 days" in out.getvalue()


def test_days_can_be_given_on_the_command_line(user):
    make_task(user, "Week old")
    _age("Week old", 8)
    call_command("prune_task_changes", "--days", "7", stdout=StringIO())
    assert not TaskChange.objects.exists()


def test_a_nonsense_number_of_days_is_refused(user):
    with pytest.raises(CommandError):
        call_command("prune_task_changes", "--days", "0")
