"""Undo (and redo) of journalled task changes: one entry, a batch (a chat turn, an MCP call, a bulk
delete), or a chat turn named by its assistant message.

An undo puts every task the changes touched back as it was before the first of them, in one
transaction, and is journalled itself (its entries carry `reverts`), so undoing an undo is a redo.
If any of those tasks changed since (a later entry that is not part of what is undone), nothing
is changed and `UndoConflict` names them with their current values: no silent overwrite.
"""

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import QuerySet

from core.errors import ApplicationError

from . import journal
from .events import announce_after_commit
from .journal import API, ChangeSource
from .models import Action, Task, TaskChange
from .labels import label_unlinked_tasks, set_task_labels, unlink_tasks
from .services import _attach_labels, task_payload

# Above this many tasks, one "reload the list" frame instead of one per task: an undo of a turn
# that deleted 100 tasks would otherwise wait for 100 sends after its commit.
ANNOUNCE_EACH_UP_TO = 20


class UndoError(ApplicationError):
    """Undo refused. `code` is part of the API (409 body) and of the undo tool's output."""

    code = "undo_failed"
    status = 409


class NothingToUndo(UndoError):
    """No such entry, turn or batch of the user's (another user's looks the same): a 404."""

    code = "not_found"
    status = 404


class UndoConflict(UndoError):
    """A task that would be put back changed since; `tasks` says which, with current values."""

    code = "undo_conflict"

    def __init__(self, detail: str, tasks: list[dict[str, Any]]) -> None:
        super().__init__(detail)
        self.tasks = tasks  # the 409 body names them (tasks.api.undo_response)


class AlreadyUndone(UndoConflict):
    code = "already_undone"


@dataclass
class UndoResult:
    """What an undo did: one row per task it put back, and the batch that did it (to redo)."""

    batch: uuid.UUID
    changes: list[dict[str, Any]] = field(default_factory=list)  # {task_id, title, action, change_id}

    # What each of the undo's own actions means to a person reading "Undone: ...".
    _IN_WORDS = {"created": "brought back", "deleted": "removed", "updated": "put back", "completed": "marked done again", "reopened": "reopened"}

    def summary(self) -> str:
        return "; ".join(f"{self._IN_WORDS.get(c['action'], c['action'])} “{c['title']}”" for c in self.changes)


# --- services ---


def change_undo(*, user: AbstractBaseUser, change_id: int, source: ChangeSource = API) -> UndoResult:
    """Undoes one journal entry of the user's."""
    return _undo(user=user, entries=TaskChange.objects.filter(owner_id=user.pk, pk=_int(change_id)), source=source)


def batch_undo(*, user: AbstractBaseUser, batch: uuid.UUID, source: ChangeSource = API) -> UndoResult:
    """Undoes a whole batch: a chat turn, an MCP call, a bulk delete, or an undo (a redo)."""
    return _undo(user=user, entries=TaskChange.objects.filter(owner_id=user.pk, batch=batch), source=source)


def turn_undo(*, user: AbstractBaseUser, message_id: int, source: ChangeSource = API) -> UndoResult:
    """Undoes every task change of the chat turn whose assistant message is `message_id`."""
    return _undo(user=user, entries=TaskChange.objects.filter(owner_id=user.pk, message_id=_int(message_id)), source=source)


def turn_undo_last(*, user: AbstractBaseUser, message_ids: list[int], source: ChangeSource = API) -> UndoResult:
    """Undoes the latest of these chat turns (a conversation's assistant messages) that changed
    tasks. The undo itself becomes such a turn, so saying it again redoes."""
    last = (
        TaskChange.objects.filter(owner_id=user.pk, message_id__in=message_ids)
        .order_by("-id")
        .values_list("message_id", flat=True)
        .first()
    )
    if last is None:
        raise NothingToUndo("No earlier turn of this conversation changed any task.")
    return turn_undo(user=user, message_id=last, source=source)


