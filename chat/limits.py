"""Per-user limits on chat turns: a rate limit, one running turn at a time, a daily token budget.

All three live in Django's cache, which is Redis when REDIS_URL is set, so they hold across
websocket connections, the REST endpoint and every daphne process. With the local-memory cache
(no REDIS_URL) they hold within one process, which is all a single-process setup has.

`ChatTurn` calls `claim_turn` (rate, then budget, then the lock) before saving anything and raises
ChatInputError with the code it returns; `finish_turn` (tokens spent, then the lock) runs when the
turn ends. On Redis each of the two is one round trip, a Lua script (a refused claim that found
the lock free gives it back in a second one); on any other cache they are the single-step
functions below, one after the other. The rules are the same Python for both, and both use the
same keys and values, so the single-step functions and the scripts can be mixed freely.
A crashed process never releases its lock: the lock expires after the longest a turn can run.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone

RATE_LIMITED = "rate_limited"
BUSY = "busy"
BUDGET_EXHAUSTED = "budget_exhausted"

_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'20/min' -> (20, 60): the same notation as DRF throttle rates."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


def _rate_key(user_id: int, window_start: int) -> str:
    return f"{_rate_name(user_id)}:{window_start}"


def _rate_name(user_id: int) -> str:
    return f"chat:rate:{user_id}"


def _window(rate: str, now: float | None) -> tuple[int, int, int, float]:
    """(limit, period, window start, now) for a rate: a fixed window of `period` seconds."""
    limit, period = parse_rate(rate)
    now = time.time() if now is None else now
    return limit, period, int(now // period) * period, now


def _rate_window(now: float | None) -> tuple[int, int, int, float]:
    return _window(settings.CHAT_TURN_RATE, now)


def _seconds_to_wait(window_start: int, period: int, now: float) -> int:
    return max(1, int(window_start + period - now))


def count_hit(name: str, rate: str, *, now: float | None = None) -> int | None:
    """Counts one hit on the counter `name` against `rate` ('20/min'); returns the seconds to wait
    when that is over the rate, else None. The other limits (auth doors) count with this too."""
    limit, period, window_start, now = _window(rate, now)
    if _over_rate(_count(f"{name}:{window_start}", period), limit):
        return _seconds_to_wait(window_start, period, now)
    return None


def rate_spent(name: str, rate: str, *, now: float | None = None) -> int | None:
    """Without counting: the seconds to wait when `name` has used all of `rate` in this window, else None."""
    limit, period, window_start, now = _window(rate, now)
    if int(cache.get(f"{name}:{window_start}", 0)) >= limit:
        return _seconds_to_wait(window_start, period, now)
    return None


def check_rate(user_id: int, *, now: float | None = None) -> int | None:
    """Counts one turn; returns the seconds to wait when the user is over CHAT_TURN_RATE, else None."""
    return count_hit(_rate_name(user_id), settings.CHAT_TURN_RATE, now=now)


def _count_turn(user_id: int, window_start: int, period: int) -> int:
    return _count(_rate_key(user_id, window_start), period)


def _count(key: str, period: int) -> int:
    """Adds one to the window's counter and returns the count. `cache.add` creates the counter
    with the window as its expiry and `cache.incr` is atomic in Redis and in the local-memory
    cache, so two processes cannot both take the last slot."""
    cache.add(key, 0, timeout=period + 1)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr: this is the window's first hit
        cache.add(key, 1, timeout=period + 1)
        return 1


def _over_rate(count: int, limit: int) -> bool:
    return count > limit


# --- one running turn per user ---


def _turn_key(user_id: int) -> str:
    return f"chat:turn:{user_id}"


def turn_lock_seconds() -> int:
    """How long a lock outlives a process that died mid-turn: the whole-turn timeout plus a margin."""
    return int(settings.AGENT_TIMEOUT_S) + 30


def _new_token() -> int:
    # An int, not a string: Django's Redis cache stores ints as plain numbers (strings are pickled),
    # so the Lua scripts below can compare and write the same value the cache API reads.
    return secrets.randbits(62)


def acquire_turn(user_id: int) -> int | None:
    """Takes the user's turn lock; returns a token to release it with, or None when a turn runs."""
    token = _new_token()
    # `add` only sets a missing key, atomically (Redis SET NX), across every process.
    return token if cache.add(_turn_key(user_id), token, timeout=turn_lock_seconds()) else None


def release_turn(user_id: int, token: object) -> None:
    """Releases the lock if it is still ours (it may have expired and been taken by a newer turn)."""
    if token is not None and cache.get(_turn_key(user_id)) == token:
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
    return not _budget_spent(lambda: tokens_used_today(user_id))


