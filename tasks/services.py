"""Every write of tasks. Keyword-only, owner-scoped, validated with full_clean(),
transactional, and announced to the owner's pages after commit."""

from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError

from . import journal, quick_add, recurrence
from . import labels as labels_module
from .events import announce_after_commit
from .journal import API, ChangeSource
from .models import Action, Priority, Task, TaskLabel
from .selectors import TaskNotFound, task_get

# Sentinel so `task_update` can tell "leave as is" from "clear it" (due_date=None).
UNSET: Any = object()


def task_payload(task: Task) -> dict[str, Any]:
    """The task as the API and the live-update frames show it."""
    from .serializers import TaskSerializer

    return dict(TaskSerializer(task).data)


def _clean_text(value: Any, field: str) -> Any:
    if value is None and field == "description":
        return ""
    return value.strip() if isinstance(value, str) else value


def _validate_and_save(task: Task) -> None:
    # The check constraints (title not blank, priority a known value) repeat the field rules that
    # full_clean already applies in Python; validating them too would cost a SELECT inside a
    # savepoint per constraint on every write (6 extra statements). The database still enforces them.
    task.full_clean(exclude=["owner"], validate_constraints=False)
    if task._state.adding:
        task.save()
        return
    # Model.save() would update WHERE id = ... alone. On PostgreSQL tasks are partitioned by owner
    # (migration 0005), and a statement that does not name the owner is planned against all 32
    # partitions: 1.2 ms of planning on a warm connection (12 ms on a fresh one), not 0.1 ms.
    # pre_save() is what save() applies per field (updated_at's auto_now).
    fields = [
        f
        for f in Task._meta.concrete_fields
        if not f.primary_key and not f.generated and f.name not in ("owner", "created_at")
    ]
    values = {f.attname: f.pre_save(task, add=False) for f in fields}
    if not _scoped(task).update(**values):
        # Callers read the task under a row lock first, so this means it was deleted under us (or
        # was never the owner's): say so rather than report a change that was not stored.
        raise TaskNotFound(task.pk)


def _scoped(task: Task):
    """The task as a one-row queryset that names its owner as well as its id."""
    return Task.objects.filter(owner_id=task.owner_id, pk=task.pk)


def task_create(
    *,
    owner: AbstractBaseUser,
    title: str,
    description: str = "",
    priority: str = Priority.MEDIUM,
    due_date: date | None = None,
    completed: bool = False,
    recurrence: str | None = None,
    recurrence_from_completion: bool | None = None,
    labels: list[str] | None = None,
    today: date | None = None,
    source: ChangeSource = API,
) -> Task:
    """Creates the owner's task (already completed when `completed`, e.g. logging something done).

    `recurrence` is RRULE text or a phrase ("every monday"): the due date becomes the rule's
    first date on or after the given due date (or `today`, the person's local date);
    `recurrence_from_completion` (see _set_repeat) counts it from completion. `labels` are
    names; ones the owner does not have yet are created.

    Every service here takes `source` (tasks.journal.ChangeSource): the door and chat turn or MCP
    call the change is journalled under, in the same transaction as the change."""
    task = Task(
        owner=owner,
        title=_clean_text(title, "title"),
        description=_clean_text(description, "description"),
        priority=priority or Priority.MEDIUM,
        due_date=due_date,
    )
    _set_repeat(task, recurrence or "", recurrence_from_completion, today=today or timezone.localdate())
    label_names = labels_module.clean_names(labels) if labels else []
    _set_completed(task, bool(completed))
    with transaction.atomic():
        _validate_and_save(task)
        if label_names:
            labels_module.set_task_labels(task, label_names)
        else:
            task._label_names = []
        journal.record(source=source, task=task, action=Action.CREATED, before=None, after=journal.snapshot(task))
        announce_after_commit(owner.pk, "created", task_payload(task))
    return task


def task_update(
    *,
    user: AbstractBaseUser,
    task_id: int,
    title: str = UNSET,
    description: str = UNSET,
    priority: str = UNSET,
    due_date: date | None = UNSET,
    completed: bool = UNSET,
    recurrence: str | None = UNSET,
    recurrence_from_completion: bool | None = UNSET,
    labels: list[str] | None = UNSET,
    add_labels: list[str] | None = None,
    remove_labels: list[str] | None = None,
    today: date | None = None,
    source: ChangeSource = API,
) -> Task:
    """Changes the fields given. `recurrence` "" or None stops the repeat; a rule or phrase sets
    it and moves the due date to its first date on or after the due date (given or current).
    `labels` replaces the task's labels; `add_labels` / `remove_labels` change some. Completing
    a repeating task moves it to its next date instead (see task_set_completed)."""
    today = today or timezone.localdate()
    wanted = labels_module.clean_names(labels) if labels not in (UNSET, None) else ([] if labels is None else None)
    adding = labels_module.clean_names(add_labels) if add_labels else []
    removing = {n.casefold() for n in labels_module.clean_names(remove_labels)} if remove_labels else set()
    with transaction.atomic():
        task = _locked(user, task_id)
        was = journal.snapshot(task)
        changes = {"title": title, "description": description, "priority": priority, "due_date": due_date}
        for field, value in changes.items():
            if value is not UNSET:
                setattr(task, field, _clean_text(value, field))
        _set_repeat(task, recurrence, recurrence_from_completion, today=today)
        action = None
        if completed is not UNSET and completed is not None:
            if completed and not task.completed and _advance(task, today):
                action = Action.COMPLETED
            else:
                _set_completed(task, bool(completed))
        _validate_and_save(task)
        if wanted is not None or adding or removing:
            names = list(was["labels"]) if wanted is None else wanted
            names = [n for n in [*names, *adding] if n.casefold() not in removing]
            labels_module.set_task_labels(task, labels_module.clean_names(names))
        before, after = journal.diff(was, journal.snapshot(task))
        if before:  # a save that changed nothing a person sees has nothing to record or undo
            journal.record(source=source, task=task, action=action or journal.edit_action(before, after), before=before, after=after)
        announce_after_commit(user.pk, "updated", task_payload(task))
    return task


