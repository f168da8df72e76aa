"""What a test reads of the limits' state in the cache (the keys are chat.limits' own)."""

from django.core.cache import cache
from django.utils import timezone

from chat import limits


def turn_running(user_id: int) -> bool:
    return cache.get(limits.turn_key(user_id)) is not None


def tokens_used_today(user_id: int) -> int:
    return int(cache.get(limits.budget_key(user_id, timezone.localdate()), 0))
