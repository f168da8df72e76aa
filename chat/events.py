"""Announcing conversation changes to the owner's open pages, so the conversation list of every
tab (on any process sharing the channel layer) follows new, renamed, busier and deleted ones.

The frame is `{"type": "conversations.changed", "action": "created" | "updated" | "deleted",
"conversation": {"id", "updated_at", "title"}}`, sent after the change commits; "created" once the
first turn has titled the conversation, "updated" after each later turn (without "title", which
did not change) and on a rename.
"""

from typing import Any

from django.db import transaction

from tasks.events import send_to_user

from .models import Conversation


def conversation_summary(conversation: Conversation) -> dict[str, Any]:
    return {"id": conversation.pk, "title": conversation.title, "updated_at": conversation.updated_at.isoformat()}


def announce_conversation_after_commit(*, user_id: int, action: str, conversation: dict[str, Any]) -> None:
    message = {"type": "conversations.changed", "action": action, "conversation": conversation}
    transaction.on_commit(lambda: send_to_user(user_id, message))
