"""Every write of conversations and messages: the conversation services, and the saves one chat
turn makes (its user message, idempotent on client_id, with the history the agent then sees; its
assistant reply). `chat.turn.ChatTurn` drives a turn through them, the same from the websocket
consumer and the REST endpoint.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone as dj_timezone

from core.errors import ApplicationError
from tasks import journal

from . import selectors
from .events import announce_conversation_after_commit, conversation_summary
from .models import Conversation, Message
from .titles import cut_title, first_turn_title

CLIENT_ID_MAX_CHARS = 64


class ChatInputError(ApplicationError):
    """Bad input caught before anything is saved. `code` is part of the protocol."""

    STATUS_BY_CODE = {"conversation_not_found": 404, "busy": 409, "rate_limited": 429, "budget_exhausted": 429}

    def __init__(self, code: str, detail: str, *, retry_after: int | None = None) -> None:
        super().__init__(detail, code=code, status=self.STATUS_BY_CODE.get(code, 400), retry_after=retry_after)


class ConversationGone(ChatInputError):
    """The turn's conversation was deleted while the agent answered: its reply is not saved."""


# --- conversation services ---


def conversation_rename(*, user: AbstractBaseUser, conversation_id: int, title: str) -> Conversation:
    """Gives the conversation the person's own title; another user's is ConversationNotFound."""
    with transaction.atomic():
        conversation = selectors.conversation_get(user=user, conversation_id=conversation_id)
        conversation.title = " ".join(str(title).split())
        if not conversation.title:
            raise ValidationError({"title": ["A conversation needs a title."]})
        conversation.full_clean()
        conversation.save(update_fields=["title"])  # a new name is not new activity: the order stays
        announce_conversation_after_commit(user_id=user.pk, action="updated", conversation=conversation_summary(conversation))
    return conversation


def conversation_delete(*, user: AbstractBaseUser, conversation_id: int) -> None:
    """Deletes the conversation and its messages; another user's is ConversationNotFound."""
    with transaction.atomic():
        conversation = selectors.conversation_get(user=user, conversation_id=conversation_id)
        summary = conversation_summary(conversation)
        conversation.delete()
        announce_conversation_after_commit(user_id=user.pk, action="deleted", conversation=summary)


# --- the writes of one turn (chat.turn.ChatTurn drives them) ---


@dataclass
class BegunTurn:
    conversation_id: int
    user_message_id: int
    history: list[dict[str, Any]]
    saved_reply: dict[str, Any] | None = None  # a retried message that already has its answer
    is_new_conversation: bool = False


def turn_begin(*, user: AbstractBaseUser, text: str, conversation_id: int | None, client_id: str | None) -> BegunTurn:
    """Saves the user message (once per client_id) and loads the history the agent sees.

    The caller holds the user's turn lock (chat.limits, shared by every process), so one user's
    turn starts never overlap: two copies of a retried message cannot both get past the check for
    an earlier copy. Two statements and a commit for a message in a known conversation, then the
    history read.
    """
    message = None
    if client_id and conversation_id is None:
        # A retried first message: the conversation it started is known only by the client_id.
        message = _retried_message(user=user, client_id=client_id, conversation_id=None)
    is_retry = message is not None
    is_new_conversation = False
    if message is None:
        try:
            message, is_new_conversation = _save_user_message(
                user=user, text=text, conversation_id=conversation_id, client_id=client_id
            )
        except IntegrityError:
            # In a known conversation the (conversation, client_id) constraint finds a retried
            # message, so the common case, a new message, costs no lookup first.
            if client_id:
                message = _retried_message(user=user, client_id=client_id, conversation_id=conversation_id)
            if message is None:
                raise
            is_retry = True
    conversation_id = message.conversation_id

    saved_reply = None
    # Only a retried message can already have its answer; a new one cannot (saves a query per turn).
    if is_retry:
        following = (
            Message.objects.filter(conversation_id=conversation_id, id__gt=message.pk)
            .order_by("id")
            .values("id", "role", "content", "tool_calls", "status", "pending")
            .first()
        )
        if following and following["role"] == Message.Role.ASSISTANT and following["status"] == Message.Status.COMPLETE:
            saved_reply = following
    # A conversation created just now has nothing before this message.
    history = (
        []
        if is_new_conversation
        else selectors.history_window(user=user, conversation_id=conversation_id, before_message_id=message.pk)
    )
    return BegunTurn(conversation_id, message.pk, history, saved_reply, is_new_conversation)


