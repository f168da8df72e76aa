"""`ChatTurn`: one agent turn, the same from the websocket consumer and the REST endpoint.

A turn: validate, take the user's limits, save the user message and load a bounded history
window (chat.services), stream the agent, save the assistant message with its tool calls.
Each ORM crossing is one unit of work in `orm_unit` (core.db) and returns plain data.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from agents_bridge import confirmation, runner
from agents_bridge.context import OpenQuestions, TodoContext
from tasks import events, journal
from tasks.models import Door
from core.db import orm_unit
from core.logging import conversation_id_var, user_id_var
from core.text import storable

from . import limits
from .models import Message
from .services import CLIENT_ID_MAX_CHARS, BegunTurn, ChatInputError, ConversationGone, reply_save, turn_begin

logger = logging.getLogger(__name__)


def open_question(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The question the previous reply left open: only an answer straight after it answers it."""
    if history and history[-1]["role"] == Message.Role.ASSISTANT:
        return history[-1].get("pending")
    return None


@dataclass
class _Recorder:
    """What the agent has said and done so far in this turn."""

    parts: list[str] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    by_call_id: dict[str, dict[str, Any]] = field(default_factory=dict)

    def record(self, frame: dict[str, Any]) -> dict[str, Any]:
        """Remembers a runner frame and returns it as clients see it (no call_id)."""
        call_id = frame.pop("call_id", None)
        if frame["type"] == "delta":
            self.parts.append(frame["text"])
        elif frame["type"] == "tool.call":
            call = {"name": frame["name"], "arguments": frame["arguments"], "output": None}
            self.calls.append(call)
            if call_id:
                self.by_call_id[call_id] = call
        elif frame["type"] == "tool.result":
            call = self.by_call_id.get(call_id or "")
            if call is None:
                call = next((c for c in self.calls if c["name"] == frame["name"] and c["output"] is None), None)
            if call is not None:
                call["output"] = frame["output"]
                frame["name"] = frame["name"] or call["name"]
        return frame

    @property
    def text(self) -> str:
        return "".join(self.parts)


