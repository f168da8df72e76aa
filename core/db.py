"""How async code (the chat consumer, ChatTurn, agent tools) reaches the ORM."""

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import close_old_connections

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def _parallel_executor() -> ThreadPoolExecutor | None:
    """The threads units run on, as many as the pool has connections (so a unit never waits for
    one), or None on SQLite, where units keep to asgiref's one thread."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return None
    pool = database.get("OPTIONS", {}).get("pool")
    # psycopg's pool: max_size defaults to min_size, which defaults to 4.
    size = (pool.get("max_size") or pool.get("min_size") or 4) if isinstance(pool, dict) else 4
    return ThreadPoolExecutor(max_workers=size, thread_name_prefix="orm-unit")


def orm_unit(fn: Callable[P, R]) -> Callable[P, R]:
    """`database_sync_to_async` for one unit of ORM work that owns its transaction and returns
    evaluated data. On PostgreSQL it runs on any of a pool of threads, not the one shared thread.

    asgiref's default (thread_sensitive) sends every sync call of a process to a single thread,
    so one turn's commit waiting on PostgreSQL held up every other connection's turn: one daphne
    process topped out at 10 turns/s with its CPU half idle (bench/concurrency.py). A unit shares
    no state with the thread it runs on (Django gives each thread its own connection, from the
    pool), so it needs no particular thread. SQLite takes one writer at a time anyway, and its
    in-memory test database refuses a second writer thread outright instead of waiting, so
    there the units keep to the one thread.
    """

    @functools.wraps(fn)
    def unit(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        finally:
            # The unit is done: its connection goes back (to the pool, on PostgreSQL) now. channels
            # does the same around each crossing, except under its test communicators, which turn
            # that off; with units spread over many threads the pool would then run dry.
            close_old_connections()

    executor = _parallel_executor()
    if executor is None:
        return database_sync_to_async(unit)
    return database_sync_to_async(unit, thread_sensitive=False, executor=executor)
