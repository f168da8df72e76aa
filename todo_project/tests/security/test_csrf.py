"""CSRF: every form and every session-authenticated API write needs the token; JWT clients do not."""

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tasks.models import Task
from tasks.tests.factories import make_task


def csrf_token(client: Client) -> str:
    client.get("/tasks/")
    return client.cookies["csrftoken"].value


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/api/tasks/"),
        ("patch", "/api/tasks/{id}/"),
        ("put", "/api/tasks/{id}/"),
        ("delete", "/api/tasks/{id}/"),
        ("post", "/api/auth/password/"),
    ],
)
def test_a_session_api_write_without_the_csrf_token_is_refused_and_changes_nothing(web, user, method, path):
    task = make_task(user, "Keep me")
    body = {"title": "Changed", "old_password": "a-Strong-pass-123", "new_password": "brand-New-pass-789"}

    response = getattr(web, method)(path.format(id=task.pk), body, content_type="application/json")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert "CSRF" in response.json()["detail"]
    task.refresh_from_db()
    assert task.title == "Keep me"
    assert Task.objects.filter(owner=user).count() == 1
    user.refresh_from_db()
    assert user.check_password("a-Strong-pass-123")


@pytest.mark.django_db
def test_a_session_api_write_with_the_csrf_token_goes_through(web, user):
    token = csrf_token(web)

    response = web.post(
        "/api/tasks/", {"title": "With token"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 201
    assert Task.objects.filter(owner=user, title="With token").exists()


@pytest.mark.django_db
def test_a_jwt_client_needs_no_csrf_token(user):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")

    response = client.post("/api/tasks/", {"title": "From a script"}, format="json")

    assert response.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/tasks/new/", "/tasks/{id}/edit/", "/tasks/{id}/toggle/", "/tasks/{id}/delete/", "/accounts/logout/"],
)
def test_a_form_post_without_the_csrf_token_is_refused_and_changes_nothing(web, user, path):
    task = make_task(user, "Keep me")

    response = web.post(path.format(id=task.pk), {"title": "Changed", "priority": "high"})

    assert response.status_code == 403
    task.refresh_from_db()
    assert (task.title, task.completed) == ("Keep me", False)
    assert Task.objects.filter(owner=user).count() == 1
    assert web.get("/tasks/").status_code == 200  # still logged in


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_login_and_signup_forms_need_the_csrf_token(path, user):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        path, {"username": "alice", "password": "a-Strong-pass-123", "password1": "x-Long-pass-111", "password2": "x-Long-pass-111"}
    )

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_form_post_with_the_csrf_token_goes_through(web, user):
    token = csrf_token(web)

    response = web.post("/tasks/new/", {"title": "From the page", "priority": "low", "csrfmiddlewaretoken": token})

    assert response.status_code in (200, 302)
    assert Task.objects.filter(owner=user, title="From the page").exists()
