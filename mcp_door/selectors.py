"""Reads of personal access tokens, scoped to their owner."""

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

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
