import asyncio
import threading
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections

from core.db import orm_unit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite takes one writer at a time: units share one thread there")
async def test_one_slow_unit_of_orm_work_does_not_hold_up_another_on_postgresql(user):
    # One user's turn waiting on the database (a commit, a row lock) must not stall everyone else's.
    release = threading.Event()

    def slow() -> str:
        release.wait(10)
        return "slow done"

    def quick() -> list[str]:
        return list(get_user_model().objects.filter(pk=user.pk).values_list("username", flat=True))

    slow_unit = asyncio.ensure_future(orm_unit(slow)())
    try:
        assert await asyncio.wait_for(orm_unit(quick)(), timeout=5) == [user.username]
    finally:
        release.set()
    assert await slow_unit == "slow done"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="Django never closes the in-memory SQLite test database's connections")
async def test_each_unit_hands_its_connection_back_when_done(user):
    # channels' test communicators switch off its own close around crossings (as they do during
    # the consumer tests); a unit must still give its connection back, or every thread that ran
    # one keeps a connection and the pool runs dry (the consumer tests hung on that).
    def username() -> str:
        return get_user_model().objects.get(pk=user.pk).username

    def holds_a_connection() -> bool:
        return connections["default"].connection is not None

    with mock.patch("channels.db.close_old_connections", lambda **kwargs: None):
        names = await asyncio.gather(*(orm_unit(username)() for _ in range(4)))
        # Idle threads take work in turn, so 30 probes visit every thread the units ran on.
        held = [await orm_unit(holds_a_connection)() for _ in range(30)]

    assert names == [user.username] * 4
    assert not any(held)
