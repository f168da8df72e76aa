"""JWT lifecycle: rotation, logout, password change and tampering all end a token's life."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

PASSWORD = "a-Strong-pass-123"
NEW_PASSWORD = "brand-New-pass-789"


def login(username: str = "alice", password: str = PASSWORD) -> dict:
    response = APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def refresh(token: str):
    return APIClient().post("/api/auth/token/refresh/", {"refresh": token}, format="json")


@pytest.mark.django_db
def test_a_rotated_refresh_token_cannot_be_used_again(user):
    tokens = login()
    first = refresh(tokens["refresh"])
    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]

    replay = refresh(tokens["refresh"])

    assert replay.status_code == 401
    assert replay.json()["code"] == "token_not_valid"
    assert refresh(first.json()["refresh"]).status_code == 200


@pytest.mark.django_db
def test_logout_blacklists_the_refresh_token(user):
    tokens = login()

    response = APIClient().post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 205
    assert refresh(tokens["refresh"]).status_code == 401


@pytest.mark.django_db
def test_logout_with_a_garbage_token_is_a_json_400(user):
    response = APIClient().post("/api/auth/logout/", {"refresh": "not-a-token"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.django_db
def test_changing_the_password_revokes_every_refresh_and_access_token(user):
    laptop, phone = login(), login()
    assert bearer(phone["access"]).get("/api/tasks/").status_code == 200

    response = bearer(laptop["access"]).post(
        "/api/auth/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 204
    for device in (laptop, phone):
        assert bearer(device["access"]).get("/api/tasks/").status_code == 401
        assert refresh(device["refresh"]).status_code == 401
    assert APIClient().post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json").status_code == 401
    fresh = login(password=NEW_PASSWORD)
    assert bearer(fresh["access"]).get("/api/tasks/").status_code == 200


@pytest.mark.django_db
def test_a_refreshed_access_token_from_before_the_password_change_is_refused(user):
    tokens = login()
    minted_before = refresh(tokens["refresh"]).json()["access"]
    user.set_password(NEW_PASSWORD)
    user.save()

    response = bearer(minted_before).get("/api/tasks/")

    assert response.status_code == 401
    assert response.json()["code"] in {"password_changed", "token_not_valid"}


@pytest.mark.django_db
def test_password_change_with_a_wrong_current_password_changes_nothing(user):
    tokens = login()

    response = bearer(tokens["access"]).post(
        "/api/auth/password/", {"old_password": "wrong-Pass-000", "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert "old_password" in response.json()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert bearer(tokens["access"]).get("/api/tasks/").status_code == 200
    assert refresh(tokens["refresh"]).status_code == 200


@pytest.mark.django_db
def test_password_change_applies_the_password_validators(user):
    tokens = login()

    response = bearer(tokens["access"]).post(
        "/api/auth/password/", {"old_password": PASSWORD, "new_password": "12345678"}, format="json"
    )

    assert response.status_code == 400
    assert "new_password" in response.json()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_password_change_needs_a_logged_in_user(anon_client):
    response = anon_client.post(
        "/api/auth/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 401


@pytest.mark.django_db
def test_password_change_from_the_browser_keeps_that_session_and_ends_the_others(user, client):
    from django.test import Client

    other_browser = Client()
    other_browser.force_login(user)
    client.force_login(user)

    response = client.post(
        "/api/auth/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 204
    assert client.get("/api/tasks/").status_code == 200
    assert other_browser.get("/api/tasks/").status_code in (401, 403)


@pytest.mark.django_db
def test_a_tampered_access_token_is_refused(user):
    access = login()["access"]
    header, payload, signature = access.split(".")
    forged = ".".join([header, payload, signature[::-1]])

    response = bearer(forged).get("/api/tasks/")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_refreshing_the_token_of_a_deleted_user_is_a_401_not_a_crash(user):
    tokens = login()
    get_user_model().objects.filter(pk=user.pk).delete()

    response = refresh(tokens["refresh"])

    assert response.status_code == 401


@pytest.mark.django_db(transaction=True)
async def test_a_websocket_with_a_token_from_before_the_password_change_is_closed_with_4401(user):
    from asgiref.sync import sync_to_async
    from rest_framework_simplejwt.tokens import RefreshToken

    from .wsclient import ORIGIN, closed_code, open_socket

    access = str(await sync_to_async(lambda: RefreshToken.for_user(user).access_token)())

    def change_password():
        user.set_password(NEW_PASSWORD)
        user.save()

    await sync_to_async(change_password)()
    comm = await open_socket([ORIGIN], subprotocols=["todo.v1", f"access_token.{access}"])

    assert await closed_code(comm) == 4401
    await comm.disconnect()


# --- the token's user is cached (todo_project/authentication.py); account changes still apply at once ---


def user_queries(client: APIClient, path: str = "/api/tasks/") -> tuple[int, int]:
    """(status, how many queries of the request read the users table)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        status = client.get(path).status_code
    return status, sum('"auth_user"' in q["sql"] for q in ctx.captured_queries)


@pytest.mark.django_db
def test_a_token_reads_its_user_from_the_database_once_not_on_every_request(user, settings, tmp_path):
    # Any cache every process shares will do (Redis in production); a file cache is one.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}}
    client = bearer(login()["access"])

    assert user_queries(client) == (200, 1)
    assert user_queries(client) == (200, 0)
    assert user_queries(client, "/api/conversations/") == (200, 0)


@pytest.mark.django_db
def test_without_a_shared_cache_a_token_reads_its_user_on_every_request(user, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client = bearer(login()["access"])

    assert user_queries(client) == (200, 1)
    assert user_queries(client) == (200, 1)


@pytest.mark.django_db
def test_an_account_deactivated_by_support_is_refused_on_its_next_request(user):
    client = bearer(login()["access"])
    assert client.get("/api/tasks/").status_code == 200

    user.is_active = False
    user.save()  # what the admin's change form does

    response = client.get("/api/tasks/")
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


@pytest.mark.django_db
def test_a_deleted_account_is_refused_on_its_next_request(user):
    client = bearer(login()["access"])
    assert client.get("/api/tasks/").status_code == 200

    user.delete()

    response = client.get("/api/tasks/")
    assert response.status_code == 401
    assert response.json()["code"] == "user_not_found"


@pytest.mark.django_db
def test_a_token_of_one_user_never_gets_another_users_cached_account(user, other_user):
    alice, mallory = bearer(login()["access"]), bearer(login("mallory", "m-Strong-pass-456")["access"])

    alice.post("/api/tasks/", {"title": "alice's"}, format="json")
    mallory.post("/api/tasks/", {"title": "mallory's"}, format="json")

    assert [t["title"] for t in alice.get("/api/tasks/").json()["results"]] == ["alice's"]
    assert [t["title"] for t in mallory.get("/api/tasks/").json()["results"]] == ["mallory's"]
