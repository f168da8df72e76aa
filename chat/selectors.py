"""Every read of conversations and messages, scoped to the acting user."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from core.errors import NotFoundError
from core.lookups import owned_row

from .models import Conversation, Message


class ConversationNotFound(NotFoundError):
    """Missing or someone else's conversation: callers cannot tell which."""

    def __init__(self, conversation_id: object):
        self.conversation_id = conversation_id
        super().__init__()

    def __str__(self) -> str:
        return f"No conversation {self.conversation_id}"


def conversation_list(*, user: AbstractBaseUser) -> QuerySet[Conversation]:
    """The user's conversations, most recently active first."""
    return Conversation.objects.filter(owner_id=user.pk).order_by("-updated_at", "-id")


def conversation_get(*, user: AbstractBaseUser, conversation_id: object) -> Conversation:
    return owned_row(Conversation.objects, user=user, raw_id=conversation_id, missing=ConversationNotFound)


class MessageNotFound(NotFoundError):
    """A `before` cursor that names no message of this conversation."""


def conversation_messages(
    *, conversation: Conversation, before: int | None = None, limit: int | None = None
) -> tuple[list[Message], bool]:
    """The latest `limit` (settings.CHAT_CONVERSATION_MESSAGES) messages of a conversation the caller
    already holds (so already owner-checked), oldest first, and whether earlier ones exist.

    `before` (a message id of this conversation) pages back: the messages just before that one.
    A page is one indexed query however long the conversation is.
    """
    limit = settings.CHAT_CONVERSATION_MESSAGES if limit is None else limit
    messages = conversation.messages.all()
    if before is not None:
        cursor = messages.filter(pk=before).values("created_at", "id").first()
        if cursor is None:
            raise MessageNotFound(before)
        # The same (created_at, id) order as the page, so no message is skipped or shown twice.
        messages = messages.filter(
            Q(created_at__lt=cursor["created_at"]) | Q(created_at=cursor["created_at"], id__lt=cursor["id"])
        )
    page = list(messages.order_by("-created_at", "-id")[: limit + 1])
    has_earlier = len(page) > limit
    page = page[:limit]
    page.reverse()
    return page, has_earlier


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
    rows = list(qs.order_by("-created_at", "-id").values("id", "role", "content", "tool_calls", "status", "pending")[:limit])
    rows.reverse()
    return rows
