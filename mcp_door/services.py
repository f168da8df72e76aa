"""Writes of personal access tokens: create (the secret is returned once), revoke, note use."""

import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .models import PersonalAccessToken, TokenScope
from .selectors import SECRET_PREFIX, TokenNotFound, oauth_tokens_of, secret_digest, token_get

# Noting every use would be a write per MCP call; a minute is as precise as "last used" needs.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_create(
    *, owner: AbstractBaseUser, name: str, scope: str = TokenScope.READ_WRITE, expires_at: datetime | None = None
) -> tuple[PersonalAccessToken, str]:
    """Makes a token; returns it and its secret, which is stored only as a digest and never shown again."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = PersonalAccessToken(
        owner=owner,
        name=(name or "").strip(),
        scope=scope,
        expires_at=expires_at,
        digest=secret_digest(secret),
        hint=secret[: len(SECRET_PREFIX) + 4],
    )
    with transaction.atomic():
        token.full_clean(exclude=["owner"])
        token.save()
    return token, secret


def token_revoke(*, user: AbstractBaseUser, token_id: object) -> PersonalAccessToken:
    """Revokes the user's token at once (TokenNotFound for anyone else's)."""
    with transaction.atomic():
        token = token_get(user=user, token_id=token_id)
        token.revoked_at = timezone.now()
        PersonalAccessToken.objects.filter(pk=token.pk).update(revoked_at=token.revoked_at)
    return token


def token_mark_used(*, token: PersonalAccessToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)


def oauth_connection_revoke(*, user: AbstractBaseUser, application_id: int) -> int:
    """Cuts an OAuth client off from the user's list: every access and refresh token it holds for
    the user stops working at once. TokenNotFound when it holds none (or is someone else's)."""
    with transaction.atomic():
        access, refresh = oauth_tokens_of(user=user, application_id=application_id)
        revoked = 0
        for token in refresh.select_for_update():
            token.revoke()  # the toolkit's own: marks it revoked and deletes its access token
            revoked += 1
        revoked += access.delete()[0]
    if not revoked:
        raise TokenNotFound(application_id)
    return revoked
