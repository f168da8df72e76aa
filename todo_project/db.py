"""How async code (the chat consumer, ChatTurn, agent tools) reaches the ORM."""

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import close_old_connections

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def _takes_parallel_writers() -> bool:
    return not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


def orm_unit(fn: Callable[P, R]) -> Callable[P, R]:
    """`database_sync_to_async` for one unit of ORM work that owns its transaction and returns
    evaluated data. On PostgreSQL it runs on any thread of the event loop's pool, not the one
    shared thread.

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

    return database_sync_to_async(unit, thread_sensitive=not _takes_parallel_writers())
