import asyncio
import contextvars

import pytest
import redis
from django.conf import settings

from chat import limits
from core.db import orm_unit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="the cache is Redis only when REDIS_URL is set"),
]


async def test_chat_turn_limits_reuse_redis_connections_across_crossings(user):
    # Each crossing into sync code runs in a new async context, where Django makes a new cache
    # object. With Django's own RedisCache each of those opened a new connection to Redis (about
    # 2 ms, and one more short-lived connection on the server for every claim and finish).
    server = redis.Redis.from_url(settings.REDIS_URL)

    def connections_received() -> int:
        return server.info("stats")["total_connections_received"]

    def claim_and_finish() -> None:
        claim = limits.claim_turn(user.pk)
        assert claim.token is not None, claim
        limits.finish_turn(user.pk, claim.token, 0)

    async def in_new_context() -> None:
        # As on daphne, where no cache object exists yet in a consumer's context (here the test's
        # fixtures have made one, which every crossing from the test's own context would inherit).
        await asyncio.create_task(orm_unit(claim_and_finish)(), context=contextvars.Context())

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