class QuickAddRefused(ApplicationError):
    """A quick-add line with parts that could not be read; `problems` names each (the 400)."""

    code = "invalid_quick_add"
    status = 400

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def task_quick_add(*, owner: AbstractBaseUser, text: str, today: date, source: ChangeSource = API) -> Task:
    """Creates the task one line describes ("pay rent every month on the 1st #home !high"), read
    by tasks.quick_add, the parser of every door; a line with any part that cannot be read saves
    nothing and says what (QuickAddRefused)."""
    parsed = quick_add.parse(text, today)
    if parsed.problems:
        raise QuickAddRefused(parsed.problems)
    return task_create(owner=owner, source=source, today=today, **parsed.service_fields())


def _set_repeat(task: Task, value: "str | recurrence.Rule | None", from_completion: bool | None, *, today: date) -> None:
    """Sets the repeat: `value` UNSET leaves the rule, "" or None stops it, RRULE text, a phrase or
    a parsed Rule sets it (_set_recurrence). Whether it counts from completion: `from_completion`
    when given (True needs a rule); else a phrase says ("every!" or "... after it is done": yes;
    "every": no), and RRULE text, which cannot say, keeps what the task had."""
    if value is not UNSET:
        if value:
            said = _set_recurrence(task, value, today=today)
            if isinstance(value, str) and recurrence.is_rule_text(value):
                pass  # RRULE text cannot say "every!": the task keeps its own, unless given below
            elif from_completion in (UNSET, None):
                task.recurrence_from_completion = said
            elif said and not from_completion:
                raise ValidationError({"recurrence_from_completion": [f"“{value}” counts from completion; leave this out or make it true."]})
        else:
            task.recurrence, task.recurrence_from_completion = "", False
    if from_completion in (UNSET, None):
        return
    if from_completion and not task.recurrence:
        raise ValidationError({"recurrence_from_completion": ["Only a repeating task can count from completion; give it a recurrence too."]})
    task.recurrence_from_completion = bool(from_completion)


def _set_recurrence(task: Task, value: "str | recurrence.Rule", *, today: date) -> bool:
    """Sets the rule from RRULE text, a phrase or a parsed Rule, and the due date to its first
    date on or after the start: "starting <date>" in the phrase, else the due date, else today.
    Returns whether the rule counts from completion ("every!"; always False for RRULE text)."""
    if isinstance(value, recurrence.Rule):
        parsed = recurrence.ParsedPhrase(value, None, (0, 0))
        value = value.rrule
    else:
        parsed = recurrence.parse(value, today)
    start = parsed.start or task.due_date or today
    first = recurrence.first_on_or_after(parsed.rule.rrule, start)
    if first is None:
        raise recurrence.RecurrenceError(f"“{value.strip()[:80]}” has no date on or after {start.isoformat()}.")
    task.recurrence = parsed.rule.rrule
    task.due_date = first
    return parsed.rule.from_completion


def _advance(task: Task, today: date) -> bool:
    """For a repeating task being completed: moves it to its next date and keeps it open (one row,
    as Todoist does); False when it does not repeat or its rule has ended (then it completes)."""
    if not task.recurrence:
        return False
    rule = recurrence.Rule(task.recurrence, task.recurrence_from_completion)
    following = recurrence.next_after(rule, due=task.due_date, today=today)
    if following is None:
        return False
    task.due_date = following
    task.completed_at = None
    return True


def _locked(user: AbstractBaseUser, task_id: int) -> Task:
    # Read under a row lock so concurrent edits of one task apply one after the other.
    return task_get(user=user, task_id=task_id, for_update=True)


def _set_completed(task: Task, completed: bool) -> None:
    if completed and not task.completed:
        task.completed, task.completed_at = True, timezone.now()
    elif not completed and task.completed:
        task.completed, task.completed_at = False, None


