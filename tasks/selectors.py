"""Every read of tasks, always scoped to the acting user."""

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, connections, router
from django.db.models import BooleanField, Count, F, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper
from django.utils import timezone

from core.errors import NotFoundError
from core.lookups import owned_row, row_id

from .labels import NAME_LIST as _NAME_LIST
from .labels import LabelNames
from .models import SEARCH_SEPARATOR, Label, Task, TaskChange, TaskLabel, priority_rank


class TaskNotFound(NotFoundError):
    """The task does not exist or belongs to someone else; callers cannot tell which."""

    def __init__(self, task_id: object):
        self.task_id = task_id
        super().__init__()

    def __str__(self) -> str:
        return f"No task {self.task_id}"  # for logs and the agent; the API says only "Not found."


ORDERING_FIELDS = ("created_at", "due_date", "priority", "title")
# The task pages' order, not an API ordering: open tasks before done ones, each soonest due first
# (so overdue ones lead), undated last, newest first among equals.
AGENDA = "agenda"


@dataclass(frozen=True)
class TaskFilters:
    completed: bool | None = None
    priority: str | None = None
    search: str | None = None
    # Every word must appear in the title or the description (the agent's "find the milk task").
    search_words: tuple[str, ...] = ()
    due_before: date | None = None
    due_after: date | None = None
    due_on: date | None = None
    overdue: bool | None = None
    ordering: str | None = None
    # Label names (any case): only tasks that have every one of them.
    labels: tuple[str, ...] = ()


def _owned(user: AbstractBaseUser) -> QuerySet[Task]:
    return Task.objects.filter(owner_id=user.pk)


def task_get(*, user: AbstractBaseUser, task_id: object, for_update: bool = False) -> Task:
    """The user's task; TaskNotFound when it is missing, someone else's, or the id is not an id.

    `for_update` locks the row until the caller's transaction ends (services use it to apply
    concurrent edits one after the other).
    """
    pk = row_id(task_id)
    if pk is None:
        raise TaskNotFound(task_id)
    if for_update:
        try:
            return _owned(user).select_for_update().get(pk=pk)
        except Task.DoesNotExist:
            raise TaskNotFound(task_id) from None
    task = _ONE_TASK.read(owner_id=user.pk, pk=pk)
    if task is None:
        raise TaskNotFound(task_id)
    return task


class _OneTaskStatement:
    """One task with its label names, read by a statement the ORM compiles once per database.

    Compiling `Task.objects.filter(owner_id=.., pk=..).annotate(LabelNames())` (the label names
    in the same statement: a second query for them was a sixth of GET /api/tasks/{id}/) cost
    more than the query's own round trip: about a fifth of that request's CPU, the same work on
    every call. The SQL is the ORM's own; only the two values change, so it is compiled once
    with stand-ins, whose places in the parameters are then filled per call."""

    _OWNER, _PK = -7_700_000_000_000_000_001, -7_700_000_000_000_000_002  # no id is negative

    def __init__(self) -> None:
        self._compiled: dict[str, tuple[str, list[object]]] = {}

    def _statement(self, alias: str) -> tuple[str, list[object]]:
        compiled = self._compiled.get(alias)
        if compiled is None:
            query = Task.objects.filter(owner_id=self._OWNER, pk=self._PK).annotate(label_names_read=LabelNames()).query
            sql, params = query.get_compiler(using=alias).as_sql()
            compiled = self._compiled[alias] = (sql, list(params))
        return compiled

    def read(self, *, owner_id: int, pk: int) -> Task | None:
        alias = router.db_for_read(Task)
        sql, params = self._statement(alias)
        values = {self._OWNER: owner_id, self._PK: pk}
        rows = list(Task.objects.raw(sql, [values.get(p, p) if isinstance(p, int) else p for p in params], using=alias))
        if not rows:
            return None
        task = rows[0]
        # raw() leaves an annotation as the driver gave it: text[] on PostgreSQL, JSON on SQLite.
        names = _NAME_LIST.from_db_value(task.label_names_read, None, connections[alias])
        task._label_names = sorted(names, key=str.casefold)
        return task


_ONE_TASK = _OneTaskStatement()


