"""Reads of personal access tokens, scoped to their owner."""

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from .models import PersonalAccessToken

SECRET_PREFIX = "todo_pat_"


class TokenNotFound(Exception):
    """The token does not exist, is revoked, or belongs to someone else."""


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_list(*, user: AbstractBaseUser) -> QuerySet[PersonalAccessToken]:
    """The user's tokens that are not revoked (expired ones included, marked by expires_at), newest first."""
    return PersonalAccessToken.objects.filter(owner_id=user.pk, revoked_at__isnull=True)


def token_get(*, user: AbstractBaseUser, token_id: object) -> PersonalAccessToken:
    try:
        return token_list(user=user).get(pk=int(token_id))
    except (PersonalAccessToken.DoesNotExist, TypeError, ValueError):
        raise TokenNotFound(token_id) from None


def token_for_secret(secret: str) -> PersonalAccessToken | None:
    """The live token (not revoked, not expired, active owner) whose secret this is, with its owner."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    live = Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    return (
        PersonalAccessToken.objects.select_related("owner")
        .filter(live, digest=secret_digest(secret), revoked_at__isnull=True, owner__is_active=True)
        .first()
    )


def oauth_connections(*, user: AbstractBaseUser) -> list[dict]:
    """The OAuth clients the user has allowed and not cut off: one row per client, with the scopes
    of its newest live token and when that was issued."""
    live = Q(expires__gt=timezone.now()) | Q(refresh_token__isnull=False, refresh_token__revoked__isnull=True)
    tokens = (
        get_access_token_model().objects.filter(live, user_id=user.pk, application__isnull=False)
        .select_related("application").order_by("-created")
    )
    connections: dict[int, dict] = {}
    for token in tokens:
        connections.setdefault(token.application_id, {
            "application_id": token.application_id,
            "name": token.application.name or token.application.client_id,
            "scopes": token.scope.split(),
            "since": token.created,
        })
    return list(connections.values())


def oauth_tokens_of(*, user: AbstractBaseUser, application_id: int) -> tuple[QuerySet, QuerySet]:
    """The user's access and refresh tokens from one OAuth client."""
    return (
        get_access_token_model().objects.filter(user_id=user.pk, application_id=application_id),
        get_refresh_token_model().objects.filter(user_id=user.pk, application_id=application_id, revoked__isnull=True),
    )
