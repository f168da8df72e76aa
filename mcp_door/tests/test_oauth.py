"""OAuth 2.1 for /mcp, the whole dance in-process: discover, register a client, authorize with PKCE
as a logged-in user, get a token bound to /mcp, call a tool; and what is refused on the way."""

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from agents_bridge.tests.factories import thread_connections_closed  # noqa: F401 - fixture
from tasks.models import Task

from .helpers import call_tool, post, result_of, rpc

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("thread_connections_closed")]

REDIRECT = "https://claude.ai/api/mcp/auth_callback"
MCP = "http://testserver/mcp"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@sync_to_async
def discover_and_register() -> str:
    anon = Client()
    resource = anon.get("/.well-known/oauth-protected-resource/mcp").json()
    assert resource["resource"] == MCP and resource["authorization_servers"] == ["http://testserver"]
    server = anon.get("/.well-known/oauth-authorization-server").json()
    assert server["code_challenge_methods_supported"] == ["S256"]
    assert server["registration_endpoint"] == "http://testserver/oauth/register/"
    registered = anon.post(server["registration_endpoint"], json.dumps({
        "client_name": "Claude", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
    }), content_type="application/json")
    assert registered.status_code == 201, registered.content
    return registered.json()["client_id"]


@sync_to_async
def authorize(user, client_id: str, challenge: str, *, scope: str = "tasks:read tasks:write", resource: str = MCP) -> str:
    browser = Client()
    browser.force_login(user)
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "scope": scope,
             "state": "st4te", "code_challenge": challenge, "code_challenge_method": "S256", "resource": resource}
    consent = browser.get("/oauth/authorize/", query)
    assert consent.status_code == 200 and b"Connect Claude to your todo list?" in consent.content
    form = {field.name: field.value() for field in consent.context["form"] if field.is_hidden and field.value() is not None}
    answer = browser.post("/oauth/authorize/", {**form, "allow": "Authorize"})
    assert answer.status_code == 302, answer.content
    params = parse_qs(urlsplit(answer["Location"]).query)
    assert params["state"] == ["st4te"]
    return params["code"][0]


@sync_to_async
def exchange(client_id: str, code: str, verifier: str, resource: str = MCP):
    return Client().post("/oauth/token/", {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                           "client_id": client_id, "code_verifier": verifier, "resource": resource})


async def test_register_authorize_with_pkce_get_a_token_for_mcp_and_call_a_tool(http, user):
    unauthorized = await post(http, rpc("tools/list"))
    assert "/.well-known/oauth-protected-resource/mcp" in unauthorized.headers["www-authenticate"]
    client_id = await discover_and_register()
    verifier, challenge = pkce()
    code = await authorize(user, client_id, challenge)
    token = await exchange(client_id, code, verifier)
    assert token.status_code == 200, token.content
    access = token.json()["access_token"]
    added = result_of(await post(http, call_tool("add_task", {"tasks": [{"title": "Buy milk"}]}), token=access))
    assert added.get("isError") is not True
    assert await Task.objects.filter(owner=user, title="Buy milk").aexists()


async def test_a_wrong_pkce_verifier_gets_no_token(http, user):
    client_id = await discover_and_register()
    _verifier, challenge = pkce()
    code = await authorize(user, client_id, challenge)
    refused = await exchange(client_id, code, pkce()[0])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


async def test_a_token_for_another_audience_is_refused_at_mcp(http, user):
    client_id = await discover_and_register()
    verifier, challenge = pkce()
    code = await authorize(user, client_id, challenge, resource="http://testserver/api")
    token = await exchange(client_id, code, verifier, resource="http://testserver/api")
    assert token.status_code == 200, token.content
    response = await post(http, rpc("tools/list"), token=token.json()["access_token"])
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


async def test_a_read_only_grant_cannot_write(http, user):
    client_id = await discover_and_register()
    verifier, challenge = pkce()
    code = await authorize(user, client_id, challenge, scope="tasks:read")
    access = (await exchange(client_id, code, verifier)).json()["access_token"]
    assert result_of(await post(http, call_tool("list_tasks"), token=access)).get("isError") is not True
    refused = result_of(await post(http, call_tool("add_task", {"tasks": [{"title": "x"}]}), token=access))
    assert refused["isError"] is True and "read-only" in refused["content"][0]["text"]
    assert not await Task.objects.aexists()


@sync_to_async
def disconnect_on_the_connections_page(user, other_user) -> None:
    from django.urls import reverse

    from mcp_door.selectors import oauth_connections

    (connection,) = oauth_connections(user=user)
    browser = Client()
    browser.force_login(user)
    page = browser.get(reverse("mcp_door:connections")).content.decode()
    assert "Apps connected with OAuth" in page and "Claude" in page
    stranger = Client()
    stranger.force_login(other_user)
    assert stranger.post(reverse("mcp_door:revoke_app", args=[connection["application_id"]])).status_code == 404
    browser.post(reverse("mcp_door:revoke_app", args=[connection["application_id"]]))
    assert oauth_connections(user=user) == []


async def test_disconnecting_the_app_on_the_connections_page_stops_its_token(http, user, other_user):
    client_id = await discover_and_register()
    verifier, challenge = pkce()
    code = await authorize(user, client_id, challenge)
    access = (await exchange(client_id, code, verifier)).json()["access_token"]
    assert (await post(http, rpc("tools/list"), token=access)).status_code == 200
    await disconnect_on_the_connections_page(user, other_user)
    assert (await post(http, rpc("tools/list"), token=access)).status_code == 401


def test_open_client_registration_is_held_to_the_sign_up_rate(db, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", "2/min")
    body = json.dumps({"client_name": "spam", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"})
    answers = [Client().post("/oauth/register/", body, content_type="application/json") for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert int(answers[2]["Retry-After"]) >= 1
