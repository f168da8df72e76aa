"""Run by tasks/tests/test_journal_durability.py in a process of its own: makes one task write and
SIGKILLs itself at the named point (`after_task_write`: the task row is written, its journal entry
not yet; `after_journal_write`: both written, not committed)."""

import os
import signal
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from tasks import journal, services  # noqa: E402


def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


point, task_id = sys.argv[1], int(sys.argv[2])
user = get_user_model().objects.get(username="kim")
if point == "after_task_write":
    journal.TaskChange.save = die  # the entry's INSERT never happens
else:
    original = journal.record

    def record_then_die(**kwargs):
        original(**kwargs)
        die()

    journal.record = record_then_die
services.task_update(user=user, task_id=task_id, title="Half-made change")
print("survived")  # never reached
