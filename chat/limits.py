"""Per-user limits on chat turns: a rate limit, one running turn at a time, a daily token budget.

All three live in Django's cache, which is Redis when REDIS_URL is set, so they hold across
websocket connections, the REST endpoint and every daphne process. With the local-memory cache
(no REDIS_URL) they hold within one process, which is all a single-process setup has.

`ChatTurn` calls `claim_turn` (rate, then budget, then the lock) before saving anything and raises
ChatInputError with the code it returns; `finish_turn` (tokens spent, then the lock) runs when the
turn ends. Both go through one interface, `TurnLimits`, whose rules (the limit, the budget, the
order of the checks) are written once; a backend only stores: `RedisTurnLimits` in one round trip
each (a Lua script), `CacheTurnLimits` in a few atomic steps of any Django cache. The backend is
chosen once, when the limits are built for a cache. Both use the same keys and values.
A crashed process never releases its lock: the lock expires after the longest a turn can run.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone

from core import ratelimit

RATE_LIMITED = "rate_limited"
BUSY = "busy"
BUDGET_EXHAUSTED = "budget_exhausted"

# Two days, so a day's token count outlives the day it counts whatever the timezone.
BUDGET_SECONDS = 2 * 86400


def rate_key(user_id: int, window_start: int) -> str:
    return f"chat:rate:{user_id}:{window_start}"


def turn_key(user_id: int) -> str:
    return f"chat:turn:{user_id}"


def budget_key(user_id: int, day: date) -> str:
    return f"chat:tokens:{user_id}:{day.isoformat()}"


def turn_lock_seconds() -> int:
    """How long a lock outlives a process that died mid-turn: the whole-turn timeout plus a margin."""
    return int(settings.AGENT_TIMEOUT_S) + 30


@dataclass(frozen=True, slots=True)
class Claim:
    """What `claim_turn` decided: `token` when the turn may run, else the refusal's `code`
    (RATE_LIMITED with `wait` seconds, BUDGET_EXHAUSTED or BUSY)."""

    code: str | None = None
    token: int | None = None
    wait: int | None = None


class TurnLimits:
    """The rules of a turn's limits; subclasses store the counts and the lock."""

    def __init__(self, cache: BaseCache) -> None:
        self.cache = cache

    def claim(self, user_id: int, *, now: float | None = None) -> Claim:
        """Counts the turn against the rate, checks the budget, then takes the lock, in that order:
        a turn over the rate or the budget is refused as such (even while another turn runs) and
        holds no lock afterwards; a busy one still counts against the rate."""
        limit, period, window_start, now = ratelimit.window(settings.CHAT_TURN_RATE, now)
        token = secrets.randbits(62)  # an int: Django's Redis cache stores it as a plain number
        count, used_today, taken = self._count_read_and_lock(user_id, window_start, period, token)
        budget = settings.AGENT_DAILY_TOKEN_BUDGET
        refusal = None
        if count > limit:
            refusal = Claim(RATE_LIMITED, wait=ratelimit.seconds_to_wait(window_start, period, now))
        elif budget > 0 and used_today >= budget:
            refusal = Claim(BUDGET_EXHAUSTED)
        if refusal is not None:
            if taken:
                self.finish(user_id, token, 0)  # taken with the count; the turn may not run
            return refusal
        return Claim(token=token) if taken else Claim(BUSY)

    def finish(self, user_id: int, token: int | None, tokens_used: int) -> None:
        """Adds the tokens the turn used (as the model reported them) to today's count and
        releases the lock if it is still ours: a lock that expired and went to a newer turn stays."""
        raise NotImplementedError

    def _count_read_and_lock(self, user_id: int, window_start: int, period: int, token: int) -> tuple[int, int, bool]:
        """Counts one turn in the rate window, reads today's tokens and takes the lock if it is
        free: (turns in the window, tokens today, whether the lock was taken)."""
        raise NotImplementedError


class CacheTurnLimits(TurnLimits):
    """Any Django cache: `add` (set if missing) and `incr` are atomic in Redis and in the
    local-memory cache, so two connections cannot both take the last slot or the lock."""

    def _count_read_and_lock(self, user_id: int, window_start: int, period: int, token: int) -> tuple[int, int, bool]:
        count = ratelimit.add_to_counter(rate_key(user_id, window_start), 1, timeout=period + 1, cache=self.cache)
        used_today = int(self.cache.get(budget_key(user_id, timezone.localdate()), 0))
        taken = self.cache.add(turn_key(user_id), token, timeout=turn_lock_seconds())
        return count, used_today, taken

    def finish(self, user_id: int, token: int | None, tokens_used: int) -> None:
        if tokens_used > 0:
            ratelimit.add_to_counter(budget_key(user_id, timezone.localdate()), tokens_used, timeout=BUDGET_SECONDS, cache=self.cache)
        if token is not None and self.cache.get(turn_key(user_id)) == token:
            self.cache.delete(turn_key(user_id))


# KEYS: rate counter, token count, turn lock. ARGV: rate window seconds, token, lock seconds.
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

_registered_scripts: dict[str, object] = {}


class RedisTurnLimits(TurnLimits):
    """Redis: each step is one round trip, a Lua script that only counts, reads and swaps values."""

    def __init__(self, cache: RedisCache) -> None:
        super().__init__(cache)
        self.client = cache._cache.get_client(write=True)  # django's RedisCacheClient: the way to redis-py

    def _script(self, source: str):
        script = _registered_scripts.get(source)
        if script is None:
            script = _registered_scripts[source] = self.client.register_script(source)
        return script

    def _count_read_and_lock(self, user_id: int, window_start: int, period: int, token: int) -> tuple[int, int, bool]:
        keys = [
            self.cache.make_and_validate_key(rate_key(user_id, window_start)),
            self.cache.make_and_validate_key(budget_key(user_id, timezone.localdate())),
            self.cache.make_and_validate_key(turn_key(user_id)),
        ]
        args = [period + 1, token, turn_lock_seconds()]
        count, used_today, taken = (int(v) for v in self._script(_CLAIM_LUA)(keys=keys, args=args, client=self.client))
        return count, used_today, bool(taken)

    def finish(self, user_id: int, token: int | None, tokens_used: int) -> None:
        keys = [
            self.cache.make_and_validate_key(budget_key(user_id, timezone.localdate())),
            self.cache.make_and_validate_key(turn_key(user_id)),
        ]
        args = [max(0, int(tokens_used)), BUDGET_SECONDS, "" if token is None else int(token)]
        self._script(_FINISH_LUA)(keys=keys, args=args, client=self.client)


def turn_limits() -> TurnLimits:
    """The limits on the default cache, with the backend that fits it."""
    cache = caches["default"]
    return RedisTurnLimits(cache) if isinstance(cache, RedisCache) else CacheTurnLimits(cache)


def claim_turn(user_id: int, *, now: float | None = None) -> Claim:
    return turn_limits().claim(user_id, now=now)


def finish_turn(user_id: int, token: int | None, tokens_used: int) -> None:
    turn_limits().finish(user_id, token, tokens_used)