def _int(value: object) -> int:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise NothingToUndo("Nothing to undo there.") from None
    if not 0 < number < 2**63:
        raise NothingToUndo("Nothing to undo there.")
    return number


# --- the replay ---


def _undo(*, user: AbstractBaseUser, entries: QuerySet[TaskChange], source: ChangeSource) -> UndoResult:
    with transaction.atomic():
        # The entries locked: a second undo of the same changes waits for this one, then finds
        # its entries as later changes (already undone) rather than re-inserting the same tasks.
        entries = list(entries.select_for_update().order_by("id"))
        if not entries:
            raise NothingToUndo("Nothing to undo there.")
        source = replace(source.one_batch(), reverts=entries[0].batch)
        task_ids = sorted({e.task_id for e in entries})
        # Locked first, so no write of these tasks can slip in between the check and the replay.
        current = {t.pk: t for t in Task.objects.select_for_update().filter(owner_id=user.pk, pk__in=task_ids)}
        _attach_labels(user, list(current.values()))
        _refuse_if_changed_since(user, entries, current)
        targets = _targets(entries, current)
        result = UndoResult(batch=source.batch)
        changes, touched = _apply(user, source, current, targets, result)
        journal.record_many(changes)
        for row, change in zip(result.changes, changes):
            row["change_id"] = change.pk  # POST /api/activity/{change_id}/undo/ {"scope": "batch"} redoes
        _announce(user, touched)
    return result


def _refuse_if_changed_since(user: AbstractBaseUser, entries: list[TaskChange], current: dict[int, Task]) -> None:
    first_touch: dict[int, int] = {}
    for e in entries:
        first_touch.setdefault(e.task_id, e.pk)
    later = (
        TaskChange.objects.filter(owner_id=user.pk, task_id__in=list(first_touch), id__gt=min(first_touch.values()))
        .exclude(pk__in=[e.pk for e in entries])
        .order_by("-id")
    )
    changed_since: dict[int, TaskChange] = {}
    for e in later:
        if e.pk > first_touch[e.task_id]:
            changed_since.setdefault(e.task_id, e)  # the latest change of each
    if not changed_since:
        return
    tasks = [
        {
            "task_id": task_id,
            "title": change.title,
            "current": task_payload(current[task_id]) if task_id in current else None,
            "changed_by": {"action": change.action, "door": change.door, "at": change.created_at.isoformat()},
        }
        for task_id, change in sorted(changed_since.items())
    ]
    names = ", ".join(f"“{t['title']}”" for t in tasks)
    if all(change.reverts == entries[0].batch for change in changed_since.values()):
        raise AlreadyUndone(f"That was undone already ({names}).", tasks)
    raise UndoConflict(f"Not undone: {names} changed since. Nothing was changed.", tasks)


def _targets(entries: list[TaskChange], current: dict[int, Task]) -> dict[int, dict[str, Any] | None]:
    """Each task's state before the first entry: the before-images replayed newest first
    (None: the task did not exist)."""
    state: dict[int, dict[str, Any] | None] = {
        e.task_id: journal.snapshot(current[e.task_id]) if e.task_id in current else None for e in entries
    }
    for e in reversed(entries):
        if e.before is None:
            state[e.task_id] = None
        elif e.action == Action.DELETED:
            state[e.task_id] = dict(e.before)
        elif state[e.task_id] is None:
            # An edit of a task that is gone with no later entry: deleted around the journal
            # (a whole account's cascade). There is nothing whole to put back.
            raise UndoConflict(f"Not undone: “{e.title}” no longer exists.", [{"task_id": e.task_id, "title": e.title, "current": None}])
        else:
            state[e.task_id] = {**state[e.task_id], **e.before}
    return state


