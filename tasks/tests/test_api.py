from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tasks.models import Task
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db

TASK_KEYS = {
    "id", "title", "description", "completed", "completed_at", "priority", "due_date",
    "recurrence", "recurrence_from_completion", "recurrence_text", "labels", "created_at", "updated_at",
}


def ids(response) -> list[int]:
    return [task["id"] for task in response.json()["results"]]


def test_create_task_returns_the_task_json(api_client):
    response = api_client.post("/api/tasks/", {"title": "  Pay rent ", "priority": "high", "due_date": "2027-01-15"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Pay rent"
    assert body["priority"] == "high"
    assert body["due_date"] == "2027-01-15"
    assert set(body) == TASK_KEYS
    assert Task.objects.get(pk=body["id"]).title == "Pay rent"


def test_create_task_can_start_completed(api_client):
    body = api_client.post("/api/tasks/", {"title": "Done already", "completed": True}, format="json").json()
    assert body["completed"] is True and body["completed_at"] is not None


def test_list_is_paginated_and_shows_only_the_callers_tasks(api_client, user, other_user):
    mine = [make_task(user, f"mine {i}") for i in range(3)]
    make_task(other_user, "theirs")
    response = api_client.get("/api/tasks/?limit=2")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert ids(response) == [mine[2].pk, mine[1].pk]
    assert "offset=2" in body["next"] and body["previous"] is None
    assert ids(api_client.get("/api/tasks/?limit=2&offset=2")) == [mine[0].pk]


@pytest.mark.parametrize(
    "query, count, rows, has_next, task_queries",
    [
        ("limit=10", 3, 3, False, 1),  # a short first page is the whole list: no COUNT(*)
        ("limit=2&offset=2", 3, 1, False, 1),  # a short last page: offset + its rows
        ("search=nothing-matches", 0, 0, False, 1),
        ("limit=3", 3, 3, False, 2),  # a full page may have more behind it: counted
        ("limit=2", 3, 2, True, 2),
        ("limit=2&offset=5", 3, 0, False, 2),  # past the end: counted, so count stays true
        ("limit=2&offset=9223372036854775805", 3, 0, False, 2),  # the largest offset SQL takes with it
        ("limit=2&offset=10000000000000000000000", 3, 0, False, 1),  # beyond SQL's integers: only counted
    ],
)
def test_list_count_is_exact_and_a_short_page_needs_no_count_query(api_client, user, query, count, rows, has_next, task_queries):
    for i in range(3):
        make_task(user, f"task {i}")
    with CaptureQueriesContext(connection) as ctx:
        body = api_client.get(f"/api/tasks/?{query}").json()
    assert (body["count"], len(body["results"]), body["next"] is not None) == (count, rows, has_next)
    # Quoted: the labels of the page's rows ("tasks_tasklabel") are one more query, not a task query.
    assert sum('"tasks_task"' in q["sql"] for q in ctx.captured_queries) == task_queries


def test_list_page_size_is_capped(api_client, user):
    Task.objects.bulk_create(Task(owner=user, title=f"t{i}") for i in range(105))
    assert len(api_client.get("/api/tasks/?limit=1000").json()["results"]) == 100
    assert len(api_client.get("/api/tasks/").json()["results"]) == 20


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "offset=-1", "offset=x"])
def test_list_rejects_a_bad_limit_or_offset(api_client, query):
    response = api_client.get(f"/api/tasks/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert query.split("=")[0] in response.json()


def test_list_filters(api_client, user):
    today = timezone.localdate()
    late = make_task(user, "late report", priority="high", due_date=today - timedelta(days=2))
    done = make_task(user, "done", description="report", completed=True, due_date=today - timedelta(days=5))
    later = make_task(user, "later", priority="low", due_date=today + timedelta(days=10))
    undated = make_task(user, "undated")

    def get(query: str) -> list[int]:
        response = api_client.get(f"/api/tasks/?{query}")
        assert response.status_code == 200, response.content
        return ids(response)

    assert get("completed=true") == [done.pk]
    assert get("completed=false") == [undated.pk, later.pk, late.pk]
    assert get("priority=high") == [late.pk]
    assert get("search=REPORT") == [done.pk, late.pk]
    assert get(f"due_before={today.isoformat()}") == [done.pk, late.pk]
    assert get(f"due_after={today.isoformat()}") == [later.pk]
    assert get("overdue=true") == [late.pk]
    assert get("ordering=due_date") == [done.pk, late.pk, later.pk, undated.pk]
    assert get("ordering=-priority") == [late.pk, undated.pk, done.pk, later.pk]
    assert get("ordering=title") == [done.pk, late.pk, later.pk, undated.pk]
    assert get("ordering=-created_at") == [undated.pk, later.pk, done.pk, late.pk]
    assert get("completed=false&priority=low&search=lat") == [later.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("completed=maybe", "completed"),
        ("priority=urgent", "priority"),
        ("due_before=tomorrow", "due_before"),
        ("due_after=2027-02-30", "due_after"),
        ("overdue=perhaps", "overdue"),
        ("ordering=owner", "ordering"),
        ("search=" + "x" * 256, "search"),
    ],
)
def test_list_rejects_bad_filters_naming_the_parameter(api_client, query, field):
    response = api_client.get(f"/api/tasks/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith(f"{field}:")
    assert field in body


def test_retrieve_update_and_delete_own_task(api_client, user):
    task = make_task(user, "Draft", priority="low", due_date=date(2027, 1, 1))
    assert api_client.get(f"/api/tasks/{task.pk}/").json()["title"] == "Draft"

    response = api_client.put(f"/api/tasks/{task.pk}/", {"title": "Final", "priority": "high"}, format="json")
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["priority"]) == ("Final", "high")

    response = api_client.patch(f"/api/tasks/{task.pk}/", {"due_date": None, "completed": True}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["due_date"] is None and body["completed"] is True and body["completed_at"] is not None

    response = api_client.patch(f"/api/tasks/{task.pk}/", {"completed": False}, format="json")
    assert response.json()["completed_at"] is None

    assert api_client.delete(f"/api/tasks/{task.pk}/").status_code == 204
    assert not Task.objects.filter(pk=task.pk).exists()


BAD_BODIES = [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 256}, "title"),
    ({"title": None}, "title"),
    ({}, "title"),
    ({"title": "ok", "description": "d" * 4001}, "description"),
    ({"title": "ok", "priority": "urgent"}, "priority"),
    ({"title": "ok", "due_date": "next tuesday"}, "due_date"),
    ({"title": "ok", "due_date": "2027-13-01"}, "due_date"),
    ({"title": "ok", "completed": "perhaps"}, "completed"),
    ({"title": "ok", "colour": "red"}, "colour"),
    ({"title": "ok", "owner": 2}, "owner"),
    ({"title": "ok", "completed_at": "2027-01-01T00:00:00Z"}, "completed_at"),
    ({"title": "nul\x00byte"}, "title"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_create_rejects_bad_input_naming_the_field_and_saves_nothing(api_client, body, field):
    response = api_client.post("/api/tasks/", body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()
    assert error["code"] == "invalid"
    assert field in error and field in error["detail"]
    assert not Task.objects.exists()


@pytest.mark.parametrize(("body", "field"), [(body, field) for body, field in BAD_BODIES if body])
def test_update_rejects_bad_input_and_leaves_the_task_unchanged(api_client, user, body, field):
    task = make_task(user, "Keep me", priority="low")
    before = Task.objects.filter(pk=task.pk).values().get()
    response = api_client.patch(f"/api/tasks/{task.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Task.objects.filter(pk=task.pk).values().get() == before


def test_put_requires_a_title(api_client, user):
    task = make_task(user, "Keep me")
    response = api_client.put(f"/api/tasks/{task.pk}/", {"priority": "high"}, format="json")
    assert response.status_code == 400
    assert response.json()["title"] == ["This field is required."]
    assert Task.objects.get(pk=task.pk).priority == "medium"


def test_a_body_that_is_not_json_is_refused_and_nothing_is_saved(api_client):
    for content_type, body in [
        ("text/plain", "title=hello"),
        ("application/xml", "<task><title>hello</title></task>"),
        ("application/x-www-form-urlencoded", "title=hello"),
        ("multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n--xyz--"),
    ]:
        response = api_client.generic("POST", "/api/tasks/", body, content_type=content_type)
        assert response.status_code == 415, content_type
        assert response.json()["code"] == "unsupported_media_type"
    assert not Task.objects.exists()


@pytest.mark.parametrize("body", ["{not json", '{"title": "x",}', "[1, 2", '{"title": NaN}', '"\\ud800"', '{"title": "\\udfff"}'])
def test_malformed_json_is_a_parse_error(api_client, body):
    response = api_client.generic("POST", "/api/tasks/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not Task.objects.exists()


@pytest.mark.parametrize("body", ["[]", '"a string"', "42", "null"])
def test_json_that_is_not_an_object_is_refused(api_client, body):
    response = api_client.generic("POST", "/api/tasks/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in ("invalid", "parse_error")
    assert not Task.objects.exists()


def test_other_users_task_is_not_found_and_unchanged(api_client, other_user):
    task = make_task(other_user, "Secret")
    before = Task.objects.filter(pk=task.pk).values().get()
    for method in ("get", "put", "patch", "delete"):
        response = getattr(api_client, method)(f"/api/tasks/{task.pk}/", {"title": "hacked"}, format="json")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert Task.objects.filter(pk=task.pk).values().get() == before


def test_other_users_tasks_never_appear_in_any_list_filter(api_client, other_user):
    make_task(other_user, "Secret", priority="high", due_date=date(2020, 1, 1))
    for query in ("", "search=Secret", "priority=high", "overdue=true", "completed=false", "due_before=2021-01-01"):
        assert api_client.get(f"/api/tasks/?{query}").json()["count"] == 0


@pytest.mark.parametrize("task_id", ["abc", "0", "-1", "99999999999999999999999", "9223372036854775807"])
def test_ids_that_name_no_task_are_not_found(api_client, task_id):
    response = api_client.get(f"/api/tasks/{task_id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_every_task_route_needs_authentication(anon_client, user):
    task = make_task(user, "Private")
    for method, url in [
        ("get", "/api/tasks/"),
        ("post", "/api/tasks/"),
        ("get", f"/api/tasks/{task.pk}/"),
        ("put", f"/api/tasks/{task.pk}/"),
        ("patch", f"/api/tasks/{task.pk}/"),
        ("delete", f"/api/tasks/{task.pk}/"),
    ]:
        response = getattr(anon_client, method)(url, {"title": "x"}, format="json")
        assert response.status_code == 401, (method, url)
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert Task.objects.get(pk=task.pk).title == "Private"


def test_a_method_the_route_does_not_have_is_a_json_405(api_client, user):
    response = api_client.delete("/api/tasks/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
