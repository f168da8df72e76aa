"""JWT authentication whose user lookup goes through the cache.

simplejwt's JWTAuthentication reads the token's user from the database on every request, to
refuse a deleted or deactivated account and a token minted before a password change. That one
query was the largest fixed cost of an API request: 15-20% of the server time of
`GET /api/tasks/?limit=50` on a cheap filter (bench/task_api.py), more than serializing the page.

Here the user comes from Django's cache (Redis when REDIS_URL is set, shared by every process)
and the same three checks run on it for every request. Any save or delete of a user drops its
entry (the signal receivers below, connected at startup in TodoProjectConfig.ready), so
deactivating an account in the admin or changing a password takes effect on the very next
request, in every process. A change that bypasses model signals (a queryset .update() or raw
SQL) is seen when the entry expires: USER_CACHE_SECONDS bounds that.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password

USER_CACHE_SECONDS = 300


def _cache_key(user_id: Any) -> str:
    return f"auth:user:{user_id}"


def forget_user(user_id: Any) -> None:
    """Drops the cached copy of a user: the next request reads the database."""
    cache.delete(_cache_key(user_id))


def _user_for_id(user_id: Any):
    key = _cache_key(user_id)
    user = cache.get(key)
    if user is None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{api_settings.USER_ID_FIELD: user_id})
        except user_model.DoesNotExist as e:
            raise AuthenticationFailed(_("User not found"), code="user_not_found") from e
        cache.set(key, user, USER_CACHE_SECONDS)
    return user


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's JWTAuthentication, with the same checks and error codes, and the user cached."""

    def get_user(self, validated_token: Token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as e:
            raise InvalidToken(_("Token contained no recognizable user identification")) from e
        user = _user_for_id(user_id)
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user


def user_changed(sender, instance, **kwargs) -> None:
    """post_save / post_delete of the user model."""
    forget_user(getattr(instance, api_settings.USER_ID_FIELD))
