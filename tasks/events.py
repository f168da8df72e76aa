"""Announcing task changes to the owner's open pages.

Services call `announce_after_commit`; the message goes out only once the change is
durable, to a channel-layer group per user, so every page the user has open, on any
process sharing the layer (Redis), hears it as a `tasks.changed` frame.
"""

import asyncio
import logging
from contextvars import ContextVar
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from . import counts

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"tasks-user-{user_id}"


async def _send(group: str, message: dict[str, Any]) -> None:
    try:
        await get_channel_layer().group_send(group, message)
    except Exception:  # noqa: BLE001 - the change is saved; a lost notification must not undo it
        logger.exception("task change announcement failed", extra={"action": message.get("action")})


class DeferredAnnouncements:
    """Sends announcements from an event loop instead of waiting for them in the worker thread
    whose commit made them, in the order they were made.

    An agent tool's write runs in a worker thread (core.db.orm_unit), and a blocking
    group_send there waits about 2 ms for the loop and Redis before the tool can answer, on every
    write of every chat turn. The owner of the loop (ChatTurn) opens one of these for a turn and
    closes it before it reports the turn over, which waits for the sends it holds; so they are
    never lost with a loop that ends with the turn (the REST endpoint's). Once closed, or when its
    loop has gone, `submit` declines and the caller sends inline as before.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._last: asyncio.Task | None = None
        self._open = True

    def submit(self, group: str, message: dict[str, Any]) -> bool:
        """From any thread: queue the send and return True, or False if the caller must send it."""
        if not self._open or self._loop.is_closed():
            return False
        try:
            self._loop.call_soon_threadsafe(self._chain, group, message)
        except RuntimeError:  # the loop closed in between
            return False
        return True

    def _chain(self, group: str, message: dict[str, Any]) -> None:
        # On the loop. Each send waits for the one before it, so a page never sees "completed"
        # overtaken by an older "created" of the same task.
        self._last = self._loop.create_task(self._send_after(self._last, group, message))

    @staticmethod
    async def _send_after(previous: asyncio.Task | None, group: str, message: dict[str, Any]) -> None:
        if previous is not None:
            await asyncio.wait({previous})
        await _send(group, message)

    async def close(self) -> None:
        """No more deferring (later announcements go inline); waits for the ones already queued."""
        self._open = False
        if self._last is not None:
            await asyncio.wait({self._last})


_deferred: ContextVar[DeferredAnnouncements | None] = ContextVar("deferred_announcements", default=None)


def defer_announcements() -> DeferredAnnouncements:
    """From async code: announcements made under this context (worker threads of orm_unit and tasks
    started from here inherit it) are sent from the running loop. Close what this returns."""
    deferred = DeferredAnnouncements(asyncio.get_running_loop())
    _deferred.set(deferred)
    return deferred


def announce(user_id: int, action: str, task: dict[str, Any] | None) -> None:
    send_to_user(user_id, {"type": "tasks.changed", "action": action, "task": task})


def send_to_user(user_id: int, message: dict[str, Any]) -> None:
    """Sends a channel-layer message to every open page of the user (`type` names the consumer's
    handler: "tasks.changed" -> tasks_changed), deferred to the turn's loop when there is one."""
    if get_channel_layer() is None:
        return
    group = user_group(user_id)
    deferred = _deferred.get()
    if deferred is not None and deferred.submit(group, message):
        return
    async_to_sync(_send)(group, message)


def announce_after_commit(user_id: int, action: str, task: dict[str, Any] | None) -> None:
    def after_commit() -> None:
        counts.committed(user_id)  # the list totals cached before the change (tasks/counts.py)
        announce(user_id, action, task)

    transaction.on_commit(after_commit)
