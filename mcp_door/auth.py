"""Who is calling /mcp: a personal access token, an OAuth access token or a JWT access token.

`authenticate` is sync (one ORM crossing with the rate limit, see door.py) and returns a
`Principal` or None; the door answers None with a 401 that points to the protected-resource
metadata (RFC 9728), so an OAuth-only client knows where to get a token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from . import oauth, selectors, services


@dataclass(frozen=True)
class Principal:
    """The acting user and the credential they sent. `name` is what logs show (the token's name)."""

    user: AbstractBaseUser
    kind: str  # "token" (personal access token), "jwt" or "oauth"
    name: str
    can_write: bool
    token_id: int | None = None  # the PersonalAccessToken (kind "token") or OAuth access token

    @property
    def rate_key(self) -> str:
        # Per token; a JWT has no row, so its limit is the user's.
        return f"{self.kind}:{self.token_id if self.token_id is not None else f'user-{self.user.pk}'}"


def authenticate(raw: str, *, resource: str) -> Principal | None:
    """`resource` is this server's /mcp URL, which an OAuth token must have been issued for."""
    if raw.startswith(selectors.SECRET_PREFIX):
        token = selectors.token_for_secret(raw)
        if token is None:
            return None
        services.token_mark_used(token=token)
        return Principal(user=token.owner, kind="token", name=token.name, can_write=token.can_write, token_id=token.pk)
    grant = oauth.grant_for_token(raw, resource)
    if grant is not None:
        return Principal(user=grant.user, kind="oauth", name=grant.name, can_write=grant.can_write, token_id=grant.token_id)
    return _jwt_principal(raw)


def _jwt_principal(raw: str) -> Principal | None:
    jwt = JWTAuthentication()
    try:
        # simplejwt's own checks: signature, expiry, token type, user exists and is active, and
        # the token was issued under the current password.
        user = jwt.get_user(jwt.get_validated_token(raw.encode()))
    except (InvalidToken, TokenError, AuthenticationFailed):
        return None
    return Principal(user=user, kind="jwt", name="JWT access token", can_write=True)


class TokenRateThrottle(SimpleRateThrottle):
    """DRF's sliding-window throttle in Django's cache (Redis with REDIS_URL: every process), keyed
    by token instead of by request. The rate is MCP_RATE, e.g. "120/min"."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        super().__init__()

    def get_rate(self) -> str:
        return settings.MCP_RATE

    def get_cache_key(self, request, view) -> str:  # noqa: ANN001 - DRF's signature; no request here
        return f"mcp:rate:{self.principal.rate_key}"


def seconds_to_wait(principal: Principal) -> int | None:
    """Counts one call; the seconds until the next is allowed when the token is over its rate."""
    throttle = TokenRateThrottle(principal)
    if throttle.allow_request(None, None):
        return None
    return max(1, math.ceil(throttle.wait() or 1))
