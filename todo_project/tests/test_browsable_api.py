"""The browsable API works for a logged-in browser: pages render and its HTML forms post (with CSRF)."""

import pytest
from django.test import Client

from core.tests.pages import form_token
from tasks.models import Task
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


def test_a_logged_in_browser_sees_the_browsable_api_with_a_form(web, user):
    make_task(user, "Visible in the browser")
    response = web.get("/api/tasks/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Visible in the browser" in html
    assert 'name="title"' in html  # the HTML form for POST, not only the raw-JSON box
    assert "csrfmiddlewaretoken" in html


def test_the_browsable_api_html_form_creates_a_task(web, user):
    token = form_token(web.get("/api/tasks/", HTTP_ACCEPT="text/html").content.decode())
    response = web.post(
        "/api/tasks/",
        {"title": "From the form", "priority": "high", "description": "", "due_date": "", "csrfmiddlewaretoken": token},
        HTTP_ACCEPT="text/html",
    )
    assert response.status_code == 201
    task = Task.objects.get(owner=user)
    assert (task.title, task.priority, task.due_date) == ("From the form", "high", None)


def test_the_browsable_api_form_without_the_csrf_token_is_refused(web):
    response = web.post("/api/tasks/", {"title": "forged"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert not Task.objects.exists()


def test_the_browsable_api_detail_page_renders_for_the_owner_only(web, user, other_user):
    mine = make_task(user, "Mine")
    theirs = make_task(other_user, "Theirs")
    assert web.get(f"/api/tasks/{mine.pk}/", HTTP_ACCEPT="text/html").status_code == 200
    response = web.get(f"/api/tasks/{theirs.pk}/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert "Theirs" not in response.content.decode()


def test_form_bodies_from_token_or_anonymous_clients_are_415(api_client, anon_client):
    assert api_client.post("/api/tasks/", {"title": "x"}, format="multipart").status_code == 415
    response = anon_client.post("/api/auth/register/", {"username": "bob", "password": "b0b-is-Strong!"}, format="multipart")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not Task.objects.exists()
