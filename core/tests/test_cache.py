"""The shared Redis cache (core/cache.py): what tasks.counts relies on when it counts a change."""

import os
import uuid

import pytest

from core.cache import SharedPoolRedisCache


@pytest.fixture
def redis_cache():
    url = os.environ.get("REDIS_URL")
    if not url:
        reason = "needs Redis: REDIS_URL is not set"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
        print(f"SKIP {reason}")
        pytest.skip(reason)
    cache = SharedPoolRedisCache(url, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield cache
    cache.delete("version")


def test_incr_from_starts_a_missing_counter_at_its_start_then_counts_on(redis_cache):
    assert redis_cache.incr_from("version", 1_000) == 1_001
    assert redis_cache.incr_from("version", 5) == 1_002  # the start only applies to a missing key
    assert redis_cache.get("version") == 1_002  # what cache.get() reads back is the same number


def test_incr_from_counts_on_from_a_value_set_through_the_cache(redis_cache):
    redis_cache.set("version", 41, timeout=None)
    assert redis_cache.incr_from("version", 7) == 42
    redis_cache.delete("version")
    assert redis_cache.incr_from("version", 7) == 8  # lost: a fresh start, not an error


@pytest.mark.django_db(transaction=True)
async def test_crossings_into_sync_code_reuse_redis_connections(redis_cache, settings):
    # Each crossing into sync code runs in a new async context, where Django makes a new cache
    # object. With Django's own RedisCache each of those opened a new connection to Redis (about
    # 2 ms, and one more short-lived connection on the server for every chat turn's limit claim).
    import asyncio
    import contextvars

    import redis
    from django.core.cache import cache

    from core.db import orm_unit

    if not settings.REDIS_URL:
        pytest.skip("the site's cache is Redis only when REDIS_URL is set at start")
    server = redis.Redis.from_url(settings.REDIS_URL)

    def connections_received() -> int:
        return server.info("stats")["total_connections_received"]

    def a_request_worth_of_cache() -> None:
        key = f"crossing-{uuid.uuid4().hex}"
        cache.set(key, 1, 5)
        assert cache.incr(key) == 2
        cache.delete(key)

    async def in_new_context() -> None:
        # As on daphne, where no cache object exists yet in a consumer's context (here the test's
        # fixtures have made one, which every crossing from the test's own context would inherit).
        await asyncio.create_task(orm_unit(a_request_worth_of_cache)(), context=contextvars.Context())

    try:
        await in_new_context()  # the pool's first connections
        before = connections_received()
        for _ in range(8):
            await in_new_context()
        opened = connections_received() - before
    finally:
        server.close()

    # Django's own backend opens 8 here, one per crossing. The count is the server's, so leave a
    # little room for a pool growing under other threads or another client of the same Redis.
    assert opened <= 2
