"""The resource-server side of OAuth for /mcp: which OAuth access token is this, and may it be
used here. django-oauth-toolkit is the authorization server (settings.OAUTH2_PROVIDER,
mcp_door/oauth_urls.py); this reads the tokens it issued."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from oauth2_provider.models import get_access_token_model

READ_SCOPE = "tasks:read"
WRITE_SCOPE = "tasks:write"


@dataclass(frozen=True)
class OAuthGrant:
    user: AbstractBaseUser
    name: str  # the client's registered name, for logs
    can_write: bool
    token_id: int


def grant_for_token(raw: str, resource: str) -> OAuthGrant | None:
    """The grant behind a live OAuth access token issued for `resource` (this server's /mcp URL).

    A token must name its audience (RFC 8707 `resource`) and that audience must cover /mcp: a token
    minted for another resource, or for none, is refused, so a token leaked from elsewhere is no
    key here. Revoking a token deletes it at the toolkit, which this lookup then misses.
    """
    checksum = hashlib.sha256(raw.encode()).hexdigest()  # tokens are stored hashed (RFC 9700)
    token = get_access_token_model().objects.select_related("application", "user").filter(token_checksum=checksum).first()
    if token is None or token.is_expired() or token.user is None or not token.user.is_active:
        return None
    if not token.resource or not token.allows_audience(resource):
        return None
    scopes = set(token.scope.split())
    if READ_SCOPE not in scopes and WRITE_SCOPE not in scopes:
        return None
    application = token.application
    name = f"OAuth client {application.name or application.client_id}" if application else "OAuth client"
    return OAuthGrant(user=token.user, name=name, can_write=WRITE_SCOPE in scopes, token_id=token.pk)