def task_list(*, user: AbstractBaseUser, filters: TaskFilters | None = None, today: date | None = None) -> QuerySet[Task]:
    """The user's tasks, filtered and ordered; `today` is the user's local date for 'overdue'."""
    f = filters or TaskFilters()
    qs = _owned(user)
    if f.completed is not None:
        qs = qs.filter(completed=f.completed)
    if f.priority:
        qs = qs.filter(priority=f.priority)
    for text in (f.search, *f.search_words):
        if text:
            qs = _containing(qs, text)
    if f.due_before:
        qs = qs.filter(due_date__lte=f.due_before)
    if f.due_after:
        qs = qs.filter(due_date__gte=f.due_after)
    if f.due_on:
        qs = qs.filter(due_date=f.due_on)
    if f.overdue is not None:
        overdue = Q(completed=False, due_date__lt=today or timezone.localdate())
        qs = qs.filter(overdue) if f.overdue else qs.exclude(overdue)
    label_ids = None
    unlabelled = qs
    if f.labels:
        qs, label_ids = _labelled(user, qs, f.labels)
    # The labels of the page's rows in one more query (the JSON and the pages show them).
    qs = qs.with_label_names(user.pk)
    qs = _ordered(qs, f.ordering)
    if label_ids and replace(f, labels=(), ordering=None) == TaskFilters():
        # Labels and nothing else: count the label's links, not the join of every task of the
        # person with them (20,000 of 100,000 tasks: 24 ms joined, 2 ms from the links' index).
        # A label and its links are the owner's, and a task's links go with the task.
        qs.counted_by = lambda: _count_labelled(label_ids)
    elif label_ids and connection.vendor == "postgresql":
        qs.counted_by = lambda: unlabelled.filter(_id_in_every_label(label_ids)).count()
    return qs


def _id_in_every_label(label_ids: list[int]) -> RawSQL:
    """`id = ANY(ARRAY(the ids the labels' links share))`, for counting labels with other filters.

    The same count as the list's `id IN (links of one) AND id IN (links of the other)`: with those
    PostgreSQL counted two labels among 70,000 open tasks by reading the person's whole partition
    and hash-joining the links (22 ms, no index). Here the shared ids come from the links' (label,
    task) index first, and the tasks are found by primary key (20 ms, every step an index)."""
    parts = [TaskLabel.objects.filter(label_id=pk).values("task_id") for pk in label_ids]
    shared = parts[0].intersection(*parts[1:]) if len(parts) > 1 else parts[0]
    sql, params = shared.query.sql_with_params()
    column = f"{connection.ops.quote_name(Task._meta.db_table)}.{connection.ops.quote_name('id')}"
    return RawSQL(f"{column} = ANY(ARRAY({sql}))", params, output_field=BooleanField())


def _count_labelled(label_ids: list[int]) -> int:
    links = TaskLabel.objects.filter(label_id__in=label_ids)
    if len(label_ids) == 1:
        return links.count()
    return links.values("task_id").annotate(n=Count("id")).filter(n=len(label_ids)).count()


def _labelled(user: AbstractBaseUser, qs: QuerySet[Task], names: tuple[str, ...]) -> tuple[QuerySet[Task], list[int]]:
    """Tasks with every one of these labels. The names are looked up first (a few rows), so the
    task query filters by label id through the (label, task) index; a name the person has no
    label by matches nothing."""
    from .labels import labels_named

    found = labels_named(user=user, names=names)
    if len({n.casefold() for n in names}) > len(found):
        return qs.none(), []
    for label in found.values():
        qs = qs.filter(pk__in=TaskLabel.objects.filter(label_id=label.pk).values("task_id"))
    return qs, [label.pk for label in found.values()]


def _containing(qs: QuerySet[Task], text: str) -> QuerySet[Task]:
    """Tasks whose title or description contains `text`, in any case."""
    if SEARCH_SEPARATOR in text:  # could match across the join of title and description
        return qs.filter(Q(title__icontains=text) | Q(description__icontains=text))
    # The stored column is upper-cased already: only the search text is, by the database's UPPER
    # (the same as the column's, which Python's str.upper() is not: "ß" -> "SS"). Constant, so the
    # planner folds it and can use the trigram index.
    return qs.filter(search_text__contains=Upper(Value(text)))


def _ordered(qs: QuerySet[Task], ordering: str | None) -> QuerySet[Task]:
    if not ordering:
        return qs.order_by("-created_at", "-id")
    if ordering == AGENDA:
        return qs.order_by("completed", F("due_date").asc(nulls_last=True), "-created_at", "-id")
    descending = ordering.startswith("-")
    field = ordering.lstrip("-")
    if field not in ORDERING_FIELDS:
        raise ValueError(f"Unknown ordering '{ordering}'. Use one of: {', '.join(ORDERING_FIELDS)} (prefix - for descending).")
    if field == "priority":
        qs = qs.annotate(priority_rank=priority_rank())
        field = "priority_rank"
    key = f"-{field}" if descending else field
    if field == "due_date":
        # Tasks without a due date go last either way: "soonest first" should not start with blanks.
        expr = F("due_date").desc(nulls_last=True) if descending else F("due_date").asc(nulls_last=True)
        return qs.order_by(expr, "-id" if descending else "id")
    return qs.order_by(key, "-id" if descending else "id")


