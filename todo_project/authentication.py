"""JWT authentication whose user lookup goes through the cache.

simplejwt's JWTAuthentication reads the token's user from the database on every request, to
refuse a deleted or deactivated account and a token minted before a password change. That one
query was the largest fixed cost of an API request: 15-20% of the server time of
`GET /api/tasks/?limit=50` on a cheap filter (bench/task_api.py), more than serializing the page.

Here the user comes from Django's cache when that cache is shared by every process (Redis, when
REDIS_URL is set), and the same three checks run on it for every request. Any save or delete of a
user drops its entry (the signal receivers below, connected at startup in TodoProjectConfig.ready),
so deactivating an account in the admin or changing a password takes effect on the very next
request, in every process. A change that bypasses model signals (a queryset .update() or raw
SQL) is seen when the entry expires: USER_CACHE_SECONDS bounds that.

With the per-process local-memory cache (no REDIS_URL) a change made in another process (a
second daphne, `manage.py shell`) would drop only that process's copy and leave the old token
working here for minutes, so then the user is read from the database on every request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.settings import api_settings

USER_CACHE_SECONDS = 300


def _cache_key(user_id: Any) -> str:
    return f"auth:user:{user_id}"


def forget_user(user_id: Any) -> None:
    """Drops the cached copy of a user: the next request reads the database."""
    cache.delete(_cache_key(user_id))


class _CachedUsers:
    """Stands in for the user model where simplejwt's get_user looks the token's user up: its
    `objects.get(id=...)` reads through the cache. simplejwt's own checks (missing, inactive,
    password changed) then run on what it returns, so they are not written a second time here."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.DoesNotExist = model.DoesNotExist
        self.objects = self

    def get(self, **lookup: Any) -> Any:
        (user_id,) = lookup.values()
        key = _cache_key(user_id)
        user = cache.get(key)
        if user is None:
            user = self.model.objects.get(**lookup)  # DoesNotExist: simplejwt answers user_not_found
            cache.set(key, user, USER_CACHE_SECONDS)
        return user


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's JWTAuthentication, its checks and error codes unchanged, with the user cached."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cache_is_shared():
            self.user_model = _CachedUsers(get_user_model())
        # else simplejwt's own lookup: the database, on every request


def cache_is_shared() -> bool:
    """Whether every process sees the same cache, so that dropping an entry reaches them all."""
    return not isinstance(caches["default"], LocMemCache)


def user_changed(sender, instance, **kwargs) -> None:
    """post_save / post_delete of the user model."""
    forget_user(getattr(instance, api_settings.USER_ID_FIELD))