class ChatTurn:
    """One agent turn. See /work/shared contract: start() -> stream() -> (interrupt() if cancelled)."""

    def __init__(
        self,
        *,
        user: AbstractBaseUser,
        text: str,
        conversation_id: int | None = None,
        client_id: str | None = None,
        timezone: str | None = None,
    ) -> None:
        self.user = user
        self.text = text
        self.requested_conversation_id = conversation_id
        self.client_id = client_id
        self.timezone = timezone
        self.conversation_id: int | None = None
        self.user_message_id: int | None = None
        self.assistant_message_id: int | None = None
        self.undoable = False  # the turn changed tasks: POST /api/chat/turns/{message_id}/undo/ can take it back
        self.reply_text = ""
        self.tool_calls: list[dict[str, Any]] = []
        self.status: str | None = None
        self.pending: dict[str, Any] | None = None  # the question the reply leaves open (agents_bridge.confirmation)
        self.error_code: str | None = None
        self.error_detail: str | None = None
        self._begun: BegunTurn | None = None
        self._recorder = _Recorder()
        self._save_task: asyncio.Future[tuple[int, bool]] | None = None
        self._turn_token: int | None = None  # this user's one-running-turn lock (chat.limits)
        self._run_context: TodoContext | None = None
        self._announcements: events.DeferredAnnouncements | None = None  # task changes the agent makes
        self.gone: ConversationGone | None = None  # the conversation was deleted mid-turn; no reply saved

    # -- validation (no database) --

    def _validate(self) -> tuple[str, str | None, str, int | None]:
        text = self.text.strip() if isinstance(self.text, str) else ""
        if not text:
            raise ChatInputError("empty_message", "Type a message first.")
        limit = settings.CHAT_MAX_MESSAGE_CHARS
        if len(text) > limit:
            raise ChatInputError("message_too_long", f"Messages can be at most {limit} characters (this one has {len(text)}).")
        if not storable(text):
            raise ChatInputError("invalid_message", "Messages cannot contain NUL characters or unpaired surrogates.")
        client_id = self.client_id
        if client_id is not None and (
            not isinstance(client_id, str) or len(client_id) > CLIENT_ID_MAX_CHARS or not storable(client_id)
        ):
            raise ChatInputError("invalid_client_id", f"client_id must be a string of at most {CLIENT_ID_MAX_CHARS} characters.")
        zone = self.timezone or settings.TIME_ZONE
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ChatInputError("invalid_timezone", f"Unknown timezone {zone!r}; use an IANA name like Europe/Paris.") from None
        conversation_id = self.requested_conversation_id
        if conversation_id is not None:
            if isinstance(conversation_id, bool):
                raise ChatInputError("conversation_not_found", "That conversation does not exist.")
            try:
                conversation_id = int(conversation_id)
            except (TypeError, ValueError):
                raise ChatInputError("conversation_not_found", "That conversation does not exist.") from None
        return text, client_id or None, zone, conversation_id

    # -- the contract --

    async def start(self) -> dict[str, Any]:
        text, client_id, zone, conversation_id = self._validate()
        self.text, self.timezone = text, zone
        begun = await orm_unit(self._claim_and_begin)(text, conversation_id, client_id)
        self._begun = begun
        self.conversation_id = begun.conversation_id
        self.user_message_id = begun.user_message_id
        conversation_id_var.set(self.conversation_id)  # every log line of this turn carries it
        user_id_var.set(self.user.pk)  # also on the websocket, where no request middleware runs
        return {"type": "turn.start", "conversation_id": self.conversation_id, "message_id": self.user_message_id}

    async def stream(self) -> AsyncIterator[dict[str, Any]]:
        if self._begun is None:
            raise RuntimeError("ChatTurn.start() must run before stream().")
        if self._begun.saved_reply is not None:
            await sync_to_async(self._release_limits)()
            for frame in self._replay(self._begun.saved_reply):
                yield frame
            return

        context = self._run_context = self._context()
        # The agent's task writes are announced from this loop rather than waited for in the tool.
        self._announcements = events.defer_announcements()
        try:
            async for frame in runner.stream_turn(history=self._begun.history, user_text=self.text, context=context):
                yield self._recorder.record(frame)
        except runner.AgentRunError as exc:
            failure: tuple[str, str] | None = (exc.code, exc.detail)
        except Exception:  # noqa: BLE001 - a bug must still end the turn cleanly; it is logged in full
            logger.exception("chat turn failed")
            failure = (runner.PROVIDER_ERROR, "The assistant failed unexpectedly. Please try again.")
        else:
            failure = None
            if not self._recorder.text.strip() and not self._recorder.calls:
                failure = (runner.PROVIDER_ERROR, "The assistant returned an empty answer. Please try again.")

        if failure is None:
            await self._finish(Message.Status.COMPLETE)
        else:
            self.error_code, self.error_detail = failure
            await self._finish(Message.Status.ERROR)
        if self.status == Message.Status.ERROR:
            yield {"type": "error", "code": self.error_code, "detail": self.error_detail}
        yield self._end_frame()

    async def interrupt(self) -> dict[str, Any]:
        """After cancellation: keeps what was said and done so far as an "interrupted" message."""
        if self._save_task is None and self.user_message_id is not None:
            await self._finish(Message.Status.INTERRUPTED)
        elif self._save_task is not None:
            # A save already began (maybe the turn finished just as it was cancelled): use it.
            await self._saved()
        if self.status is None:
            self.status = str(Message.Status.INTERRUPTED)
        return self._end_frame()

    async def run(self) -> list[dict[str, Any]]:
        """start() then the whole stream, for callers that want the full turn at once (REST)."""
        frames = [await self.start()]
        async for frame in self.stream():
            frames.append(frame)
        if self.gone is not None:
            raise self.gone  # no reply to return: the conversation's 404 (the API's error handler)
        return frames

    # -- per-user limits (chat.limits: shared by every connection and process through the cache) --

    def _claim_and_begin(self, text: str, conversation_id: int | None, client_id: str | None) -> BegunTurn:
        """The turn's first crossing into sync code: the limits (cache), then the user message (database)."""
        self._claim_limits()
        try:
            return turn_begin(user=self.user, text=text, conversation_id=conversation_id, client_id=client_id)
        except BaseException:
            self._release_limits()
            raise

    def _claim_limits(self) -> None:
        """Rate, budget, then the one-running-turn lock; raises ChatInputError before anything is saved."""
        claim = limits.claim_turn(self.user.pk)
        if claim.code == limits.RATE_LIMITED:
            raise ChatInputError(
                limits.RATE_LIMITED, f"Too many messages; try again in {claim.wait} seconds.", retry_after=claim.wait
            )
        if claim.code == limits.BUDGET_EXHAUSTED:
            raise ChatInputError(limits.BUDGET_EXHAUSTED, "You have used today's assistant budget; try again tomorrow.")
        if claim.code == limits.BUSY:
            raise ChatInputError(limits.BUSY, "Still answering your previous message; wait for it or cancel it.")
        self._turn_token = claim.token

    def _release_limits(self) -> None:
        tokens_used = 0
        if self._run_context is not None:
            tokens_used = self._run_context.tokens_used
            self._run_context.tokens_used = 0  # counted once, however many times this runs
        token, self._turn_token = self._turn_token, None
        limits.finish_turn(self.user.pk, token, tokens_used)

    def _save_and_release(self, content: str, status: str) -> tuple[int, bool]:
        """The turn's last crossing: the assistant message, then the user's lock (released even if
        the save fails, so the user is not locked out until the lock expires)."""
        try:
            first_turn = self._begun is not None and self._begun.is_new_conversation
            return reply_save(
                user=self.user,
                conversation_id=self.conversation_id,
                content=content,
                tool_calls=self.tool_calls,
                status=status,
                pending=self.pending,
                first_text=self.text if first_turn else None,
                changes=self._run_context.source if self._run_context is not None else None,
            )
        finally:
            self._release_limits()

    # -- helpers --

    def _context(self) -> TodoContext:
        assert self._begun is not None
        zone = self.timezone or settings.TIME_ZONE
        asked = open_question(self._begun.history)
        confirmed_tool = confirmation.confirmed_tool(asked, self.text)
        return TodoContext(
            user=self.user,
            today=datetime.now(ZoneInfo(zone)).date(),
            timezone=zone,
            confirmed_bulk=confirmed_tool is not None,
            confirmed_action=confirmed_tool,
            questions=OpenQuestions(before=asked),
            source=journal.ChangeSource.for_turn(door=Door.CHAT),
            turn_message_ids=tuple(
                m["id"] for m in reversed(self._begun.history) if m["role"] == Message.Role.ASSISTANT and "id" in m
            ),
        )

    async def _finish(self, status: str) -> None:
        """Saves the assistant message once, even if cancelled mid-save (the save is shielded)."""
        if self._save_task is None:
            self.status = str(status)  # plain "complete"/"error"/"interrupted" in frames and JSON
            self.reply_text = self._recorder.text
            self.tool_calls = [dict(call) for call in self._recorder.calls]
            self.pending = self._run_context.questions.after if self._run_context is not None else None
            content = self.reply_text
            if status == Message.Status.ERROR and not content.strip():
                content = self.error_detail or ""
            # Saved, then the lock released: the turn is over and the user may start the next one.
            self._save_task = asyncio.ensure_future(orm_unit(self._save_and_release)(content, status))
        await self._saved()
        if self._announcements is not None:
            # Every tasks.changed of the turn is out before its turn.end (and before a REST reply).
            await asyncio.shield(self._announcements.close())

    async def _saved(self) -> None:
        """Waits for the save (shielded: a cancellation cannot lose it). A conversation deleted
        while the agent answered leaves the reply unsaved: the turn ends as an error that says so."""
        assert self._save_task is not None
        try:
            self.assistant_message_id, self.undoable = await asyncio.shield(self._save_task)
        except ConversationGone as exc:
            self.gone = exc
            self.status = str(Message.Status.ERROR)
            self.error_code, self.error_detail = exc.code, exc.detail

    def _replay(self, saved: dict[str, Any]) -> list[dict[str, Any]]:
        self.assistant_message_id = saved["id"]
        self.reply_text = saved["content"]
        self.tool_calls = list(saved["tool_calls"] or [])
        self.pending = saved["pending"]
        self.status = saved["status"]
        frames = [{"type": "delta", "text": saved["content"]}] if saved["content"] else []
        return [*frames, self._end_frame()]

    def _end_frame(self) -> dict[str, Any]:
        frame = {"type": "turn.end", "message_id": self.assistant_message_id, "status": self.status}
        if self.undoable:
            # The page shows an Undo control on this reply (POST /api/chat/turns/{message_id}/undo/).
            frame["undoable"] = True
        return frame
