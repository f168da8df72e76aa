"""A password change or deactivation made in another process stops the old token on its next use,
also without Redis (where each process has its own local-memory cache)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

LOCAL_MEMORY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


# A QuerySet.update() sends no signal: what another process's change looks like to this one (the
# other process drops only its own local-memory copy).
@pytest.mark.django_db
@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"password": make_password("changed-Elsewhere-42")}], ids=["deactivated", "password"]
)
def test_a_change_made_in_another_process_stops_the_token_at_once_without_a_shared_cache(settings, user, change):
    settings.CACHES = LOCAL_MEMORY_CACHE
    client = bearer(user)
    assert client.get("/api/tasks/").status_code == 200

    get_user_model().objects.filter(pk=user.pk).update(**change)

    response = client.get("/api/tasks/")
    assert response.status_code == 401
    assert response.json()["code"] in ("user_inactive", "token_not_valid", "password_changed")
