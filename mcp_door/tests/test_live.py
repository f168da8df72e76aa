"""/mcp on a real daphne, through the official MCP client and the OpenAI Agents SDK, with the
result checked through the REST API; and, on PostgreSQL + Redis, across two daphne processes."""

import asyncio
import json

import httpx2
import pytest
from agents import Agent, Runner
from agents.mcp import MCPServerStreamableHttp
from agents.testing import ScriptedModel, assistant_message, function_call

from core.tests.live_daphne import WAIT_S, http_json, open_socket, register_and_token, sqlite_server

from .helpers import mcp_session

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with sqlite_server(tmp_path_factory.mktemp("mcp-live"), AUTH_RATE="1000/min") as daphne:
        yield daphne


def personal_token(server, jwt: str, **fields) -> str:
    status, body = http_json("POST", f"{server.url}/api/auth/tokens/", {"name": "live", **fields}, token=jwt)
    assert status == 201, body
    return body["token"]


def rest_tasks(server, jwt: str) -> list[dict]:
    status, page = http_json("GET", f"{server.url}/api/tasks/?ordering=title", token=jwt)
    assert status == 200
    return page["results"]


async def test_the_official_client_lists_and_calls_every_tool_and_the_rest_api_sees_it(server):
    jwt = register_and_token(server, server, "dora")
    token = personal_token(server, jwt)
    async with mcp_session(f"{server.url}/mcp", token) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert list(tools) == ["add_task", "list_tasks", "complete_task", "reopen_task", "update_task", "delete_task",
                               "delete_completed_tasks", "delete_all_tasks"]
        assert tools["list_tasks"].annotations.read_only_hint is True
        assert tools["delete_task"].annotations.destructive_hint is True
        assert tools["add_task"].output_schema["properties"]["results"]["type"] == "array"

        added = await session.call_tool("add_task", {"tasks": [{"title": "Buy milk", "priority": "high"}, {"title": "Call mom"},
                                                               {"title": "File taxes", "due_date": "2030-04-15"}]})
        assert not added.is_error
        milk, mom, taxes = (r["task_id"] for r in added.structured_content["results"])
        listed = await session.call_tool("list_tasks", {"status": "all"})
        assert listed.structured_content["count"] == 3
        assert json.loads(listed.content[0].text)["count"] == 3  # the text block carries the same JSON
        assert not (await session.call_tool("complete_task", {"task_ids": [milk, mom]})).is_error
        assert not (await session.call_tool("reopen_task", {"task_ids": [mom]})).is_error
        assert not (await session.call_tool("update_task", {"task_id": taxes, "title": "File the taxes"})).is_error
        assert not (await session.call_tool("delete_task", {"task_ids": [mom]})).is_error
        missing = await session.call_tool("delete_task", {"task_ids": [999999]})
        assert missing.is_error and "No task 999999" in missing.content[0].text

        assert [(t["title"], t["completed"], t["priority"]) for t in rest_tasks(server, jwt)] == [
            ("Buy milk", True, "high"), ("File the taxes", False, "medium"),
        ]
        asked = await session.call_tool("delete_completed_tasks", {})
        assert asked.structured_content["status"] == "needs_confirmation"
        assert len(rest_tasks(server, jwt)) == 2
        assert (await session.call_tool("delete_completed_tasks", {"confirm": True})).structured_content["count"] == 1
        assert [t["title"] for t in rest_tasks(server, jwt)] == ["File the taxes"]
        assert (await session.call_tool("delete_all_tasks", {"confirm": True})).structured_content["count"] == 1
    assert rest_tasks(server, jwt) == []


