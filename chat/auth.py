"""Who is on the other end of a websocket: the session cookie (the page) or a JWT (API clients).

Browsers cannot set headers on a websocket, so API clients send the access token as a
subprotocol next to the real one: ``Sec-WebSocket-Protocol: todo.v1, access_token.<jwt>``.
The server accepts with ``todo.v1`` only; the token is never echoed back.

The scope gets ``user`` (AnonymousUser when nobody could be identified), ``auth_error``
(``"unauthenticated"`` / ``"token_invalid"`` / ``"token_expired"`` or None) and
``token_expires_at`` (epoch seconds, JWT only) so the consumer can re-check expiry on
every message.

A socket lives no longer than what it was opened with. Logging out, deactivating the account,
deleting it or changing its password ends every socket of that user (`end_user_sockets`, sent to
the user's channel-layer group: every process with Redis), and before each turn the consumer asks
`still_signed_in` whether the session or token would still be accepted, for a change made where
no signal fires (a queryset update, a session deleted from the store).
"""

from __future__ import annotations

import logging
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from asgiref.sync import async_to_sync
from channels.auth import AuthMiddleware, get_user
from channels.layers import get_channel_layer
from channels.security.websocket import WebsocketDenier
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken

from tasks.events import user_group
from core.db import orm_unit

logger = logging.getLogger(__name__)

PROTOCOL = "todo.v1"
TOKEN_SUBPROTOCOL_PREFIX = "access_token."


def token_from_subprotocols(scope: dict[str, Any]) -> str | None:
    for proto in scope.get("subprotocols") or []:
        if isinstance(proto, str) and proto.startswith(TOKEN_SUBPROTOCOL_PREFIX):
            return proto[len(TOKEN_SUBPROTOCOL_PREFIX):]
    return None


def _origin_header(scope: dict[str, Any]) -> bytes | None:
    for name, value in scope.get("headers") or []:
        if name == b"origin":
            return value
    return None


@orm_unit
def _user_for_token(raw: str) -> tuple[Any, str | None, int | None]:
    """(user, auth_error, expires_at). One DB crossing; evaluated data only."""
    try:
        token = AccessToken(raw)
    except TokenError as exc:
        # simplejwt raises the same error class for expiry and forgery; the message tells them apart.
        expired = "expired" in str(exc).lower()
        return AnonymousUser(), ("token_expired" if expired else "token_invalid"), None
    try:
        # The same user checks as the HTTP API: the account exists and is active, and the token
        # was issued under the current password (SIMPLE_JWT["CHECK_REVOKE_TOKEN"]). Read from the
        # database, not the API's cached copy (todo_project.authentication): once per socket, a
        # cache fill here bought nothing and grew the process's Redis pool on bursts of connects.
        user = JWTAuthentication().get_user(token)
    except (AuthenticationFailed, InvalidToken):
        return AnonymousUser(), "token_invalid", None
    return user, None, int(token.payload["exp"])


class SessionOrJWTAuth(AuthMiddleware):
    """A JWT subprotocol wins when offered (a bad token is not rescued by a cookie); otherwise the session."""

    async def resolve_scope(self, scope: dict[str, Any]) -> None:
        raw = token_from_subprotocols(scope)
        scope["token_expires_at"] = None
        if raw is not None:
            user, error, expires_at = await _user_for_token(raw)
            scope["user"]._wrapped = user
            scope["auth_error"] = error
            scope["token_expires_at"] = expires_at
            return
        user = await get_user(scope)
        scope["user"]._wrapped = user
        scope["auth_error"] = None if user.is_authenticated else "unauthenticated"


@orm_unit
def _session_user_id(session_key: str | None) -> Any:
    """Whose the session is now, read afresh from the store (the scope's copy is from the connect)."""
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # Django's own check: the session exists, its user is active, its password hash is current.
    return auth.get_user(SimpleNamespace(session=store)).pk


async def still_signed_in(scope: dict[str, Any]) -> bool:
    """Whether what the socket was opened with (its JWT, else its session) still names its user."""
    user_id = scope["user"].pk
    raw = token_from_subprotocols(scope)
    if raw is not None:
        user, error, _ = await _user_for_token(raw)
        return error is None and user.pk == user_id
    session = scope.get("session")
    return await _session_user_id(getattr(session, "session_key", None)) == user_id


SOCKET_ENDED = {"type": "session.ended"}


def end_user_sockets(user_id: Any) -> None:
    """Closes every open socket of the user, in every process that shares the channel layer (sync)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), SOCKET_ENDED)
    except Exception:  # noqa: BLE001 - the change is made; each socket re-checks before its next turn
        logger.exception("ending the user's sockets failed", extra={"user_id": user_id})


def SessionOrJWTAuthMiddleware(inner):  # noqa: N802 - reads like channels' AuthMiddlewareStack
    return CookieMiddleware(SessionMiddleware(SessionOrJWTAuth(inner)))


class _Handshake(HttpRequest):
    """The websocket handshake as a Django request, for Django's own origin check."""

    def __init__(self, scope: dict[str, Any]) -> None:
        super().__init__()
        host, port = scope.get("server") or ("", "")
        self.META["SERVER_NAME"], self.META["SERVER_PORT"] = str(host), str(port)
        for name, value in scope.get("headers") or []:
            self.META["HTTP_" + name.decode("latin-1").upper().replace("-", "_")] = value.decode("latin-1")
        self._secure = scope.get("scheme") == "wss"

    def _get_scheme(self) -> str:
        # SECURE_PROXY_SSL_HEADER, when set, is read first by HttpRequest.scheme, as for HTTP.
        return "https" if self._secure else "http"


def origin_allowed(scope: dict[str, Any]) -> bool:
    """The Origin is the site's own (scheme, host and port, the host in ALLOWED_HOSTS) or one of
    CSRF_TRUSTED_ORIGINS: the very check Django's CSRF middleware makes on an HTTP POST."""
    from django.middleware.csrf import CsrfViewMiddleware

    try:
        return CsrfViewMiddleware(lambda request: None)._origin_verified(_Handshake(scope))
    except DisallowedHost:  # the Host header itself is not one of ours
        return False


class OriginCheck:
    """The Origin must be the site's own or a trusted one (origin_allowed), as for a CSRF check.

    A browser always sends Origin, so a missing Origin means a non-browser client. Those may
    connect only with a JWT subprotocol (which is then the only credential read): cross-site
    websocket hijacking rides on cookies, and a page cannot put a token in a victim's socket.
    A foreign Origin (another scheme, host or port) is refused at the handshake (HTTP 403).
    """

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if _origin_header(scope) is None and token_from_subprotocols(scope) is not None:
            # The JWT path below never reads the cookie, so there is nothing to hijack.
            return await self.application(scope, receive, send)
        if _origin_header(scope) is None or not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