def task_set_completed(
    *, user: AbstractBaseUser, task_id: int, completed: bool, today: date | None = None, source: ChangeSource = API
) -> tuple[Task, bool]:
    """Marks the task done (or not done). Returns the task and whether it changed: asking for the
    state it is already in saves and announces nothing, so a repeated click or a retried request
    cannot undo itself or notify twice.

    A repeating task is not left done: it moves to its rule's next date and stays open, and the
    journal entry ("completed", with the due date before and after) remembers the occurrence."""
    with transaction.atomic():
        task = _locked(user, task_id)
        if task.completed == completed:
            return task, False
        if completed:
            before = journal.snapshot(task, journal.OCCURRENCE_FIELDS)
            if _advance(task, today or timezone.localdate()):
                _validate_and_save(task)
                after = journal.snapshot(task, journal.OCCURRENCE_FIELDS)
                journal.record(source=source, task=task, action=Action.COMPLETED, before=before, after=after)
                announce_after_commit(user.pk, "updated", task_payload(task))
                return task, True
        before = journal.snapshot(task, journal.COMPLETION_FIELDS)
        _set_completed(task, completed)
        _validate_and_save(task)
        action = Action.COMPLETED if completed else Action.REOPENED
        journal.record(source=source, task=task, action=action, before=before, after=journal.snapshot(task, journal.COMPLETION_FIELDS))
        announce_after_commit(user.pk, "completed" if completed else "reopened", task_payload(task))
    return task, True


def task_complete(*, user: AbstractBaseUser, task_id: int, today: date | None = None, source: ChangeSource = API) -> Task:
    return task_set_completed(user=user, task_id=task_id, completed=True, today=today, source=source)[0]


def task_reopen(*, user: AbstractBaseUser, task_id: int, source: ChangeSource = API) -> Task:
    return task_set_completed(user=user, task_id=task_id, completed=False, source=source)[0]


def task_delete(*, user: AbstractBaseUser, task_id: int, source: ChangeSource = API) -> Task:
    """Deletes the task and returns it as it was (id included) so callers can name it."""
    with transaction.atomic():
        task = _locked(user, task_id)
        payload = task_payload(task)
        snapshot = journal.snapshot(task)
        labels_module.unlink_tasks(owner_id=user.pk, task_ids=[task.pk])
        _scoped(task).delete()  # not task.delete(): see _validate_and_save
        journal.record(source=source, task=task, action=Action.DELETED, before=snapshot, after=None)
        announce_after_commit(user.pk, "deleted", payload)
    return task


def task_delete_completed(*, user: AbstractBaseUser, source: ChangeSource = API) -> list[dict[str, Any]]:
    """Deletes all the user's completed tasks at once; returns what was deleted (id, title)."""
    return _delete_many(user=user, source=source, only_completed=True)


def task_delete_all(*, user: AbstractBaseUser, source: ChangeSource = API) -> list[dict[str, Any]]:
    """Deletes every task of the user at once (after the agent has asked for confirmation)."""
    return _delete_many(user=user, source=source, only_completed=False)


def _delete_many(*, user: AbstractBaseUser, source: ChangeSource, only_completed: bool) -> list[dict[str, Any]]:
    scope = {"owner_id": user.pk, **({"completed": True} if only_completed else {})}
    with transaction.atomic():
        # Whole rows, not just ids: each deletion's journal entry keeps every field for undo.
        doomed = list(Task.objects.select_for_update().filter(**scope).order_by("id"))
        if doomed:
            if _attach_labels(user, doomed):
                labels_module.unlink_tasks(owner_id=user.pk, task_ids=Task.objects.filter(**scope).values("id"))
            Task.objects.filter(**scope).delete()
            batch = source.one_batch()  # one bulk delete is undone as one
            journal.record_many(
                [
                    journal.entry(
                        source=batch, owner_id=user.pk, task_id=task.pk, action=Action.DELETED,
                        title=task.title, before=journal.snapshot(task), after=None,
                    )
                    for task in doomed
                ]
            )
            announce_after_commit(user.pk, "deleted_completed" if only_completed else "deleted_all", None)
    return [{"id": task.pk, "title": task.title} for task in doomed]


def _attach_labels(user: AbstractBaseUser, tasks: list[Task]) -> bool:
    """Reads the label names of many tasks in one query (their journal snapshots need them);
    whether any of them has a label."""
    names: dict[int, list[str]] = {task.pk: [] for task in tasks}
    # All the owner's links (a bulk delete may name 100,000 tasks: too many for one IN list).
    for task_id, name in TaskLabel.objects.filter(owner_id=user.pk).values_list("task_id", "label__name"):
        if task_id in names:
            names[task_id].append(name)
    for task in tasks:
        task._label_names = sorted(names[task.pk], key=str.casefold)
    return any(names.values())


__all__ = [
    "ValidationError",
    "task_create",
    "task_quick_add",
    "QuickAddRefused",
    "task_update",
    "task_complete",
    "task_set_completed",
    "task_reopen",
    "task_delete",
    "task_delete_completed",
    "task_delete_all",
    "task_payload",
    "UNSET",
]
