"""A SIGKILL between a task change and its journal entry cannot leave one without the other."""

import signal
import subprocess
import sys

import pytest

from core.tests.live_daphne import ROOT, migrate, server_env


def _run(env: dict[str, str], code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)
    return result.stdout.strip()


SETUP = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings"); django.setup()
from django.contrib.auth import get_user_model
from tasks import services
kim = get_user_model().objects.create_user(username="kim", password="Kim-pass-30195")
print(services.task_create(owner=kim, title="Buy milk").pk)
"""

STATE = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings"); django.setup()
from tasks.models import Task, TaskChange
print(list(Task.objects.values_list("title", flat=True)), list(TaskChange.objects.values_list("action", flat=True)))
"""


@pytest.mark.slow
@pytest.mark.parametrize("point", ["after_task_write", "after_journal_write"])
def test_a_process_killed_mid_write_leaves_neither_the_change_nor_its_entry(server_database_url, point):
    env = server_env(database_url=server_database_url)
    migrate(env)
    task_id = _run(env, SETUP)

    killed = subprocess.run([sys.executable, "-m", "tasks.tests.sigkill_write", point, task_id], cwd=ROOT, env=env, capture_output=True, timeout=120)

    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert _run(env, STATE) == "['Buy milk'] ['created']"
