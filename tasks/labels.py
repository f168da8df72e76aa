"""Labels: the person's own names for contexts ("work", "groceries"), any number per task.

Services and selectors for labels, and the helpers tasks.services uses to give a task its
labels. Every query names the owner: another person's label is not found, and the same name for
two people is two labels. A task's label names are part of its journal snapshot (tasks.journal),
so setting them on a task is journalled and undone with the task's other fields; renaming a
label changes no task and deleting one journals each task that lost it.
"""

import json
import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, models, transaction

from core.errors import ApplicationError, NotFoundError
from core.lookups import owned_row

from . import counts
from .models import Label, Task, TaskLabel

NAME_MAX = 40
MAX_PER_TASK = 20
# Letters, digits and a few joiners; one space between words. No "#" (that is how text names
# a label) and no comma (lists are written with commas).
_NAME = re.compile(r"^[\w][\w\-/.&+']*(?: [\w\-/.&+']+)*$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class LabelNotFound(NotFoundError):
    def __init__(self, label: object):
        self.label = label
        super().__init__()

    def __str__(self) -> str:
        return f"No label {self.label}"


class LabelError(ApplicationError):
    code = "invalid_label"
    status = 400


class LabelExists(LabelError):
    code = "label_exists"


def clean_name(name: object) -> str:
    """A label name as stored: trimmed, without a leading '#', inner spaces collapsed."""
    if not isinstance(name, str):
        raise LabelError("A label name must be text.")
    text = " ".join(name.strip().lstrip("#").split())
    if not text:
        raise LabelError("A label name cannot be empty.")
    if len(text) > NAME_MAX:
        raise LabelError(f"“{text[:NAME_MAX]}…” is longer than {NAME_MAX} characters.")
    if not _NAME.match(text):
        raise LabelError(f"“{text}” is not a label name: use letters, digits, spaces and - _ / . & + '.")
    return text


def clean_names(names: Iterable[object]) -> list[str]:
    """Names without repeats in any case, in the order given."""
    seen: dict[str, str] = {}
    for name in names:
        text = clean_name(name)
        seen.setdefault(text.casefold(), text)
    if len(seen) > MAX_PER_TASK:
        raise LabelError(f"A task can have at most {MAX_PER_TASK} labels.")
    return list(seen.values())


def _clean_colour(colour: str | None) -> str:
    colour = (colour or "").strip()
    if colour and not _COLOUR.match(colour):
        raise LabelError(f"“{colour[:20]}” is not a colour; use #rrggbb.")
    return colour.lower()


# --- selectors ---


def label_list(*, user: AbstractBaseUser) -> list[Label]:
    return list(Label.objects.filter(owner_id=user.pk).order_by("name", "id"))


def label_list_counted(*, user: AbstractBaseUser):
    """The person's labels with how many tasks each has (the API's list)."""
    from django.db.models import Count

    return Label.objects.filter(owner_id=user.pk).annotate(task_count=Count("tasks")).order_by("name", "id")


def label_get(*, user: AbstractBaseUser, label_id: object) -> Label:
    return owned_row(Label.objects, user=user, raw_id=label_id, missing=LabelNotFound)


def labels_named(*, user: AbstractBaseUser, names: Iterable[str]) -> dict[str, Label]:
    """The person's labels with these names (any case), keyed by the casefolded name."""
    wanted = {n.casefold() for n in names}
    if not wanted:
        return {}
    found: dict[str, Label] = {}
    # Few labels per person: reading them all is one small query and matches case the same way
    # on every database (Python's casefold, not the database's LIKE or UPPER).
    for label in Label.objects.filter(owner_id=user.pk):
        if label.name.casefold() in wanted:
            found[label.name.casefold()] = label
    return found


def task_label_names(task: Task) -> list[str]:
    """The task's label names, sorted; from what the services or a prefetch left on it when they
    can, so a list of 50 tasks is not 50 queries."""
    names = getattr(task, "_label_names", None)
    if names is None:
        cache = getattr(task, "_prefetched_objects_cache", {})
        if "labels" in cache:
            names = [label.name for label in cache["labels"]]
        elif task.pk is None:
            names = []
        else:
            links = TaskLabel.objects.filter(owner_id=task.owner_id, task_id=task.pk)
            names = list(links.values_list("label__name", flat=True))
        names = sorted(names, key=str.casefold)
        task._label_names = names
    return names


class _NameList(models.Field):
    """A list of names read from the database: a PostgreSQL text[] or SQLite JSON text."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> list[str]:
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else list(value)


NAME_LIST = _NameList()  # for reading such a column outside a queryset (selectors._OneTaskStatement)


class LabelNames(models.Subquery):
    """A task's label names as a column of the task's own row (`tasks.annotate(names=LabelNames())`),
    so one task is read with its labels in one statement: ARRAY(SELECT ...) on PostgreSQL,
    json_group_array on SQLite. Not for lists: there a page's names come in one query for all
    its rows (attach_label_names) rather than a subquery per row."""

    def __init__(self) -> None:
        links = TaskLabel.objects.filter(owner_id=models.OuterRef("owner_id"), task_id=models.OuterRef("pk"))
        super().__init__(links.values(label_name=models.F("label__name")), output_field=_NameList())

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        sql, params = self.as_sql(compiler, connection, **extra)
        return f"ARRAY{sql}", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        sql, params = self.as_sql(compiler, connection, **extra)
        return f"(SELECT json_group_array(label_name) FROM {sql})", params


def attach_label_names(owner_id: int, tasks: list[Task]) -> None:
    """Leaves each task's label names on it (what task_label_names returns), in one query."""
    names = _names_by_task(owner_id, [task.pk for task in tasks])
    for task in tasks:
        task._label_names = names.get(task.pk, [])


def label_names_for(*, user: AbstractBaseUser, task_ids: list[int]) -> dict[int, list[str]]:
    """The label names of these tasks of the person's (one query), sorted, by task id."""
    return _names_by_task(user.pk, task_ids)


def _names_by_task(owner_id: int, task_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    if task_ids:
        links = TaskLabel.objects.filter(owner_id=owner_id, task_id__in=task_ids).values_list("task_id", "label__name")
        for task_id, name in links:
            names.setdefault(task_id, []).append(name)
    return {task_id: sorted(found, key=str.casefold) for task_id, found in names.items()}


# --- writes (inside the callers' transactions) ---


def ensure_labels(*, user: AbstractBaseUser, names: list[str]) -> list[Label]:
    """The person's labels with these names, creating the ones they do not have yet."""
    found = labels_named(user=user, names=names)
    labels = []
    for name in names:
        label = found.get(name.casefold())
        if label is None:
            label = Label(owner_id=user.pk, name=name)
            label.full_clean(exclude=["owner"], validate_constraints=False)
            try:
                with transaction.atomic():  # a savepoint: a racing request may have made it first
                    label.save()
            except IntegrityError:
                label = labels_named(user=user, names=[name])[name.casefold()]
            found[name.casefold()] = label
        labels.append(label)
    return labels


def set_task_labels(task: Task, names: list[str]) -> None:
    """Gives the task exactly these labels (already cleaned), creating unknown ones for its owner.
    Called by the task services inside their transaction; they journal the change."""
    wanted = ensure_labels(user=task.owner, names=names) if names else []
    wanted_ids = {label.pk for label in wanted}
    current = set(TaskLabel.objects.filter(owner_id=task.owner_id, task_id=task.pk).values_list("label_id", flat=True))
    if current - wanted_ids:
        TaskLabel.objects.filter(owner_id=task.owner_id, task_id=task.pk, label_id__in=current - wanted_ids).delete()
    TaskLabel.objects.bulk_create(
        [TaskLabel(owner_id=task.owner_id, task_id=task.pk, label_id=pk) for pk in wanted_ids - current]
    )
    task._label_names = sorted((label.name for label in wanted), key=str.casefold)


def label_unlinked_tasks(user: AbstractBaseUser, named: list[tuple[Task, list[str]]]) -> None:
    """Gives tasks that have no label links yet (brought back by undo) these labels: one lookup
    of the names and one insert for all of them, rather than set_task_labels' queries per task."""
    every_name = list({name.casefold(): name for _, names in named for name in names}.values())
    labels = {label.name.casefold(): label for label in ensure_labels(user=user, names=every_name)} if every_name else {}
    links = []
    for task, names in named:
        wanted = {labels[name.casefold()].pk: labels[name.casefold()] for name in names}
        links += [TaskLabel(owner_id=user.pk, task_id=task.pk, label_id=pk) for pk in wanted]
        task._label_names = sorted((label.name for label in wanted.values()), key=str.casefold)
    TaskLabel.objects.bulk_create(links)


def unlink_tasks(*, owner_id: int, task_ids: Any) -> None:
    """Removes deleted tasks' label links (no database cascade reaches them: see TaskLabel).
    `task_ids`: a list or a subquery of ids."""
    TaskLabel.objects.filter(owner_id=owner_id, task_id__in=task_ids).delete()


def label_create(*, user: AbstractBaseUser, name: str, colour: str | None = None) -> Label:
    name = clean_name(name)
    with transaction.atomic():
        if labels_named(user=user, names=[name]):
            raise LabelExists(f"You already have a label “{name}”.")
        label = Label(owner_id=user.pk, name=name, colour=_clean_colour(colour))
        label.full_clean(exclude=["owner"], validate_constraints=False)
        try:
            with transaction.atomic():
                label.save()
        except IntegrityError:
            raise LabelExists(f"You already have a label “{name}”.") from None
    return label


def label_update(*, user: AbstractBaseUser, label_id: object, name: str | None = None, colour: str | None = None) -> Label:
    """Renames a label or changes its colour. The tasks keep it: it is the same label."""
    with transaction.atomic():
        label = label_get(user=user, label_id=label_id)
        if name is not None:
            name = clean_name(name)
            clash = labels_named(user=user, names=[name]).get(name.casefold())
            if clash is not None and clash.pk != label.pk:
                raise LabelExists(f"You already have a label “{clash.name}”.")
            label.name = name
            # ?label= lists by name: a total cached under the old name (tasks.counts) is stale now.
            counts.tasks_changed(user.pk)
        if colour is not None:
            label.colour = _clean_colour(colour)
        label.full_clean(exclude=["owner"], validate_constraints=False)
        label.save()
    return label


def label_delete(*, user: AbstractBaseUser, label_id: object, source: Any = None) -> list[int]:
    """Deletes the label; each task that had it loses it, journalled as an edit of that task
    (so undo on the Activity page gives the label back). Returns those tasks' ids."""
    from . import journal
    from .events import announce_after_commit
    from .journal import API
    from .models import Action
    from .services import task_payload

    source = (source or API).one_batch()  # one deletion is undone as one
    with transaction.atomic():
        label = label_get(user=user, label_id=label_id)
        task_ids = list(TaskLabel.objects.filter(owner_id=user.pk, label_id=label.pk).values_list("task_id", flat=True))
        tasks = list(Task.objects.filter(owner_id=user.pk, pk__in=task_ids).select_for_update().order_by("id"))
        changes = []
        for task in tasks:
            was = journal.snapshot(task)
            task._label_names = [n for n in task_label_names(task) if n.casefold() != label.name.casefold()]
            before, after = journal.diff(was, journal.snapshot(task))
            changes.append(
                journal.entry(source=source, owner_id=user.pk, task_id=task.pk, action=Action.UPDATED, title=task.title, before=before, after=after)
            )
        label.delete()  # its links go with it (TaskLabel.label cascades)
        journal.record_many(changes)
        for task in tasks:
            announce_after_commit(user.pk, "updated", task_payload(task))
    return task_ids
