"""What every tool call of one agent turn knows about who is acting, and when."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, runtime_checkable

from django.contrib.auth.models import AbstractBaseUser

from tasks.journal import ChangeSource
from tasks.models import Door


@dataclass
class OpenQuestions:
    """The question the previous reply left open, and the one this turn's reply leaves open.

    Plain data (see agents_bridge.confirmation for the shapes), kept by the chat app on the
    assistant message between turns: agents_bridge never reads a question back out of the words.
    """

    before: dict[str, Any] | None = None  # handed in by the chat turn
    after: dict[str, Any] | None = None  # written during the run by the tools and the offline model


@runtime_checkable
class AnswersOpenQuestions(Protocol):
    """A model that reads the open question itself (the offline model); hosted models do not."""

    def follow(self, questions: OpenQuestions) -> None: ...


@dataclass
class TodoContext:
    """The run context handed to `Runner.run_streamed`.

    Built by the chat turn from the authenticated request, never from model output:
    tools read the acting user from here, so no tool has a user argument.
    """

    user: AbstractBaseUser
    today: date  # the user's local date, for "today", "tomorrow", "overdue"
    timezone: str = "UTC"
    # Set by the server (chat.turn) only when the previous reply asked to confirm a change
    # (agents_bridge.confirmation) and the user's new message says yes. The model cannot set
    # it, so "are you sure?" is enforced, not just requested.
    confirmed_bulk: bool = False
    confirmed_action: str | None = None  # the tool that asked, e.g. "delete_completed_tasks"
    questions: OpenQuestions = field(default_factory=OpenQuestions)
    # How many times delete_task and complete_task acted in this turn (tools._held_for_confirmation).
    changes: Counter[str] = field(default_factory=Counter)
    # Written by the runner when the run ends: the tokens the model reported (the offline model
    # reports 0). chat.limits counts them against the user's daily budget.
    tokens_used: int = 0
    # The MCP door's credential (mcp_door.auth.Principal: the personal token, OAuth grant or JWT
    # a call came with), None on the chat. Kept here so a change can name the token that made it.
    mcp_token: Any = None
    # The door and batch the turn's task writes are journalled under (tasks.journal): one batch
    # per chat turn, so the turn can be undone as a whole. An MCP call passes door=mcp.
    source: ChangeSource = field(default_factory=lambda: ChangeSource.for_turn(door=Door.CHAT))
    # The conversation's earlier assistant messages, newest first: what undo_last_turn may undo.
    turn_message_ids: tuple[int, ...] = ()

    def bulk_confirmed_for(self, tool_name: str) -> bool:
        return self.confirmed_bulk and self.confirmed_action in (None, tool_name)
