"""/mcp in-process: the whole ASGI app (as daphne serves it) through httpx2, on the test database."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from agents_bridge.tests.factories import thread_connections_closed  # noqa: F401 - fixture
from mcp_door import services
from mcp_door.models import PersonalAccessToken
from tasks.models import Task
from tasks.tests.factories import make_task

from .conftest import new_token
from .helpers import call_tool, post, result_of, rpc

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("thread_connections_closed")]

make = sync_to_async(make_task)


async def test_no_token_is_401_pointing_to_the_protected_resource_metadata(http):
    response = await post(http, rpc("tools/list"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        'Bearer resource_metadata="http://testserver/.well-known/oauth-protected-resource/mcp"'
    )


@pytest.mark.parametrize("state", ["unknown", "expired", "revoked", "owner inactive"])
async def test_a_token_that_no_longer_works_is_401_invalid_token(http, user, state):
    secret = await new_token(owner=user, name="old")
    if state == "unknown":
        secret = secret[:-4] + "AAAA"
    elif state == "expired":
        await PersonalAccessToken.objects.aupdate(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "revoked":
        token = await PersonalAccessToken.objects.aget()
        await sync_to_async(services.token_revoke)(user=user, token_id=token.pk)
    else:
        user.is_active = False
        await user.asave()
    response = await post(http, rpc("tools/list"), token=secret)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert "resource_metadata=" in response.headers["www-authenticate"]


async def test_a_jwt_access_token_works_and_a_refresh_or_garbage_one_does_not(http, user):
    access = str(AccessToken.for_user(user))
    listed = result_of(await post(http, call_tool("list_tasks"), token=access))
    assert listed["structuredContent"]["count"] == 0
    for bad in ("not-a-jwt", access[:-3] + "abc"):
        assert (await post(http, rpc("tools/list"), token=bad)).status_code == 401


async def test_a_read_only_token_lists_but_a_write_tool_is_an_error_naming_the_scope(http, user):
    secret = await new_token(owner=user, name="reader", scope="read")
    task = await make(user, "Buy milk")
    listed = result_of(await post(http, call_tool("list_tasks"), token=secret))
    assert [t["title"] for t in listed["structuredContent"]["tasks"]] == ["Buy milk"]
    for name, arguments in [("add_task", {"tasks": [{"title": "x"}]}), ("complete_task", {"task_ids": [task.pk]}),
                            ("delete_all_tasks", {"confirm": True})]:
        result = result_of(await post(http, call_tool(name, arguments), token=secret))
        assert result["isError"] is True
        assert 'read-only (scope "read")' in result["content"][0]["text"]
    assert await Task.objects.filter(completed=False).acount() == 1


async def test_last_used_is_noted(http, user, token):
    assert (await PersonalAccessToken.objects.aget()).last_used_at is None
    result_of(await post(http, rpc("tools/list"), token=token))
    assert (await PersonalAccessToken.objects.aget()).last_used_at is not None


async def test_over_the_rate_is_429_with_retry_after(http, token, settings):
    settings.MCP_RATE = "2/min"
    for _ in range(2):
        assert (await post(http, rpc("tools/list"), token=token)).status_code == 200
    response = await post(http, rpc("tools/list"), token=token)
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60


async def test_the_rate_is_per_token(http, user, token, settings):
    settings.MCP_RATE = "1/min"
    other = await new_token(owner=user, name="desktop")
    assert (await post(http, rpc("tools/list"), token=token)).status_code == 200
    assert (await post(http, rpc("tools/list"), token=token)).status_code == 429
    assert (await post(http, rpc("tools/list"), token=other)).status_code == 200


async def test_a_host_outside_allowed_hosts_or_a_foreign_origin_is_refused(http, token):
    # DNS rebinding: follows ALLOWED_HOSTS (testserver, localhost, 127.0.0.1 here), not the SDK's default.
    assert (await post(http, rpc("tools/list"), token=token, host="evil.example")).status_code == 421
    assert (await post(http, rpc("tools/list"), token=token, origin="http://evil.example")).status_code == 403
    assert (await post(http, rpc("tools/list"), token=token, origin="http://localhost:8000")).status_code == 200


async def test_malformed_json_rpc_is_a_json_rpc_error_not_a_500(http, token):
    for body in (b"{not json", b'{"jsonrpc": "2.0"}', b"[]", b'{"jsonrpc": "2.0", "id": 1, "method": 7}'):
        response = await post(http, body, token=token)
        assert response.status_code in (400, 422), (body, response.status_code)
        assert response.json()["error"]["code"] < 0


async def test_an_unknown_tool_and_wrong_argument_types_are_error_results(http, token):
    unknown = result_of(await post(http, call_tool("drop_database"), token=token))
    assert unknown["isError"] is True and "Unknown tool: drop_database" in unknown["content"][0]["text"]
    for name, arguments in [("complete_task", {"task_ids": "seven"}), ("add_task", {"tasks": [{"title": 5}]}),
                            ("add_task", {"tasks": []}), ("list_tasks", {"status": "someday"}),
                            ("update_task", {"task_id": 1, "priority": "urgent"})]:
        result = result_of(await post(http, call_tool(name, arguments), token=token))
        assert result["isError"] is True, (name, arguments)
    assert await Task.objects.acount() == 0


async def test_an_oversized_body_is_413(http, token, settings):
    body = call_tool("add_task", {"tasks": [{"title": "x", "description": "y" * (300 * 1024)}]})
    response = await post(http, body, token=token)
    assert response.status_code == 413
    assert await Task.objects.acount() == 0


async def test_concurrent_first_requests_all_wait_for_one_session_manager(http, token, monkeypatch):
    from mcp_door import door

    built = []
    real_build = door.build_server
    monkeypatch.setattr(door, "build_server", lambda: built.append(1) or real_build())
    responses = await asyncio.gather(*(post(http, rpc("tools/list", id=i), token=token) for i in range(8)))
    assert [len(result_of(r)["tools"]) for r in responses] == [8] * 8
    assert len(built) == 1


async def test_only_post_is_served_so_no_stream_is_left_open(http, token):
    for method in ("GET", "DELETE", "PUT"):
        response = await http.request(method, "/mcp", headers={"authorization": f"Bearer {token}", "accept": "text/event-stream"})
        assert (response.status_code, response.headers["allow"]) == (405, "POST")
    assert (await http.get("/mcp")).status_code == 401  # the credential is still asked for first
