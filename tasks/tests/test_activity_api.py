"""GET /api/activity/ and undo of a journal entry through the API."""

import pytest

from tasks import services
from tasks.journal import PAGE, ChangeSource
from tasks.models import Door, Task, TaskChange
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


def test_every_api_write_is_in_the_activity_in_plain_words_newest_first(api_client):
    created = api_client.post("/api/tasks/", {"title": "Buy milk"}, format="json").json()
    api_client.patch(f"/api/tasks/{created['id']}/", {"completed": True}, format="json")
    api_client.delete(f"/api/tasks/{created['id']}/")

    body = api_client.get("/api/activity/").json()

    assert body["count"] == 3
    assert [row["summary"] for row in body["results"]] == [
        "API · deleted “Buy milk”",
        "API · completed “Buy milk”",
        "API · created “Buy milk”",
    ]
    assert body["results"][0]["before"]["title"] == "Buy milk" and body["results"][0]["after"] is None


def test_activity_filters_by_task_door_and_date(user, api_client):
    milk = make_task(user, "Buy milk")
    services.task_complete(user=user, task_id=milk.pk, source=PAGE)
    make_task(user, "Call mum")

    by_task = api_client.get(f"/api/activity/?task={milk.pk}").json()
    by_door = api_client.get("/api/activity/?door=page").json()
    today = TaskChange.objects.first().created_at.date().isoformat()

    assert {row["title"] for row in by_task["results"]} == {"Buy milk"} and by_task["count"] == 2
    assert [row["summary"] for row in by_door["results"]] == ["Page · completed “Buy milk”"]
    assert api_client.get(f"/api/activity/?date={today}").json()["count"] == 3
    assert api_client.get("/api/activity/?date=2001-01-01").json()["count"] == 0


@pytest.mark.parametrize("query", ["door=fax", "task=abc", "date=yesterday", "task=0", "limit=x"])
def test_bad_activity_filters_are_a_400_with_a_message(api_client, query):
    response = api_client.get(f"/api/activity/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["detail"]


def test_activity_is_paginated_like_the_task_list(user, api_client):
    for i in range(25):
        make_task(user, f"Task {i}")
    body = api_client.get("/api/activity/?limit=10&offset=20").json()
    assert body["count"] == 25 and len(body["results"]) == 5 and body["previous"]


def test_another_users_activity_shows_nothing_and_their_entry_is_404(user, api_client, other_api_client):
    make_task(user, "Secret plan")
    change = TaskChange.objects.get(owner=user)

    assert other_api_client.get("/api/activity/").json()["count"] == 0
    assert other_api_client.get(f"/api/activity/{change.pk}/").status_code == 404
    response = other_api_client.post(f"/api/activity/{change.pk}/undo/", {}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Task.objects.filter(owner=user).count() == 1


def test_undo_of_a_deletion_brings_the_task_back_with_its_id_and_says_so(user, api_client):
    task = make_task(user, "Buy milk", priority="high")
    before = api_client.get(f"/api/tasks/{task.pk}/").json()
    api_client.delete(f"/api/tasks/{task.pk}/")
    deletion = TaskChange.objects.get(owner=user, action="deleted")

    response = api_client.post(f"/api/activity/{deletion.pk}/undo/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["detail"] == "Undone: brought back “Buy milk”."
    assert api_client.get(f"/api/tasks/{task.pk}/").json() == before


def test_undo_of_a_batch_takes_back_the_whole_mcp_call(user, api_client):
    call = ChangeSource.for_turn(door=Door.MCP, token_id=7)
    one = services.task_create(owner=user, title="One", source=call)
    services.task_create(owner=user, title="Two", source=call)
    entry = TaskChange.objects.get(task_id=one.pk)

    response = api_client.post(f"/api/activity/{entry.pk}/undo/", {"scope": "batch"}, format="json")

    assert response.status_code == 200
    assert not Task.objects.filter(owner=user).exists()


def test_undo_blocked_by_a_later_edit_is_a_409_naming_the_task(user, api_client):
    task = make_task(user, "Buy milk")
    created = TaskChange.objects.get(task_id=task.pk)
    api_client.patch(f"/api/tasks/{task.pk}/", {"title": "Buy milk and eggs"}, format="json")

    response = api_client.post(f"/api/activity/{created.pk}/undo/", {}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "undo_conflict"
    assert body["tasks"][0]["task_id"] == task.pk and body["tasks"][0]["current"]["title"] == "Buy milk and eggs"
    assert Task.objects.filter(pk=task.pk).exists()


def test_undo_with_an_unknown_scope_is_a_400(user, api_client):
    make_task(user, "Buy milk")
    change = TaskChange.objects.get(owner=user)
    response = api_client.post(f"/api/activity/{change.pk}/undo/", {"scope": "everything"}, format="json")
    assert response.status_code == 400
    assert Task.objects.filter(owner=user).exists()