def _budget_spent(used_today) -> bool:
    """Whether the day's budget is used up; `used_today()` is only asked when a budget is set."""
    budget = settings.AGENT_DAILY_TOKEN_BUDGET
    return budget > 0 and used_today() >= budget


def _budget_seconds() -> int:
    # Two days, so the counter outlives the day it counts whatever the timezone.
    return 2 * 86400


def record_tokens(user_id: int, tokens: int) -> int:
    """Adds the tokens a turn used (as the model reported them) to today's count; returns the total."""
    key = _budget_key(user_id, timezone.localdate())
    if tokens <= 0:
        return int(cache.get(key, 0))
    cache.add(key, 0, timeout=_budget_seconds())
    try:
        return cache.incr(key, tokens)
    except ValueError:
        cache.add(key, tokens, timeout=_budget_seconds())
        return tokens


# --- a turn's limits in one step each (what ChatTurn calls) ---

# The scripts only count, read and swap values; the rules (the limit, the budget, the order of
# the checks) stay in Python, shared with the single-step functions.

# KEYS: rate counter, token count, turn lock. ARGV: rate window seconds, token, lock seconds.
# Counts the turn, reads today's tokens and takes the lock if it is free: {count, tokens, taken}.
_CLAIM_LUA = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
local taken = redis.call('SET', KEYS[3], ARGV[2], 'NX', 'EX', ARGV[3]) and 1 or 0
return {count, used, taken}
"""

# KEYS: token count, turn lock. ARGV: tokens used, token count seconds, token.
_FINISH_LUA = """
if tonumber(ARGV[1]) > 0 then
  redis.call('INCRBY', KEYS[1], ARGV[1])
  if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
end
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 0
"""

_scripts: dict[str, object] = {}


def _redis_script(name: str, source: str):
    """The registered script and a client for it, or None when the cache is not Redis."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    client = backend._cache.get_client(write=True)  # django's RedisCacheClient: the way to redis-py
    script = _scripts.get(name)
    if script is None:
        script = _scripts[name] = client.register_script(source)
    return script, client


@dataclass(frozen=True, slots=True)
class Claim:
    """What `claim_turn` decided: `token` when the turn may run, else the refusal's `code`
    (RATE_LIMITED with `wait` seconds, BUDGET_EXHAUSTED or BUSY)."""

    code: str | None = None
    token: int | None = None
    wait: int | None = None


def claim_turn(user_id: int, *, now: float | None = None) -> Claim:
    """Counts the turn against the rate, checks the budget, then takes the lock, in that order: a
    turn over the rate or the budget is refused as such (even while another turn runs) and holds
    no lock afterwards; a busy one still counts against the rate."""
    limit, period, window_start, now = _rate_window(now)
    redis_script = _redis_script("claim", _CLAIM_LUA)
    if redis_script is None:
        count = _count_turn(user_id, window_start, period)
        refusal = _refusal(count, limit, lambda: tokens_used_today(user_id), window_start, period, now)
        if refusal is not None:
            return refusal
        token = acquire_turn(user_id)
        return Claim(token=token) if token is not None else Claim(BUSY)

    script, client = redis_script
    token = _new_token()
    keys = [
        cache.make_and_validate_key(_rate_key(user_id, window_start)),
        cache.make_and_validate_key(_budget_key(user_id, timezone.localdate())),
        cache.make_and_validate_key(_turn_key(user_id)),
    ]
    count, used, taken = (int(value) for value in script(keys=keys, args=[period + 1, token, turn_lock_seconds()], client=client))
    refusal = _refusal(count, limit, lambda: used, window_start, period, now)
    if refusal is not None:
        if taken:
            release_turn(user_id, token)  # taken with the count in one trip; the turn may not run
        return refusal
    return Claim(token=token) if taken else Claim(BUSY)


def _refusal(count: int, limit: int, used_today, window_start: int, period: int, now: float) -> Claim | None:
    if _over_rate(count, limit):
        return Claim(RATE_LIMITED, wait=_seconds_to_wait(window_start, period, now))
    if _budget_spent(used_today):
        return Claim(BUDGET_EXHAUSTED)
    return None


def finish_turn(user_id: int, token: int | None, tokens_used: int) -> None:
    """Adds the tokens the turn used to today's count and releases the lock if it is still ours
    (compare-and-delete, atomic on Redis: a lock that expired and went to a newer turn stays)."""
    redis_script = _redis_script("finish", _FINISH_LUA)
    if redis_script is None:
        record_tokens(user_id, tokens_used)
        release_turn(user_id, token)
        return
    script, client = redis_script
    keys = [
        cache.make_and_validate_key(_budget_key(user_id, timezone.localdate())),
        cache.make_and_validate_key(_turn_key(user_id)),
    ]
    args = [max(0, int(tokens_used)), _budget_seconds(), "" if token is None else int(token)]
    script(keys=keys, args=args, client=client)
