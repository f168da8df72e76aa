"""Calling /mcp in-process (the whole ASGI app, through httpx2) or against a live daphne."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import Any

import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

ACCEPT = "application/json, text/event-stream"


def rpc(method: str, params: dict[str, Any] | None = None, id: int = 1) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        message["params"] = params
    return message


def call_tool(name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    return rpc("tools/call", {"name": name, "arguments": arguments or {}})


def headers(token: str | None = None, **extra: str) -> dict[str, str]:
    out = {"content-type": "application/json", "accept": ACCEPT, **extra}
    if token:
        out["authorization"] = f"Bearer {token}"
    return out


async def post(client: httpx2.AsyncClient, body: Any, token: str | None = None, **extra: str) -> httpx2.Response:
    content = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return await client.post("/mcp", content=content, headers=headers(token, **extra))


def result_of(response: httpx2.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    payload = response.json()
    assert "error" not in payload, payload
    return payload["result"]


@asynccontextmanager
async def mcp_session(url: str, token: str):
    """The official client: streamable_http_client + ClientSession, initialized."""
    async with httpx2.AsyncClient(headers={"authorization": f"Bearer {token}"}, timeout=30) as http:
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session