def _retried_message(*, user: AbstractBaseUser, client_id: str, conversation_id: int | None) -> Message | None:
    retried = Message.objects.filter(role=Message.Role.USER, client_id=client_id, conversation__owner_id=user.pk)
    if conversation_id is not None:
        retried = retried.filter(conversation_id=conversation_id)
    return retried.order_by("-id").only("id", "conversation_id").first()


def _save_user_message(
    *, user: AbstractBaseUser, text: str, conversation_id: int | None, client_id: str | None
) -> tuple[Message, bool]:
    """The message, in a new conversation when none is given; and whether the conversation is new."""
    is_new = conversation_id is None
    with transaction.atomic():
        if is_new:
            conversation_id = Conversation.objects.create(owner=user, title=cut_title(text)).pk
        elif not Conversation.objects.filter(pk=conversation_id, owner_id=user.pk).update(updated_at=dj_timezone.now()):
            # The ownership check and the conversation's new activity time in one statement:
            # another user's conversation, like a missing one, matches no row.
            raise ChatInputError("conversation_not_found", "That conversation does not exist.")
        message = Message.objects.create(
            conversation_id=conversation_id, role=Message.Role.USER, content=text, client_id=client_id or None
        )
    return message, is_new


def reply_save(
    *, user: AbstractBaseUser, conversation_id: int, content: str, tool_calls: list[dict[str, Any]], status: str,
    pending: dict[str, Any] | None = None, first_text: str | None = None, changes: journal.ChangeSource | None = None,
) -> tuple[int, bool]:
    """The assistant message; returns its id and whether the turn changed tasks (then its journal
    entries, batched under `changes`, now name this message, which undo is asked by).

    After a conversation's first turn (`first_text` is its message) the conversation is titled by
    what the turn did, and only then announced to the person's other pages ("created"): a list
    entry appears with its title, not with the raw message first."""
    with transaction.atomic():
        update: dict[str, Any] = {"updated_at": dj_timezone.now()}
        if first_text is not None:
            update["title"] = first_turn_title(first_text, tool_calls)
        # The conversation first: the person may have deleted it (another tab) while the agent
        # answered. Its row, now locked, must still be there for the reply to go in; if it is not,
        # the reply has no home, and saving it would break the foreign key at commit.
        if not Conversation.objects.filter(pk=conversation_id, owner_id=user.pk).update(**update):
            changed_tasks = bool(changes and tool_calls) and journal.batch_has_changes(user=user, batch=changes.batch)
            raise ConversationGone(
                "conversation_not_found",
                "That conversation was deleted while the assistant was answering, so its reply was not kept."
                + (" The task changes it made stand; the activity page lists them." if changed_tasks else ""),
            )
        message = Message.objects.create(
            conversation_id=conversation_id,
            role=Message.Role.ASSISTANT,
            content=content,
            tool_calls=tool_calls,
            status=status,
            pending=pending,
        )
        # The title only when it changed: reading it back would cost every turn a query.
        summary = {"id": conversation_id, "updated_at": update["updated_at"].isoformat()}
        if "title" in update:
            summary["title"] = update["title"]
        action = "created" if first_text is not None else "updated"
        announce_conversation_after_commit(user_id=user.pk, action=action, conversation=summary)
        # Only a turn that called a tool can have changed a task: a plain answer costs no statement.
        linked = bool(changes and tool_calls) and journal.link_message(user=user, batch=changes.batch, message_id=message.pk) > 0
    return message.pk, linked
