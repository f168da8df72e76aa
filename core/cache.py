"""Django's Redis cache with one connection pool per process.

Django keeps cache objects per async context: `caches` is an asgiref Local that is not
thread-critical, so under daphne every request, and every `sync_to_async` crossing (each runs
in a copy of its caller's context), starts with no cache object and makes a new one. Django's
`RedisCache` builds its client, and with it a fresh redis-py connection pool, per object. So each
chat turn opened two new TCP connections to Redis (the turn's claim and its finish, chat.limits)
and each throttled API request one, and left them for the garbage collector to close: about 2 ms
of connect and handshake each, and a stream of short-lived connections on the Redis server (Django
PR 18459 is the open fix upstream). Here the client is made once per LOCATION and OPTIONS and
shared: redis-py clients and pools are thread-safe, and a pool opens connections as they are needed.

It also counts in one round trip (`incr_from`), which the task list's cached totals use on every
task change (tasks/counts.py).
"""

import threading
from typing import Any, ClassVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property


class _SharedRedisCacheClient(RedisCacheClient):
    """Also keeps one redis-py client per pool: making one per call costs ~0.1 ms of CPU."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class SharedPoolRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` whose cache objects share one client."""

    _shared: ClassVar[dict[tuple[Any, ...], _SharedRedisCacheClient]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    @cached_property
    def _cache(self) -> _SharedRedisCacheClient:
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        client = self._shared.get(key)
        if client is None:
            with self._shared_lock:
                client = self._shared.get(key)
                if client is None:
                    client = self._shared[key] = _SharedRedisCacheClient(self._servers, **self._options)
        return client

    def incr_from(self, key: str, start: int) -> int:
        """Adds one to the integer at `key`, first setting it to `start` if it is missing, in one
        round trip. Django's incr() asks EXISTS first and raises on a missing key: two round trips,
        and a second call to set it."""
        key = self.make_and_validate_key(key)
        pipe = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipe.set(key, start, nx=True)
        pipe.incr(key)
        return pipe.execute()[1]
