import pytest

from tasks.models import Task
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


def test_create_task_returns_the_task_json(api_client):
    response = api_client.post("/api/tasks/", {"title": "  Pay rent ", "priority": "high", "due_date": "2027-01-15"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Pay rent"
    assert body["priority"] == "high"
    assert body["due_date"] == "2027-01-15"
    assert set(body) == {"id", "title", "description", "completed", "completed_at", "priority", "due_date", "created_at", "updated_at"}


def test_other_users_task_is_not_found_and_unchanged(api_client, other_user):
    task = make_task(other_user, "Secret")
    for method in ("get", "put", "patch", "delete"):
        response = getattr(api_client, method)(f"/api/tasks/{task.pk}/", {"title": "hacked"}, format="json")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert Task.objects.get(pk=task.pk).title == "Secret"