def _apply(
    user: AbstractBaseUser,
    source: ChangeSource,
    current: dict[int, Task],
    targets: dict[int, dict[str, Any] | None],
    result: UndoResult,
) -> tuple[list[TaskChange], list[tuple[str, Task]]]:
    """Writes the targets; returns the journal entries to save and (action, task) to announce."""
    changes: list[TaskChange] = []
    touched: list[tuple[str, Task]] = []

    def note(task: Task, action: str, before: dict | None, after: dict | None) -> None:
        task_id, title = task.pk, task.title
        touched.append((action, task))
        changes.append(journal.entry(source=source, owner_id=user.pk, task_id=task_id, action=action, title=title, before=before, after=after))
        result.changes.append({"task_id": task_id, "title": title, "action": action})

    doomed = [tid for tid, target in targets.items() if target is None and tid in current]
    if doomed:
        unlink_tasks(owner_id=user.pk, task_ids=doomed)
        Task.objects.filter(owner_id=user.pk, pk__in=doomed).delete()
        for tid in doomed:
            note(current[tid], Action.DELETED, journal.snapshot(current[tid]), None)

    restored = [Task(id=tid, owner_id=user.pk, **journal.from_snapshot(t)) for tid, t in targets.items() if t is not None and tid not in current]
    if restored:
        _restore(user, restored, targets)
        label_unlinked_tasks(user, [(task, targets[task.pk].get("labels") or []) for task in restored])
        for task in restored:
            note(task, Action.CREATED, None, targets[task.pk])

    for tid, target in targets.items():
        if target is None or tid not in current:
            continue
        task = current[tid]
        was = journal.snapshot(task)
        for name, value in journal.from_snapshot(target).items():
            if name != "created_at":
                setattr(task, name, value)
        if "labels" in target and target["labels"] != was["labels"]:
            set_task_labels(task, target["labels"])
        before, after = journal.diff(was, journal.snapshot(task))
        if before:
            _save_as_was(task)
            note(task, journal.edit_action(before, after), before, after)
    return changes, touched


def _save_as_was(task: Task) -> None:
    """Saves a task put back, updated_at included (Model.save() would make that now)."""
    task.full_clean(exclude=["owner"], validate_constraints=False)
    values = {name: getattr(task, name) for name in journal.SNAPSHOT_FIELDS if name not in ("created_at", *journal.NOT_COLUMNS)}
    Task.objects.filter(owner_id=task.owner_id, pk=task.pk).update(**values)


def _restore(user: AbstractBaseUser, tasks: list[Task], targets: dict[int, dict[str, Any] | None]) -> None:
    """Inserts deleted tasks again with their ids and every field, timestamps included.

    Plain INSERTs, not bulk_create: that sets created_at and updated_at to now (auto_now_add,
    auto_now), and putting them back with a CASE per task cost 110 ms of expression building
    for 100 tasks, more than the rest of the undo. The generated search_text fills itself."""
    fields = [f for f in Task._meta.concrete_fields if not f.generated]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    for task in tasks:
        stamps = journal.from_snapshot({n: targets[task.pk][n] for n in ("created_at", "updated_at")})
        task.created_at, task.updated_at = stamps["created_at"], stamps["updated_at"]
    with connection.cursor() as cursor:
        for start in range(0, len(tasks), 500):  # 5,500 parameters a statement at most
            chunk = tasks[start : start + 500]
            row = "(" + ", ".join(["%s"] * len(fields)) + ")"
            params = [f.get_db_prep_save(getattr(task, f.attname), connection) for task in chunk for f in fields]
            cursor.execute(f"INSERT INTO {Task._meta.db_table} ({columns}) VALUES {', '.join([row] * len(chunk))}", params)
    for task in tasks:
        task._state.adding = False


def _announce(user: AbstractBaseUser, touched: list[tuple[str, Task]]) -> None:
    if len(touched) > ANNOUNCE_EACH_UP_TO:
        announce_after_commit(user.pk, "undone", None)  # pages reload the list
        return
    for action, task in touched:
        announce_after_commit(user.pk, action, task_payload(task))
