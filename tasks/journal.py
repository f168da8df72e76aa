"""Recording task changes (TaskChange) from inside the services' transactions.

Only tasks.services and tasks.undo call these: a change and its entry commit together or not at
all. One INSERT per changed task; bulk writes insert their entries in one statement.
"""

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from . import counts
from .models import Action, Door, Task, TaskChange

# What an entry remembers of a task: every field a person sees (id aside, which is the entry's
# task_id). A deletion stores them all, so undo can bring the task back exactly.
# `labels` is the task's label names (sorted), not a column: see snapshot() and tasks.labels.
SNAPSHOT_FIELDS = (
    "title", "description", "completed", "completed_at", "priority", "due_date",
    "recurrence", "recurrence_from_completion", "labels", "created_at", "updated_at",
)
COMPLETION_FIELDS = ("completed", "completed_at", "updated_at")
# Completing a repeating task moves its due date instead (tasks.services): the entry keeps the
# due date it had, so Activity shows the occurrence done and undo puts the date back.
OCCURRENCE_FIELDS = ("completed", "completed_at", "due_date", "updated_at")
# Fields an edit is judged by: timestamps move with every save and are not a person's edit.
_TRACKED = ("title", "description", "completed", "completed_at", "priority", "due_date", "recurrence", "recurrence_from_completion", "labels")
# Snapshot fields that are not columns of the task.
NOT_COLUMNS = ("labels",)


@dataclass(frozen=True)
class ChangeSource:
    """Where a change came from: the door, and the chat turn, MCP call or token behind it.

    Every service that writes tasks takes one (`source=`). The default, an API call that is its
    own batch, is what a caller that says nothing gets. A chat turn passes one batch for all its
    tool calls (and links the assistant message when the reply is saved); an MCP call passes
    door=mcp, its token id and one batch per call; the admin passes the staff member as actor.
    """

    door: str = Door.API
    batch: uuid.UUID | None = None  # None: each service call is a batch of its own
    message_id: int | None = None
    token_id: int | None = None
    actor_id: int | None = None  # None: the owner acted
    reverts: uuid.UUID | None = field(default=None, repr=False)  # set by undo only

    @classmethod
    def for_turn(cls, door: str = Door.CHAT, **fields: Any) -> "ChangeSource":
        """A source whose writes all share one new batch (a chat turn, an MCP call)."""
        return cls(door=door, batch=uuid.uuid4(), **fields)

    def one_batch(self) -> "ChangeSource":
        """This source with its batch fixed, for a service that writes several entries."""
        return self if self.batch is not None else replace(self, batch=uuid.uuid4())


API = ChangeSource()
PAGE = ChangeSource(door=Door.PAGE)


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value) if value is not None and not isinstance(value, (bool, int, str)) else value


def snapshot(task: Task, fields: tuple[str, ...] = SNAPSHOT_FIELDS) -> dict[str, Any]:
    """The task's fields as JSON values (dates in ISO 8601, to the microsecond)."""
    from .labels import task_label_names

    return {name: list(task_label_names(task)) if name == "labels" else _plain(getattr(task, name)) for name in fields}


def from_snapshot(values: dict[str, Any]) -> dict[str, Any]:
    """Model values back from a snapshot (the columns only; labels are set apart, see tasks.undo)."""
    return {name: Task._meta.get_field(name).to_python(value) for name, value in values.items() if name not in NOT_COLUMNS}


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The tracked fields that differ, as (before, after) halves, with updated_at when any does
    (so undo can put that back too); two empty dicts when none does."""
    changed = [name for name in _TRACKED if before.get(name) != after.get(name)]
    if changed and "updated_at" in before and "updated_at" in after:
        changed.append("updated_at")
    return {n: before[n] for n in changed}, {n: after[n] for n in changed}


def edit_action(before: dict[str, Any], after: dict[str, Any]) -> str:
    """"completed"/"reopened" for a change of completion alone, "updated" for anything else."""
    if set(before) <= set(COMPLETION_FIELDS) and "completed" in before:
        return Action.COMPLETED if after["completed"] else Action.REOPENED
    return Action.UPDATED


def entry(
    *,
    source: ChangeSource,
    owner_id: int,
    task_id: int,
    action: str,
    title: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> TaskChange:
    """An unsaved entry; `source` must have its batch (ChangeSource.one_batch)."""
    return TaskChange(
        owner_id=owner_id,
        actor_id=source.actor_id or owner_id,
        task_id=task_id,
        action=action,
        door=source.door,
        batch=source.batch,
        message_id=source.message_id,
        token_id=source.token_id,
        reverts=source.reverts,
        title=title,
        before=before,
        after=after,
    )


def record(*, source: ChangeSource, task: Task, action: str, before: dict | None, after: dict | None) -> TaskChange:
    """Saves one entry for one change of `task` (one INSERT)."""
    change = entry(
        source=source.one_batch(),
        owner_id=task.owner_id,
        task_id=task.pk,
        action=action,
        title=task.title,
        before=before,
        after=after,
    )
    change.save(force_insert=True)
    counts.tasks_changed(task.owner_id)
    return change


def record_many(changes: list[TaskChange]) -> None:
    """Saves entries built with `entry` in one INSERT (a few for very large batches)."""
    if changes:
        TaskChange.objects.bulk_create(changes, batch_size=1000)
        for owner_id in {c.owner_id for c in changes}:
            counts.tasks_changed(owner_id)


def batch_has_changes(*, user: AbstractBaseUser, batch: uuid.UUID) -> bool:
    """Whether a chat turn or MCP call (its batch) changed any of the user's tasks."""
    return TaskChange.objects.filter(owner_id=user.pk, batch=batch).exists()


def link_message(*, user: AbstractBaseUser, batch: uuid.UUID, message_id: int) -> int:
    """Ties a chat turn's changes to its assistant message once the reply is saved; how many."""
    return TaskChange.objects.filter(owner_id=user.pk, batch=batch).update(message_id=message_id)
