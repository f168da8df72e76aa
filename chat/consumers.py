"""The chat websocket: speaks the protocol of design.md "Websocket", nothing else.

Frames in, frames out. Persistence and the agent run live in ``chat.turn.ChatTurn``;
the consumer only checks the shape of frames, runs one turn at a time as an asyncio.Task
(so ``cancel`` and a disconnect are heard while it streams) and forwards the user's
``tasks.changed`` events from the channel layer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from tasks.events import user_group
from core.text import json_loads_bounded

from .auth import PROTOCOL, still_signed_in

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_BIG = 4009
CLOSE_TOO_MANY = 4429

# Open sockets per user in this process (one event loop: no lock needed). Counted per process,
# not in the shared cache: a process that dies takes its count with it, where a shared counter
# would stay inflated and lock the user out. N processes allow N times the cap.
_open_sockets: Counter[int] = Counter()

SIGNED_OUT = "You have been signed out; log in again to chat."


def _now() -> float:
    return time.time()


class FrameError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def parse_message_frame(frame: dict[str, Any]) -> dict[str, Any]:
    """The shape of a `message` frame. The rules on its values (empty or too long text, client_id,
    timezone, whose conversation) are ChatTurn's, shared with the REST endpoint."""
    text = frame.get("text")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise FrameError("bad_frame", '"text" must be a string.')
    conversation_id = frame.get("conversation_id")
    if conversation_id is not None and (isinstance(conversation_id, bool) or not isinstance(conversation_id, int)):
        raise FrameError("bad_frame", '"conversation_id" must be an integer or null.')
    return {
        "text": text,
        "conversation_id": conversation_id,
        "client_id": frame.get("client_id") or None,
        "timezone": frame.get("timezone") or None,
    }


