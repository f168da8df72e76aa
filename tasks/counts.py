"""The task list's total (`count`), kept in the shared cache until the user's tasks change.

A full page of `GET /api/tasks/` needs COUNT(*) over the user's matching tasks. PostgreSQL counts
them from an index, but still visits every entry: 7 to 10 ms for a user with 100,000 tasks, most
of the request's time, and paid again by every request for the next page of the same list.

Each user has a version number in the cache; a count is stored under the user, the version and
the list's filters. Every change to a user's tasks goes through the services, which journal it
(tasks.journal) and announce it after commit (tasks.events): the first moves the version on at
once, the second again when the transaction commits, so the next list counts afresh, and a count taken while the change was
committing is stored under a version never read again. Saving a Task outside the services (the shell, tests) moves it
too (post_save); a queryset .update()/.delete() outside them is seen when the entry expires
(COUNT_SECONDS).

Only with a cache that every process shares (Redis, REDIS_URL): with per-process local memory a
change made by another process would leave this one's count wrong, so then every list counts.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache

COUNT_SECONDS = 600


def enabled() -> bool:
    wanted = getattr(settings, "TASK_COUNT_CACHE", None)
    if wanted is not None:
        return bool(wanted)
    return not isinstance(caches["default"], LocMemCache)


def _version_key(user_id: int) -> str:
    return f"tasks:count-version:{user_id}"


def _version(user_id: int) -> int:
    version = cache.get(_version_key(user_id))
    if version is None:
        # A fresh number (not 0) after the key was lost: counts stored under an earlier one stay unread.
        version = time.time_ns()
        if not cache.add(_version_key(user_id), version, timeout=None):
            version = cache.get(_version_key(user_id), version)
    return version


def cached_count(user_id: int, filters: str, count: Callable[[], int]) -> int:
    """The user's count for `filters` (any text naming the list's filters), from the cache or count()."""
    if not enabled():
        return count()
    digest = hashlib.blake2b(filters.encode(), digest_size=12).hexdigest()
    key = f"tasks:count:{user_id}:{_version(user_id)}:{digest}"
    value = cache.get(key)
    if value is None:
        value = count()
        cache.set(key, value, COUNT_SECONDS)
    return value


def _bump(user_id: int) -> None:
    incr_from = getattr(cache, "incr_from", None)  # core.cache's Redis cache: one round trip
    if incr_from is not None:
        # A missing version starts from a fresh number: counts stored under earlier ones stay unread.
        incr_from(_version_key(user_id), time.time_ns())
        return
    try:
        cache.incr(_version_key(user_id))
    except ValueError:  # no version yet (or it was lost): any new one differs from every earlier one
        cache.set(_version_key(user_id), time.time_ns(), timeout=None)


def tasks_changed(user_id: int) -> None:
    """The user's tasks changed in the current transaction: their counts are stale now.

    The services move the version on a second time once the change commits (committed(), from
    the announcement they send then: tasks.events): a list counted in between still saw the rows
    before the change and stored that under the first new version, which the second retires."""
    if enabled():
        _bump(user_id)


def committed(user_id: int) -> None:
    """A change to the user's tasks has committed (see tasks_changed)."""
    if enabled():
        _bump(user_id)


def task_saved(sender, instance, **kwargs) -> None:
    """post_save of Task: a save outside the services (they also report through the journal)."""
    tasks_changed(instance.owner_id)
