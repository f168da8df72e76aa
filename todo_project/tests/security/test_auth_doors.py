"""Every door that checks a password or makes an account is throttled: per client (by the socket's
address unless NUM_PROXIES says proxies sit in front) and per account, whatever the address."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

PASSWORD = "a-Strong-pass-123"


def api_login(password: str, **extra):
    return Client().post(
        "/api/auth/token/", {"username": "alice", "password": password}, content_type="application/json", **extra
    )


@pytest.mark.django_db
def test_a_new_x_forwarded_for_on_every_try_does_not_dodge_the_login_throttle(user):
    statuses = [api_login("wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(60)]

    assert statuses[0] == 401
    assert 429 in statuses[:21]
    assert api_login(PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429


@pytest.mark.django_db
def test_a_new_x_forwarded_for_on_every_try_does_not_dodge_the_register_throttle():
    statuses = [
        Client()
        .post(
            "/api/auth/register/",
            {"username": f"bot{i}", "password": "bot-Pass-word-9137"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
        .status_code
        for i in range(30)
    ]

    assert statuses[0] == 201
    assert statuses[-1] == 429
    assert get_user_model().objects.filter(username__startswith="bot").count() <= 20


@pytest.mark.django_db
def test_failed_logins_from_many_addresses_lock_the_account_even_for_the_right_password(user, other_user):
    # Ten real addresses (REMOTE_ADDR is the socket's), one guess each round: the per-client limit never bites.
    statuses = [api_login("wrong", REMOTE_ADDR=f"192.0.2.{i % 10}").status_code for i in range(12)]

    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    locked = api_login(PASSWORD, REMOTE_ADDR="192.0.2.200")
    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled"
    assert int(locked["Retry-After"]) > 0
    # Another account is not locked by alice's attackers.
    other = Client().post(
        "/api/auth/token/", {"username": "mallory", "password": "m-Strong-pass-456"}, content_type="application/json"
    )
    assert other.status_code == 200


@pytest.mark.django_db
def test_with_a_proxy_count_the_address_the_proxy_saw_is_the_client(user, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    noisy = [
        Client().post("/api/auth/register/", {"username": "", "password": ""}, content_type="application/json",
                      HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9", **proxy).status_code
        for _ in range(21)
    ]
    # The proxy appended 203.0.113.9 (what it saw); the client's own "1.2.3.4" is ignored.
    quiet = Client().post("/api/auth/register/", {"username": "", "password": ""}, content_type="application/json",
                          HTTP_X_FORWARDED_FOR="203.0.113.10", **proxy)

    assert noisy[-1] == 429
    assert quiet.status_code == 400


# --- the HTML doors ---


def page_login(client: Client, path: str, password: str):
    return client.post(path, {"username": "alice", "password": password})


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_the_html_login_doors_stop_guessing_with_a_try_again_page(user, path):
    user.is_staff = True
    user.save()
    client = Client()

    statuses = [page_login(client, path, f"guess-{i}").status_code for i in range(25)]
    right = page_login(client, path, PASSWORD)

    assert statuses[0] == 200  # the form again, with its error
    assert 429 in statuses
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    text = right.content.decode()
    assert "Try again in" in text and "minute" in text
    assert right["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_the_login_page_and_the_api_share_the_account_limit(user):
    for i in range(10):
        assert api_login("wrong", REMOTE_ADDR=f"192.0.2.{i}").status_code == 401

    assert page_login(Client(REMOTE_ADDR="192.0.2.99"), "/accounts/login/", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_the_signup_page_stops_making_accounts_after_the_limit():
    client = Client()
    statuses = []
    for i in range(30):
        client.logout()
        form = {"username": f"bot{i}", "password1": "bot-Pass-word-9137", "password2": "bot-Pass-word-9137"}
        statuses.append(client.post("/accounts/signup/", form).status_code)

    assert statuses[0] == 302
    assert statuses[-1] == 429
    assert get_user_model().objects.filter(username__startswith="bot").count() <= 20


@pytest.mark.django_db
def test_a_normal_login_on_the_page_still_works(user):
    client = Client()
    assert page_login(client, "/accounts/login/", "typo").status_code == 200

    response = page_login(client, "/accounts/login/", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
