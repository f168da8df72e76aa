"""Fixed-window counters in Django's cache, for every limit of the project: chat turns
(chat.limits) and the doors that check a password or make an account (todo_project.auth_limits).

The cache is Redis when REDIS_URL is set, so a count holds across processes; with the
local-memory cache it holds within one process. `add` then `incr` is atomic in both.
"""

from __future__ import annotations

import time

from django.core.cache import cache as default_cache
from django.core.cache.backends.base import BaseCache

_PERIODS = {
    "s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60,
    "h": 3600, "hour": 3600, "d": 86400, "day": 86400,
}


def parse_rate(rate: str) -> tuple[int, int]:
    """'20/min' -> (20, 60): the same notation as DRF throttle rates."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


def window(rate: str, now: float | None = None) -> tuple[int, int, int, float]:
    """(limit, period, start of the current window, now) for a rate."""
    limit, period = parse_rate(rate)
    now = time.time() if now is None else now
    return limit, period, int(now // period) * period, now


def seconds_to_wait(window_start: int, period: int, now: float) -> int:
    return max(1, int(window_start + period - now))


def add_to_counter(key: str, amount: int, *, timeout: int, cache: BaseCache = default_cache) -> int:
    """Adds to a counter that expires after `timeout` seconds and returns its new value."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key, amount)
    except ValueError:  # the key expired between add and incr: this is its first count
        cache.add(key, amount, timeout=timeout)
        return amount


def count_hit(name: str, rate: str, *, now: float | None = None) -> int | None:
    """Counts one hit on the counter `name` against `rate`; returns the seconds to wait when
    that is over the rate, else None."""
    limit, period, window_start, now = window(rate, now)
    if add_to_counter(f"{name}:{window_start}", 1, timeout=period + 1) > limit:
        return seconds_to_wait(window_start, period, now)
    return None


def rate_spent(name: str, rate: str, *, now: float | None = None) -> int | None:
    """Without counting: the seconds to wait when `name` has used all of `rate` in this window, else None."""
    limit, period, window_start, now = window(rate, now)
    if int(default_cache.get(f"{name}:{window_start}", 0)) >= limit:
        return seconds_to_wait(window_start, period, now)
    return None
