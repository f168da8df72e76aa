"""The account page: change the password, see and revoke personal access tokens, log out everywhere.
Plain forms: each needs the CSRF token, counts a wrong password against the account, and ends
the sign-ins it says it ends (sessions, JWTs; the sockets follow the same signal, see
test_sockets_end_with_the_session.py and the browser test)."""

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from core.tests import pages
from mcp_door.models import PersonalAccessToken
from mcp_door.selectors import token_for_secret
from mcp_door.services import token_create

PASSWORD = "a-Strong-pass-123"  # the root conftest's `user`
NEW_PASSWORD = "brand-New-pass-789"

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def form_post(client: Client, url: str, data: dict):
    return pages.form_post(client, url, data, page="/account/")


def jwt_pair() -> dict:
    return APIClient().post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json").json()


def bearer_status(access: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/api/tasks/").status_code


def test_the_account_page_shows_the_forms_and_the_live_tokens_only(user, other_user):
    token_create(owner=user, name="Claude Code on my laptop")
    revoked, _ = token_create(owner=user, name="Old laptop")
    PersonalAccessToken.objects.filter(pk=revoked.pk).update(revoked_at="2026-01-01T00:00:00Z")
    token_create(owner=other_user, name="Mallory's script")

    html = signed_in(user).get("/account/").content.decode()

    assert "Change password" in html and "Log out everywhere" in html
    assert "Claude Code on my laptop" in html
    assert "Old laptop" not in html and "Mallory" not in html
    assert 'href="/account/"' in html  # the top bar's link, on the user's name


def test_the_account_page_asks_anonymous_visitors_to_log_in():
    response = Client().get("/account/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_revoking_a_token_on_the_account_page_returns_there_and_the_token_is_dead(user):
    token, _ = token_create(owner=user, name="Work laptop")
    client = signed_in(user)

    response = form_post(client, f"/connections/{token.pk}/revoke/", {"next": "/account/"})

    assert response.status_code == 302 and response["Location"] == "/account/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    page = client.get("/account/").content.decode()
    assert "Revoked “Work laptop”" in page and 'aria-label="Revoke Work laptop"' not in page


def test_a_revoke_does_not_follow_a_next_to_another_site(user):
    token, _ = token_create(owner=user, name="Cursor")
    response = form_post(signed_in(user), f"/connections/{token.pk}/revoke/", {"next": "https://evil.example/"})
    assert response["Location"] == "/connections/"


def test_changing_the_password_keeps_this_browser_and_ends_every_other_sign_in(user):
    here, elsewhere = signed_in(user), signed_in(user)
    tokens = jwt_pair()

    response = form_post(here, "/account/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/account/"
    assert "Password changed." in here.get("/account/").content.decode()
    assert here.get("/tasks/").status_code == 200
    assert elsewhere.get("/tasks/").status_code == 302  # to the log-in page
    assert bearer_status(tokens["access"]) == 401
    assert APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json").status_code == 401
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    "data, problem",
    [
        ({"old_password": "wrong-pass-000", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, "Your old password was entered incorrectly"),
        ({"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "something-Else-1"}, "didn’t match"),
        ({"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}, "too common"),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(user, data, problem):
    elsewhere = signed_in(user)

    response = form_post(signed_in(user), "/account/password/", data)

    assert response.status_code == 400
    assert problem in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert elsewhere.get("/tasks/").status_code == 200


def test_log_out_everywhere_ends_every_session_and_token_and_the_password_still_works(user):
    here, elsewhere = signed_in(user), signed_in(user)
    tokens = jwt_pair()
    pat, secret = token_create(owner=user, name="Claude Code")

    response = form_post(here, "/account/log-out-everywhere/", {"everywhere-password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "logged out everywhere" in here.get("/accounts/login/").content.decode()
    assert here.get("/tasks/").status_code == 302
    assert elsewhere.get("/tasks/").status_code == 302
    assert bearer_status(tokens["access"]) == 401
    assert APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json").status_code == 401
    # The same password logs in again; personal access tokens were not touched (the page says so).
    assert Client().login(username="alice", password=PASSWORD)
    assert token_for_secret(secret) == pat  # still accepted at /mcp


def test_log_out_everywhere_with_a_wrong_password_ends_nothing(user):
    here, elsewhere = signed_in(user), signed_in(user)
    tokens = jwt_pair()

    response = form_post(here, "/account/log-out-everywhere/", {"everywhere-password": "wrong-pass-000"})

    assert response.status_code == 400
    assert "That is not your current password." in response.content.decode()
    assert here.get("/tasks/").status_code == 200 and elsewhere.get("/tasks/").status_code == 200
    assert bearer_status(tokens["access"]) == 200


@pytest.mark.parametrize("path", ["/account/password/", "/account/log-out-everywhere/"])
def test_the_account_forms_need_the_csrf_token(user, path):
    client = signed_in(user)
    response = client.post(path, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "everywhere-password": PASSWORD})
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert client.get("/tasks/").status_code == 200


@pytest.mark.parametrize("path", ["/account/password/", "/account/log-out-everywhere/"])
def test_the_account_forms_only_accept_post(user, path):
    assert signed_in(user).get(path).status_code == 405


@override_settings(LOGIN_FAILURE_RATE="3/hour")
def test_wrong_current_passwords_count_against_the_account_and_then_even_the_right_one_waits(user):
    client = signed_in(user)
    for _ in range(3):
        assert form_post(client, "/account/log-out-everywhere/", {"everywhere-password": "wrong-pass-000"}).status_code == 400

    response = form_post(client, "/account/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 429 and "Retry-After" in response
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # The log-in door counts the same failures.
    login = Client().post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert login.status_code == 429
