"""Per-user limits on chat turns: a rate limit, one running turn at a time, a daily token budget.

All three live in Django's cache, which is Redis when REDIS_URL is set, so they hold across
websocket connections, the REST endpoint and every daphne process. With the local-memory cache
(no REDIS_URL) they hold within one process, which is all a single-process setup has.

`ChatTurn.start()` calls `check_rate`, `check_budget` and `acquire_turn` before saving anything
and raises ChatInputError with the code returned here; `release_turn` runs when the turn ends.
A crashed process never releases its lock: the lock expires after the longest a turn can run.
"""

from __future__ import annotations

import time
import uuid
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

RATE_LIMITED = "rate_limited"
BUSY = "busy"
BUDGET_EXHAUSTED = "budget_exhausted"

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'20/min' -> (20, 60): the same notation as DRF throttle rates."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


def _rate_key(user_id: int, window_start: int) -> str:
    return f"chat:rate:{user_id}:{window_start}"


def check_rate(user_id: int, *, now: float | None = None) -> int | None:
    """Counts one turn; returns the seconds to wait when the user is over CHAT_TURN_RATE, else None.

    A fixed window: `cache.add` creates the counter with the window as its expiry and
    `cache.incr` is atomic in Redis and in the local-memory cache, so two processes cannot
    both take the last slot.
    """
    limit, period = parse_rate(settings.CHAT_TURN_RATE)
    now = time.time() if now is None else now
    window_start = int(now // period) * period
    key = _rate_key(user_id, window_start)
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr: this is the window's first turn
        cache.add(key, 1, timeout=period + 1)
        count = 1
    if count > limit:
        return max(1, int(window_start + period - now))
    return None


# --- one running turn per user ---


def _turn_key(user_id: int) -> str:
    return f"chat:turn:{user_id}"


def turn_lock_seconds() -> int:
    """How long a lock outlives a process that died mid-turn: the whole-turn timeout plus a margin."""
    return int(settings.AGENT_TIMEOUT_S) + 30


def acquire_turn(user_id: int) -> str | None:
    """Takes the user's turn lock; returns a token to release it with, or None when a turn runs."""
    token = uuid.uuid4().hex
    # `add` only sets a missing key, atomically (Redis SET NX), across every process.
    return token if cache.add(_turn_key(user_id), token, timeout=turn_lock_seconds()) else None


def release_turn(user_id: int, token: str | None) -> None:
    """Releases the lock if it is still ours (it may have expired and been taken by a newer turn)."""
    if token and cache.get(_turn_key(user_id)) == token:
        cache.delete(_turn_key(user_id))


def turn_running(user_id: int) -> bool:
    return cache.get(_turn_key(user_id)) is not None


# --- daily token budget ---


def _budget_key(user_id: int, day: date) -> str:
    return f"chat:tokens:{user_id}:{day.isoformat()}"


def tokens_used_today(user_id: int) -> int:
    return int(cache.get(_budget_key(user_id, timezone.localdate()), 0))


def check_budget(user_id: int) -> bool:
    """True when the user may start a turn: no budget set (0), or today's usage is under it."""
    budget = settings.AGENT_DAILY_TOKEN_BUDGET
    return budget <= 0 or tokens_used_today(user_id) < budget


def record_tokens(user_id: int, tokens: int) -> int:
    """Adds the tokens a turn used (as the model reported them) to today's count; returns the total."""
    key = _budget_key(user_id, timezone.localdate())
    if tokens <= 0:
        return int(cache.get(key, 0))
    # Two days, so the counter outlives the day it counts whatever the timezone.
    cache.add(key, 0, timeout=2 * 86400)
    try:
        return cache.incr(key, tokens)
    except ValueError:
        cache.add(key, tokens, timeout=2 * 86400)
        return tokens
