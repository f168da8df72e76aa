"""What every tool call of one agent turn knows about who is acting, and when."""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser

from tasks.journal import ChangeSource
from tasks.models import Door


@dataclass
class TodoContext:
    """The run context handed to `Runner.run_streamed`.

    Built by the chat service from the authenticated request, never from model output:
    tools read the acting user from here, so no tool has a user argument.
    """

    user: AbstractBaseUser
    today: date  # the user's local date, for "today", "tomorrow", "overdue"
    timezone: str = "UTC"
    # Set by the server (chat.services) only when the previous assistant message asked to
    # confirm a bulk delete and the user's new message is an affirmative. The model cannot
    # set it, so "are you sure?" is enforced, not just requested.
    confirmed_bulk: bool = False
    confirmed_action: str | None = None  # the bulk tool that asked, e.g. "delete_completed_tasks"
    # Written by the runner when the run ends: the tokens the model reported (the offline model
    # reports 0). chat.limits counts them against the user's daily budget.
    tokens_used: int = 0
    # The door and batch the turn's task writes are journalled under (tasks.journal): one batch
    # per chat turn, so the turn can be undone as a whole. An MCP call passes door=mcp.
    source: ChangeSource = field(default_factory=lambda: ChangeSource.for_turn(door=Door.CHAT))
    # The conversation's earlier assistant messages, newest first: what undo_last_turn may undo.
    turn_message_ids: tuple[int, ...] = ()

    def bulk_confirmed_for(self, tool_name: str) -> bool:
        return self.confirmed_bulk and self.confirmed_action in (None, tool_name)
