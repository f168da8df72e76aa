"""The ASGI app behind /mcp: host and origin checks, the bearer credential, the per-token rate
limit, then the MCP SDK's Streamable HTTP transport (stateless, JSON responses).

Stateless means no session lives in a process between requests, so any daphne behind the load
balancer answers any request. The SDK's session manager normally starts in the ASGI lifespan,
which daphne never sends: the door starts it itself on the first request, once per event loop
(one per process under daphne), and every concurrent first request waits for that one start.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings

from core.db import orm_unit
from core.logging import user_id_var

from . import auth
from .tools import build_server, current_principal

logger = logging.getLogger(__name__)

PATH = "/mcp"
METADATA_PATH = "/.well-known/oauth-protected-resource" + PATH


@dataclass
class _Running:
    manager: StreamableHTTPSessionManager
    started: asyncio.Future
    task: asyncio.Task | None = None


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return value.decode("latin-1")
    return None


def public_origin(scope) -> str:
    """scheme://host of this request as the client sees it (behind a TLS proxy when configured)."""
    scheme = scope.get("scheme", "http")
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        header, value = proxy
        wanted = header.removeprefix("HTTP_").lower().replace("_", "-").encode()
        if _header(scope, wanted) == value:
            scheme = "https"
    return f"{scheme}://{_header(scope, b'host') or 'localhost'}"


def _allowed(host: str | None) -> bool:
    if not host:
        return False
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


@orm_unit
def _admit(raw: str, resource: str) -> tuple[auth.Principal | None, int | None]:
    """(principal, seconds to wait when over the rate): one crossing for both."""
    principal = auth.authenticate(raw, resource=resource)
    if principal is None:
        return None, None
    return principal, auth.seconds_to_wait(principal)


async def _respond(send, status: int, body: dict, headers: list[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps(body).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *headers],
    })
    await send({"type": "http.response.body", "body": payload})


class McpDoor:
    def __init__(self) -> None:
        self._running: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Running] = weakref.WeakKeyDictionary()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        # DNS rebinding: the Host must be one of ALLOWED_HOSTS, and so must a browser's Origin.
        if not _allowed(_header(scope, b"host")):
            await _respond(send, 421, {"error": "invalid_host", "error_description": "Host not allowed."})
            return
        origin = _header(scope, b"origin")
        if origin is not None and not _allowed(urlsplit(origin).netloc):
            await _respond(send, 403, {"error": "invalid_origin", "error_description": "Origin not allowed."})
            return
        raw = _bearer(_header(scope, b"authorization"))
        principal, wait = await _admit(raw, public_origin(scope) + PATH) if raw else (None, None)
        if principal is None:
            await self._unauthorized(scope, send, bool(raw))
            return
        if wait is not None:
            await _respond(
                send, 429, {"error": "rate_limited", "error_description": f"Too many calls with this token; retry in {wait} s."},
                [(b"retry-after", str(wait).encode())],
            )
            return
        if scope["method"] != "POST":
            # Stateless: no session to resume or end, and nothing to push on a standing GET stream
            # (one would only hold a connection open), so POST is the whole transport (the spec's 405).
            await _respond(send, 405, {"error": "method_not_allowed", "error_description": "Use POST."}, [(b"allow", b"POST")])
            return
        manager = await self._manager()
        reset = current_principal.set(principal), user_id_var.set(principal.user.pk)
        try:
            await manager.handle_request(scope, receive, send)
        finally:
            current_principal.reset(reset[0])
            user_id_var.reset(reset[1])

    async def _unauthorized(self, scope, send, sent_a_token: bool) -> None:
        # RFC 6750 section 3: no error code when no credential came; RFC 9728: where to find out how to get one.
        parts = [f'resource_metadata="{public_origin(scope)}{METADATA_PATH}"']
        body = {"error": "unauthorized", "error_description": "Send Authorization: Bearer <token>."}
        if sent_a_token:
            parts.insert(0, 'error="invalid_token", error_description="The token is invalid, expired or revoked."')
            body = {"error": "invalid_token", "error_description": "The token is invalid, expired or revoked."}
        await _respond(send, 401, body, [(b"www-authenticate", ("Bearer " + ", ".join(parts)).encode())])

    async def _manager(self) -> StreamableHTTPSessionManager:
        loop = asyncio.get_running_loop()
        running = self._running.get(loop)
        if running is None:
            # No await between the lookup and this: concurrent first requests find this one.
            running = self._running[loop] = self._start(loop)
        try:
            await asyncio.shield(running.started)
        except Exception:
            # It failed to start: the next request tries again rather than meeting this failure forever.
            if self._running.get(loop) is running:
                del self._running[loop]
            raise
        return running.manager

    def _start(self, loop: asyncio.AbstractEventLoop) -> _Running:
        server = build_server()
        server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            max_request_body_size=settings.MCP_MAX_BODY_BYTES,
            # The door has checked Host and Origin against ALLOWED_HOSTS already.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        running = _Running(manager=server.session_manager, started=loop.create_future())
        running.task = loop.create_task(self._serve(running), name="mcp-session-manager")
        return running

    @staticmethod
    async def _serve(running: _Running) -> None:
        try:
            async with running.manager.run():
                running.started.set_result(None)
                await asyncio.Event().wait()  # for the life of the loop
        except BaseException as exc:
            if not running.started.done():
                running.started.set_exception(exc if isinstance(exc, Exception) else RuntimeError("stopped"))
            raise

    async def stop(self) -> None:
        """Stops this loop's session manager (tests, whose loops end; daphne's lives with the process)."""
        running = self._running.pop(asyncio.get_running_loop(), None)
        if running is not None and running.task is not None:
            running.task.cancel()
            await asyncio.gather(running.task, return_exceptions=True)


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


mcp_door = McpDoor()
