"""The list's total stays right while it is cached (tasks/counts.py): every change shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks import services
from tasks.models import Task
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _count_cache_on(settings):
    # Off by default with the per-process memory cache; one test process is one process.
    settings.TASK_COUNT_CACHE = True


def count(client, query: str = "") -> int:
    response = client.get(f"/api/tasks/?limit=2{query}")
    assert response.status_code == 200, response.content
    return response.json()["count"]


def count_queries(client, query: str = "") -> int:
    with CaptureQueriesContext(connection) as ctx:
        count(client, query)
    return sum("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)


def test_a_repeated_list_is_counted_once(api_client, user):
    for i in range(5):
        make_task(user, f"task {i}")
    assert count_queries(api_client) == 1
    assert count_queries(api_client) == 0
    assert count(api_client) == 5
    # Another filter is another total.
    assert count(api_client, "&completed=false") == 5
    assert count(api_client, "&priority=high") == 0


def test_every_change_through_the_api_shows_in_the_next_count(api_client, user, django_capture_on_commit_callbacks):
    for i in range(3):
        make_task(user, f"task {i}")
    assert count(api_client) == 3 and count(api_client, "&completed=false") == 3

    with django_capture_on_commit_callbacks(execute=True):
        created = api_client.post("/api/tasks/", {"title": "New"}, format="json").json()
    assert count(api_client) == 4

    api_client.patch(f"/api/tasks/{created['id']}/", {"completed": True}, format="json")
    assert count(api_client, "&completed=false") == 3
    assert count(api_client, "&completed=true") == 1

    api_client.delete(f"/api/tasks/{created['id']}/")
    assert count(api_client) == 3 and count(api_client, "&completed=true") == 0


def test_undo_and_bulk_changes_show_in_the_next_count(api_client, user):
    for i in range(4):
        make_task(user, f"task {i}")
    assert count(api_client) == 4
    services.task_delete_all(user=user)  # one bulk DELETE
    assert count(api_client) == 0
    change = api_client.get("/api/activity/").json()["results"][0]
    assert api_client.post(f"/api/activity/{change['id']}/undo/", {"scope": "batch"}, format="json").status_code == 200
    assert count(api_client) == 4


def test_a_task_saved_outside_the_services_shows_too(api_client, user):
    make_task(user, "one")
    make_task(user, "two")
    make_task(user, "three")
    assert count(api_client) == 3
    Task.objects.create(owner=user, title="from the shell")
    assert count(api_client) == 4


def test_counts_are_per_user(api_client, other_api_client, user, other_user):
    for i in range(3):
        make_task(user, f"mine {i}")
    make_task(other_user, "theirs")
    assert count(api_client) == 3
    assert count(other_api_client) == 1
    make_task(other_user, "theirs too")
    assert count(api_client) == 3 and count(other_api_client) == 2


def test_a_short_page_needs_no_count_at_all(api_client, user):
    make_task(user, "only one")
    assert count_queries(api_client) == 0
    assert count(api_client) == 1
