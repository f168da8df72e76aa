"""Every read of tasks, always scoped to the acting user."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from .models import PRIORITY_RANK, Task


class TaskNotFound(Exception):
    """The task does not exist or belongs to someone else; callers cannot tell which."""

    def __init__(self, task_id: object):
        self.task_id = task_id
        super().__init__(f"No task {task_id}")


ORDERING_FIELDS = ("created_at", "due_date", "priority", "title")


@dataclass(frozen=True)
class TaskFilters:
    completed: bool | None = None
    priority: str | None = None
    search: str | None = None
    due_before: date | None = None
    due_after: date | None = None
    due_on: date | None = None
    overdue: bool | None = None
    ordering: str | None = None


def _owned(user: AbstractBaseUser) -> QuerySet[Task]:
    return Task.objects.filter(owner_id=user.pk)


def task_get(*, user: AbstractBaseUser, task_id: object) -> Task:
    try:
        pk = int(task_id)
    except (TypeError, ValueError):
        raise TaskNotFound(task_id) from None
    try:
        return _owned(user).get(pk=pk)
    except Task.DoesNotExist:
        raise TaskNotFound(task_id) from None


def task_list(*, user: AbstractBaseUser, filters: TaskFilters | None = None, today: date | None = None) -> QuerySet[Task]:
    """The user's tasks, filtered and ordered; `today` is the user's local date for 'overdue'."""
    f = filters or TaskFilters()
    qs = _owned(user)
    if f.completed is not None:
        qs = qs.filter(completed=f.completed)
    if f.priority:
        qs = qs.filter(priority=f.priority)
    if f.search:
        qs = qs.filter(Q(title__icontains=f.search) | Q(description__icontains=f.search))
    if f.due_before:
        qs = qs.filter(due_date__lte=f.due_before)
    if f.due_after:
        qs = qs.filter(due_date__gte=f.due_after)
    if f.due_on:
        qs = qs.filter(due_date=f.due_on)
    if f.overdue is not None:
        overdue = Q(completed=False, due_date__lt=today or date.today())
        qs = qs.filter(overdue) if f.overdue else qs.exclude(overdue)
    return _ordered(qs, f.ordering)


def _ordered(qs: QuerySet[Task], ordering: str | None) -> QuerySet[Task]:
    if not ordering:
        return qs.order_by("-created_at", "-id")
    descending = ordering.startswith("-")
    field = ordering.lstrip("-")
    if field not in ORDERING_FIELDS:
        raise ValueError(f"Unknown ordering '{ordering}'. Use one of: {', '.join(ORDERING_FIELDS)} (prefix - for descending).")
    if field == "priority":
        rank = Case(*[When(priority=p, then=Value(r)) for p, r in PRIORITY_RANK.items()], output_field=IntegerField())
        qs = qs.annotate(priority_rank=rank)
        field = "priority_rank"
    key = f"-{field}" if descending else field
    if field == "due_date":
        # Tasks without a due date go last either way: "soonest first" should not start with blanks.
        from django.db.models import F

        expr = F("due_date").desc(nulls_last=True) if descending else F("due_date").asc(nulls_last=True)
        return qs.order_by(expr, "-id" if descending else "id")
    return qs.order_by(key, "-id" if descending else "id")


def task_counts(*, user: AbstractBaseUser, today: date | None = None) -> dict[str, int]:
    from django.db.models import Count

    today = today or date.today()
    return _owned(user).aggregate(
        all=Count("id"),
        pending=Count("id", filter=Q(completed=False)),
        completed=Count("id", filter=Q(completed=True)),
        overdue=Count("id", filter=Q(completed=False, due_date__lt=today)),
    )