class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.user = self.scope["user"]
        self.turn_task: asyncio.Task | None = None
        self.closed = False
        offered = self.scope.get("subprotocols") or []
        # Accept first so a browser can read the close code (a refused handshake only says 403).
        await self.accept(subprotocol=PROTOCOL if PROTOCOL in offered else None)
        if not self.user.is_authenticated:
            await self._end(self.scope.get("auth_error") or "unauthenticated", "Log in, or send a valid access token, to chat.")
            return
        if _open_sockets[self.user.pk] >= settings.CHAT_MAX_SOCKETS_PER_USER:
            await self._end("too_many_sockets", "Too many chat windows are open; close one and reload.", CLOSE_TOO_MANY)
            return
        self.counted = True
        _open_sockets[self.user.pk] += 1
        self.group = user_group(self.user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        self.closed = True
        if getattr(self, "counted", False):
            self.counted = False
            _open_sockets[self.user.pk] -= 1
            if _open_sockets[self.user.pk] <= 0:
                del _open_sockets[self.user.pk]
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        # A dropped connection stops the turn; the partial reply is saved as interrupted.
        await self._stop_turn()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """channels' dispatch without its hop to the shared sync thread before every handler.

        channels closes stale database connections there, before each frame in and each
        tasks.changed event. This consumer never holds a connection on that thread: every ORM
        unit closes its own (core.db.orm_unit). The hop cost about 0.5 ms of each
        chat turn and, under daphne, queued each frame behind every other connection's sync work.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- frames in -------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        if self.closed:
            return
        raw = text_data if text_data is not None else bytes_data or b""
        size = len(raw.encode("utf-8")) if isinstance(raw, str) else len(raw)
        if size > MAX_FRAME_BYTES:
            await self.close(code=CLOSE_TOO_BIG)
            self.closed = True
            await self._stop_turn()
            return
        if self._token_expired():
            await self._end("token_expired", "Your access token has expired; reconnect with a fresh one.")
            return
        if text_data is None:
            await self.send_error("bad_frame", "Frames must be JSON text.")
            return
        try:
            frame = json_loads_bounded(text_data)
        except ValueError:
            await self.send_error("invalid_json", "That frame is not valid JSON.")
            return
        if not isinstance(frame, dict):
            await self.send_error("bad_frame", "A frame is a JSON object with a \"type\".")
            return
        try:
            await self.receive_frame(frame)
        except FrameError as exc:
            await self.send_error(exc.code, exc.detail)

    async def receive_frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "message":
            await self.start_turn(parse_message_frame(frame))
        elif kind == "cancel":
            # Cancelling when nothing runs is a harmless race with turn.end, not an error.
            await self._stop_turn()
        else:
            raise FrameError("unknown_type", 'Unknown frame type; send "message" or "cancel".')

    def _token_expired(self) -> bool:
        expires_at = self.scope.get("token_expires_at")
        return expires_at is not None and _now() >= expires_at

    # --- the turn --------------------------------------------------------------------------

    async def start_turn(self, message: dict[str, Any]) -> None:
        from .services import ChatInputError
        from .turn import ChatTurn

        if self.turn_task is not None and not self.turn_task.done():
            raise FrameError("busy", "Still answering the previous message; wait for it or send cancel.")
        if not await still_signed_in(self.scope):
            # Logged out, deactivated or the password changed where no event reached this socket.
            await self._end("session_ended", SIGNED_OUT)
            return
        turn = ChatTurn(user=self.user, **message)
        try:
            # Awaited here, not in the task: frames are handled one at a time, so nothing can
            # cancel a half-saved user message.
            start_frame = await turn.start()
        except ChatInputError as exc:
            raise FrameError(exc.code, exc.detail) from None
        await self.send_json(start_frame)
        self.turn_task = asyncio.create_task(self._run_turn(turn))

    async def _run_turn(self, turn) -> None:
        try:
            async for frame in turn.stream():
                await self.send_frame(frame)
        except asyncio.CancelledError:
            # Shielded so a second cancellation (disconnect during cancel) cannot lose the save.
            end_frame = await asyncio.shield(turn.interrupt())
            await self.send_frame(end_frame)
        except Exception:
            # A bug, not a provider failure (ChatTurn reports those as frames). Keep the socket usable.
            logger.exception("chat turn crashed", extra={"conversation_id": getattr(turn, "conversation_id", None)})
            await self.send_frame({"type": "error", "code": "server_error", "detail": "Something went wrong; try again."})
            # Keep what was said so far, so the history shows the reply stopped rather than vanished.
            await self.send_frame(await asyncio.shield(turn.interrupt()))

    async def _stop_turn(self) -> None:
        task = self.turn_task
        if task is None or task.done():
            return
        task.cancel()
        # Wait for the interrupted reply to be saved; the task swallows its own cancellation.
        await asyncio.wait({task})

    # --- frames out ------------------------------------------------------------------------

    async def send_frame(self, frame: dict[str, Any]) -> None:
        if not self.closed:
            await self.send_json(frame)

    async def send_error(self, code: str, detail: str) -> None:
        await self.send_frame({"type": "error", "code": code, "detail": detail})

    async def session_ended(self, event: dict[str, Any]) -> None:
        """The user logged out, was deactivated or deleted, or changed the password (any process)."""
        if not self.closed:
            await self._end("session_ended", SIGNED_OUT)

    async def _end(self, code: str, detail: str, close_code: int = CLOSE_UNAUTHENTICATED) -> None:
        """Closes (4401 unless told) after an error frame that says why, and stops a running turn."""
        await self.send_error(code, detail)
        await self.close(code=close_code)
        self.closed = True
        await self._stop_turn()

    async def tasks_changed(self, event: dict[str, Any]) -> None:
        """A task of this user changed somewhere (any door, any process)."""
        await self.send_frame({"type": "tasks.changed", "action": event.get("action"), "task": event.get("task")})

    async def conversations_changed(self, event: dict[str, Any]) -> None:
        """A conversation of this user was created, had a turn, was renamed or deleted (chat.events)."""
        await self.send_frame(
            {"type": "conversations.changed", "action": event.get("action"), "conversation": event.get("conversation")}
        )
