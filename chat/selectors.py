"""Every read of conversations and messages, scoped to the acting user."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from .models import Conversation, Message


class ConversationNotFound(Exception):
    """Missing or someone else's conversation: callers cannot tell which."""

    def __init__(self, conversation_id: object):
        self.conversation_id = conversation_id
        super().__init__(f"No conversation {conversation_id}")


def conversation_list(*, user: AbstractBaseUser) -> QuerySet[Conversation]:
    """The user's conversations, most recently active first."""
    return Conversation.objects.filter(owner_id=user.pk).order_by("-updated_at", "-id")


def conversation_get(*, user: AbstractBaseUser, conversation_id: object) -> Conversation:
    try:
        pk = int(conversation_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConversationNotFound(conversation_id) from None
    try:
        return conversation_list(user=user).get(pk=pk)
    except Conversation.DoesNotExist:
        raise ConversationNotFound(conversation_id) from None


def conversation_messages(*, conversation: Conversation) -> list[Message]:
    """All messages of a conversation the caller already holds (so already owner-checked), oldest first."""
    return list(conversation.messages.order_by("created_at", "id"))


def history_window(
    *, user: AbstractBaseUser, conversation_id: int, before_message_id: int | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """The last `limit` (settings.CHAT_HISTORY_MESSAGES) messages before `before_message_id`, oldest first.

    One query, evaluated. Failed assistant turns are left out: their text is our error notice,
    not something the model said.
    """
    limit = settings.CHAT_HISTORY_MESSAGES if limit is None else limit
    if limit <= 0:
        return []
    qs = Message.objects.filter(conversation_id=conversation_id, conversation__owner_id=user.pk).exclude(
        role=Message.Role.ASSISTANT, status=Message.Status.ERROR
    )
    if before_message_id is not None:
        qs = qs.filter(id__lt=before_message_id)
    rows = list(qs.order_by("-created_at", "-id").values("id", "role", "content", "tool_calls", "status")[:limit])
    rows.reverse()
    return rows