async def test_the_agents_sdk_drives_the_list_over_mcp_with_a_scripted_model(server):
    jwt = register_and_token(server, server, "erin")
    token = personal_token(server, jwt)
    model = ScriptedModel([
        [function_call("add_task", {"tasks": [{"title": "Water the plants", "due_date": "2030-01-02"}]}, call_id="c1")],
        [function_call("list_tasks", {"status": "pending"}, call_id="c2")],
        [assistant_message("Added: Water the plants.")],
    ])
    mcp = MCPServerStreamableHttp({"url": f"{server.url}/mcp", "headers": {"Authorization": f"Bearer {token}"}, "timeout": 30},
                                  cache_tools_list=True)
    async with mcp:
        agent = Agent(name="outside agent", instructions="Manage the list.", model=model, mcp_servers=[mcp])
        result = await Runner.run(agent, "remind me to water the plants on Jan 2 2030")
    assert result.final_output == "Added: Water the plants."
    outputs = [item.output for item in result.new_items if item.type == "tool_call_output_item"]
    assert "Water the plants" in str(outputs[1])
    assert [(t["title"], t["due_date"]) for t in rest_tasks(server, jwt)] == [("Water the plants", "2030-01-02")]


async def test_a_read_only_token_over_the_official_client_cannot_write(server):
    jwt = register_and_token(server, server, "fred")
    token = personal_token(server, jwt, scope="read")
    async with mcp_session(f"{server.url}/mcp", token) as session:
        refused = await session.call_tool("add_task", {"tasks": [{"title": "x"}]})
        assert refused.is_error and 'scope "read"' in refused.content[0].text
        assert not (await session.call_tool("list_tasks", {})).is_error
    assert rest_tasks(server, jwt) == []


async def test_concurrent_first_requests_to_a_fresh_daphne_all_succeed(tmp_path):
    # The session manager starts on the first /mcp request (daphne sends no lifespan events); these
    # eight arrive together, before it has started, and must all wait for the one start.
    with sqlite_server(tmp_path, AUTH_RATE="1000/min") as fresh:
        token = personal_token(fresh, register_and_token(fresh, fresh, "hana"))
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        async with httpx2.AsyncClient(base_url=fresh.url, timeout=WAIT_S) as http:
            answers = await asyncio.gather(*(
                http.post("/mcp", json=body, headers={"authorization": f"Bearer {token}", "accept": "application/json, text/event-stream"})
                for _ in range(8)
            ))
    assert [(a.status_code, len(a.json()["result"]["tools"])) for a in answers] == [(200, 8)] * 8


class RoundRobin(httpx2.AsyncHTTPTransport):
    """A load balancer in a transport: each request goes to the next server in turn."""

    def __init__(self, ports: list[int]) -> None:
        super().__init__()
        self.ports, self.hits = ports, []

    async def handle_async_request(self, request):
        port = self.ports[len(self.hits) % len(self.ports)]
        self.hits.append((port, json.loads(request.content or b"{}").get("method")))
        request.url = request.url.copy_with(port=port)
        request.headers["host"] = f"127.0.0.1:{port}"
        return await super().handle_async_request(request)


@pytest.mark.scaleout
async def test_initialized_on_one_daphne_called_on_the_other_and_seen_on_a_socket_of_either(two_servers):  # noqa: F811
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    server_a, server_b = two_servers
    jwt = register_and_token(server_a, server_b, "gina")
    token = personal_token(server_b, jwt)
    page_on_b = open_socket(server_b, jwt)
    balancer = RoundRobin([server_a.port, server_b.port])
    try:
        async with httpx2.AsyncClient(transport=balancer, headers={"authorization": f"Bearer {token}"}, timeout=WAIT_S) as http:
            async with streamable_http_client(f"{server_a.url}/mcp", http_client=http) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    added = await session.call_tool("add_task", {"tasks": [{"title": "Buy milk"}]})
                    listed = await session.call_tool("list_tasks", {})
        frame = json.loads(page_on_b.recv(timeout=WAIT_S))
    finally:
        page_on_b.close()
    calls = [(port, method) for port, method in balancer.hits if method]
    assert {port for port, _ in calls} == {server_a.port, server_b.port}
    assert calls[0] == (server_a.port, "initialize")
    assert not added.is_error and listed.structured_content["count"] == 1
    assert (frame["type"], frame["action"], frame["task"]["title"]) == ("tasks.changed", "created", "Buy milk")
