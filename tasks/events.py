"""Announcing task changes to the owner's open pages.

Services call `announce_after_commit`; the message goes out only once the change is
durable, to a channel-layer group per user, so every page the user has open, on any
process sharing the layer (Redis), hears it as a `tasks.changed` frame.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"tasks-user-{user_id}"


def announce(user_id: int, action: str, task: dict[str, Any] | None) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            user_group(user_id), {"type": "tasks.changed", "action": action, "task": task}
        )
    except Exception:  # noqa: BLE001 - the change is saved; a lost notification must not undo it
        logger.exception("task change announcement failed", extra={"action": action})


def announce_after_commit(user_id: int, action: str, task: dict[str, Any] | None) -> None:
    transaction.on_commit(lambda: announce(user_id, action, task))