def task_counts(*, user: AbstractBaseUser, today: date | None = None) -> dict[str, int]:
    """How many of the user's tasks each page filter shows (all, pending, completed, overdue, and
    the open ones due today or before, and due today or later)."""
    today = today or timezone.localdate()
    # Aliases must not shadow field names ("completed"), or the filters would refer to the aggregate.
    # Counting a NOT NULL column of the (owner, completed, due_date) index rather than id: every
    # column read is then in that index, so PostgreSQL counts from the index alone (15 ms, not
    # 116 ms, for a user with 100,000 tasks). Django refuses COUNT(*) with a filter.
    counts = _owned(user).aggregate(
        n_all=Count("completed"),
        n_pending=Count("completed", filter=Q(completed=False)),
        n_completed=Count("completed", filter=Q(completed=True)),
        n_overdue=Count("completed", filter=Q(completed=False, due_date__lt=today)),
        n_today=Count("completed", filter=Q(completed=False, due_date__lte=today)),
        n_upcoming=Count("completed", filter=Q(completed=False, due_date__gte=today)),
    )
    return {name.removeprefix("n_"): value for name, value in counts.items()}


# --- the journal (tasks.journal) ---


class ChangeNotFound(NotFoundError):
    """The journal entry does not exist or is someone else's."""

    def __init__(self, change_id: object):
        self.change_id = change_id
        super().__init__()


@dataclass(frozen=True)
class ChangeFilters:
    task_id: int | None = None
    door: str | None = None
    day: date | None = None  # changes made on this day, in the current time zone


def change_list(*, user: AbstractBaseUser, filters: ChangeFilters | None = None) -> QuerySet[TaskChange]:
    """The user's task changes, newest first (the Activity page, GET /api/activity/)."""
    f = filters or ChangeFilters()
    qs = TaskChange.objects.filter(owner_id=user.pk)
    if f.task_id is not None:
        qs = qs.filter(task_id=f.task_id)
    if f.door:
        qs = qs.filter(door=f.door)
    if f.day is not None:
        # A range, not created_at__date: the index on created_at stays usable and the day is the user's.
        start = timezone.make_aware(datetime.combine(f.day, time.min))
        qs = qs.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
    return qs.order_by("-id")


def change_get(*, user: AbstractBaseUser, change_id: object) -> TaskChange:
    return owned_row(TaskChange.objects, user=user, raw_id=change_id, missing=ChangeNotFound)


def change_of_batch(*, user: AbstractBaseUser, batch: uuid.UUID) -> TaskChange:
    """The first entry of one of the user's batches (a page's delete: the entry its Undo names)."""
    change = TaskChange.objects.filter(owner_id=user.pk, batch=batch).order_by("id").first()
    if change is None:
        raise ChangeNotFound(batch)
    return change


def undone_batches(*, user: AbstractBaseUser, batches: list) -> set:
    """Which of these batches an undo has since reverted (to show 'undone' instead of 'Undo')."""
    return set(TaskChange.objects.filter(owner_id=user.pk, reverts__in=batches).values_list("reverts", flat=True).distinct())


def turns_with_changes(*, user: AbstractBaseUser, message_ids: list[int]) -> set[int]:
    """Which of these chat turns (assistant message ids) changed tasks: those a page offers to undo."""
    if not message_ids:
        return set()
    rows = TaskChange.objects.filter(owner_id=user.pk, message_id__in=message_ids).values_list("message_id", flat=True)
    return set(rows.distinct())


def turns_undone(*, user: AbstractBaseUser, message_ids: list[int]) -> set[int]:
    """Which of these chat turns stand undone: an undo reverted their batch and no redo (an undo
    of that undo) has put it back since. A page shows "Undone" on them instead of an Undo button."""
    if not message_ids:
        return set()
    owned = TaskChange.objects.filter(owner_id=user.pk)
    turn_of = dict(owned.filter(message_id__in=message_ids).values_list("batch", "message_id").distinct())
    undos = list(owned.filter(reverts__in=list(turn_of)).values_list("reverts", "batch").distinct())
    if not undos:
        return set()
    redone = set(owned.filter(reverts__in=[undo for _, undo in undos]).values_list("reverts", flat=True).distinct())
    return {turn_of[turn] for turn, undo in undos if undo not in redone}
