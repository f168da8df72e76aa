from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "a-Strong-pass-123"


def obtain(client: APIClient, username: str = "alice", password: str = PASSWORD):
    return client.post("/api/auth/token/", {"username": username, "password": password}, format="json")


def test_register_creates_the_account_and_answers_its_id_and_name(anon_client):
    response = anon_client.post("/api/auth/register/", {"username": "bob", "password": "b0b-is-Strong!"}, format="json")
    assert response.status_code == 201, response.content
    created = User.objects.get(username="bob")
    assert response.json() == {"id": created.pk, "username": "bob"}
    assert created.check_password("b0b-is-Strong!")
    assert not created.is_staff


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ALICE", "password": "b0b-is-Strong!"}, "username"),
        ({"username": "bad name!", "password": "b0b-is-Strong!"}, "username"),
        ({"username": "", "password": "b0b-is-Strong!"}, "username"),
        ({"username": "x" * 151, "password": "b0b-is-Strong!"}, "username"),
        ({"username": "bob", "password": "short"}, "password"),
        ({"username": "bob", "password": "password123"}, "password"),
        ({"username": "bob", "password": "12345678901"}, "password"),
        ({"username": "bob"}, "password"),
        ({"username": "bob", "password": "b0b-is-Strong!", "is_staff": True}, "is_staff"),
    ],
)
def test_register_refuses_bad_input_naming_the_field(anon_client, user, body, field):
    response = anon_client.post("/api/auth/register/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()
    assert User.objects.count() == 1  # only the fixture's alice


def test_token_pair_from_username_and_password_opens_the_api(anon_client, user):
    response = obtain(anon_client)
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}
    anon_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert anon_client.get("/api/tasks/").status_code == 200


def test_a_wrong_password_gets_a_json_401(anon_client, user):
    response = obtain(anon_client, password="wrong-password")
    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"


def test_refresh_rotates_and_the_old_refresh_token_is_dead(anon_client, user):
    refresh = obtain(anon_client).json()["refresh"]
    rotated = anon_client.post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"} and rotated.json()["refresh"] != refresh
    again = anon_client.post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert again.status_code == 401
    assert again.json()["code"] == "token_not_valid"


def test_logout_blacklists_the_refresh_token(anon_client, user):
    refresh = obtain(anon_client).json()["refresh"]
    assert anon_client.post("/api/auth/logout/", {"refresh": refresh}, format="json").status_code == 205
    response = anon_client.post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize("body", [{}, {"refresh": ""}, {"refresh": "garbage"}, {"refresh": "x", "extra": 1}])
def test_logout_with_a_missing_or_bad_token_is_a_json_400(anon_client, body):
    response = anon_client.post("/api/auth/logout/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_logout_refuses_an_access_token(anon_client, user):
    access = obtain(anon_client).json()["access"]
    response = anon_client.post("/api/auth/logout/", {"refresh": access}, format="json")
    assert response.status_code == 400
    assert "refresh" in response.json()


def _with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_an_expired_access_token_is_a_json_401(user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(minutes=1))
    response = _with_token(str(token)).get("/api/tasks/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_token_signed_with_another_key_is_a_json_401(user):
    import jwt

    forged = jwt.encode({"token_type": "access", "user_id": str(user.pk), "exp": 9999999999, "jti": "x"}, "not-our-signing-key-but-long-enough-0123456789", algorithm="HS256")
    response = _with_token(forged).get("/api/tasks/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_refresh_token_is_not_accepted_as_an_access_token(user):
    response = _with_token(str(RefreshToken.for_user(user))).get("/api/tasks/")
    assert response.status_code == 401


def test_no_token_is_a_json_401_that_names_the_scheme(anon_client):
    response = anon_client.get("/api/tasks/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_repeated_login_attempts_are_throttled_with_a_json_429(anon_client, user):
    statuses = [obtain(anon_client, password="wrong").status_code for _ in range(25)]
    assert statuses[0] == 401
    assert statuses[-1] == 429
    response = obtain(anon_client)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
