"""Personal access tokens: /api/auth/tokens/ and the Connections page."""

import pytest
from django.test import Client
from django.urls import reverse

from mcp_door import selectors, services
from mcp_door.models import PersonalAccessToken

pytestmark = pytest.mark.django_db

URL = "/api/auth/tokens/"


def test_creating_a_token_shows_the_secret_once_and_stores_only_its_digest(api_client, user):
    response = api_client.post(URL, {"name": "Claude Code", "scope": "read", "expires_in_days": 30}, format="json")
    assert response.status_code == 201
    body = response.json()
    secret = body["token"]
    assert secret.startswith("todo_pat_") and len(secret) > 40
    assert (body["name"], body["scope"], body["last_used_at"]) == ("Claude Code", "read", None)
    assert body["expires_at"] is not None
    stored = PersonalAccessToken.objects.get()
    assert secret not in {stored.digest, stored.hint} and stored.digest == selectors.secret_digest(secret)
    listed = api_client.get(URL).json()
    assert [t["name"] for t in listed] == ["Claude Code"]
    assert "token" not in listed[0] and secret not in str(listed)


@pytest.mark.parametrize(
    "body, field",
    [({}, "name"), ({"name": ""}, "name"), ({"name": "x", "scope": "admin"}, "scope"),
     ({"name": "x", "expires_in_days": 0}, "expires_in_days"), ({"name": "x", "owner": 2}, "owner")],
)
def test_a_bad_token_request_is_a_400_naming_the_field(api_client, body, field):
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not PersonalAccessToken.objects.exists()


def test_revoking_a_token_stops_it_and_another_users_token_is_not_found(api_client, other_api_client, user):
    token, secret = services.token_create(owner=user, name="laptop")
    assert other_api_client.delete(f"{URL}{token.pk}/").status_code == 404
    assert selectors.token_for_secret(secret) is not None
    assert api_client.delete(f"{URL}{token.pk}/").status_code == 204
    assert selectors.token_for_secret(secret) is None
    assert api_client.get(URL).json() == []
    assert api_client.delete(f"{URL}{token.pk}/").status_code == 404


def test_the_token_list_is_the_callers_own(api_client, other_user):
    services.token_create(owner=other_user, name="theirs")
    assert api_client.get(URL).json() == []


def test_the_token_api_needs_a_login(anon_client):
    assert anon_client.get(URL).status_code == 401


def test_the_connections_page_makes_shows_once_and_revokes_a_token(user):
    client = Client()
    client.force_login(user)
    page = client.get(reverse("mcp_door:connections"))
    assert page.status_code == 200 and b"No tokens yet" in page.content
    assert b'href="/connections/"' in page.content  # linked from the header
    made = client.post(reverse("mcp_door:connections"), {"name": "Cursor", "scope": "read_write", "expires_in_days": ""})
    token = PersonalAccessToken.objects.get()
    secret = made.context["new_secret"]
    assert selectors.token_for_secret(secret) == token
    assert secret.encode() in made.content and b"claude mcp add --transport http" in made.content
    assert secret.encode() not in client.get(reverse("mcp_door:connections")).content
    revoked = client.post(reverse("mcp_door:revoke", args=[token.pk]), follow=True)
    assert "Revoked “Cursor”" in revoked.content.decode()
    assert selectors.token_for_secret(secret) is None


def test_the_connections_page_refuses_a_blank_name_and_another_users_token(user, other_user):
    client = Client()
    client.force_login(user)
    assert client.post(reverse("mcp_door:connections"), {"name": " "}).status_code == 400
    theirs, secret = services.token_create(owner=other_user, name="theirs")
    assert client.post(reverse("mcp_door:revoke", args=[theirs.pk])).status_code == 404
    assert selectors.token_for_secret(secret) is not None
