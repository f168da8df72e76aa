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
