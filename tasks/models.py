from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils import timezone


class Priority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


# Sort key for ordering by priority: high first when descending.
PRIORITY_RANK = {Priority.LOW: 0, Priority.MEDIUM: 1, Priority.HIGH: 2}


def priority_rank() -> models.Case:
    """The priority as a sortable number. The list ordering and the index below use this one
    expression, so PostgreSQL can walk the index instead of sorting every task of the user."""
    return models.Case(
        *[models.When(priority=p.value, then=models.Value(r)) for p, r in PRIORITY_RANK.items()],
        output_field=models.IntegerField(),
    )


# Joins the title and description for search. A search text without a line break cannot span the
# separator, so it matches exactly where it would match in the title or the description alone
# (tasks.selectors falls back to the two fields for a search text that has one).
SEARCH_SEPARATOR = "\n"


class _Concatenated(models.Func):
    # Plain `||`: Django's Concat wraps every part in COALESCE, which a generated column's
    # expression does not need (neither field is nullable).
    arg_joiner = " || "
    template = "(%(expressions)s)"
    output_field = models.TextField()


def search_text_expression() -> models.Func:
    """Title and description as one upper-cased text: what `?search=` looks in (Task.search_text)."""
    return Upper(_Concatenated(models.F("title"), models.Value(SEARCH_SEPARATOR), models.F("description")))


class TaskQuerySet(models.QuerySet):
    """Tasks, optionally with their label names read in one query once the rows are fetched."""

    _label_names_of: int | None = None

    def with_label_names(self, owner_id: int) -> "TaskQuerySet":
        """The fetched tasks carry their label names (tasks.labels.task_label_names reads them):
        one query for the page, `task_id IN (...)` on the owner's links. Django's
        prefetch_related("labels") gave the same names for 3 ms more CPU per 50-row page (a
        queryset and Label objects built per task), a third of a list request's time."""
        clone = self._chain()
        clone._label_names_of = owner_id
        return clone

    def _clone(self) -> "TaskQuerySet":
        clone = super()._clone()
        clone._label_names_of = self._label_names_of
        return clone

    def _fetch_all(self) -> None:
        fetching = self._result_cache is None
        super()._fetch_all()
        if fetching and self._label_names_of is not None and self._iterable_class is models.query.ModelIterable:
            from .labels import attach_label_names

            attach_label_names(self._label_names_of, self._result_cache)


class TaskManager(models.Manager.from_queryset(TaskQuerySet)):
    def get_queryset(self) -> models.QuerySet:
        # search_text is for the database to search in: no page, API, tool or admin shows it, and
        # it repeats the title and description, so loads leave it behind.
        return super().get_queryset().defer("search_text")


class Task(models.Model):
    # On PostgreSQL the table is split into 32 partitions by hash of owner_id (migration 0005), so
    # a user's queries read only their partition; that is why the primary key there is (id, owner_id).
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="", validators=[MaxLengthValidator(4000)])
    completed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.MEDIUM)
    due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Stored by the database on every write (migration 0006), so a search compares it as it is.
    # Counting `?search=` matches rechecks every candidate row the trigram index finds, and
    # computing UPPER(title || description) there was most of the time: 8,304 rechecks of a
    # 100,000-task user took 17 ms that way (bench/task_api.py). On PostgreSQL a trigram index
    # covers (owner_id, search_text).
    search_text = models.GeneratedField(expression=search_text_expression(), output_field=models.TextField(), db_persist=True)
    # RFC 5545 RRULE text without DTSTART (tasks.recurrence): the due date is the start, and
    # completing the task moves it to the rule's next date. Empty: the task does not repeat.
    # Defaults in the database too, so rows inserted in SQL (bench loads, bulk copies) are valid.
    recurrence = models.CharField(max_length=255, blank=True, default="", db_default="")
    # "every!": the next date counts from the day it was completed, not from its due date.
    recurrence_from_completion = models.BooleanField(default=False, db_default=False)
    labels = models.ManyToManyField("Label", through="TaskLabel", related_name="tasks", blank=True)

    objects = TaskManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "completed"], name="task_owner_completed_idx"),
            models.Index(fields=["owner", "-created_at"], name="task_owner_created_idx"),
            models.Index(fields=["owner", "due_date"], name="task_owner_due_idx"),
            # For users with many tasks (bench/task_api.py: 100,000 of 1,000,000 rows): the page
            # count of ?priority= and ?overdue= is then an index-only scan, and ?ordering=title /
            # priority read 50 rows in index order instead of sorting them all.
            models.Index(fields=["owner", "priority"], name="task_owner_priority_idx"),
            models.Index(fields=["owner", "completed", "due_date"], name="task_owner_open_due_idx"),
            models.Index(fields=["owner", "title"], name="task_owner_title_idx"),
            models.Index(models.F("owner"), priority_rank(), models.F("id"), name="task_owner_rank_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(title=""), name="task_title_not_blank"),
            models.CheckConstraint(
                condition=models.Q(priority__in=[p.value for p in Priority]), name="task_priority_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def label_names(self) -> list[str]:
        """The task's label names, sorted (read with the task where its selector could)."""
        from .labels import task_label_names

        return task_label_names(self)

    @property
    def recurrence_text(self) -> str:
        """The repeat in words ("every Monday"); empty when the task does not repeat."""
        from .recurrence import describe

        return describe(self.recurrence, self.recurrence_from_completion)


class Label(models.Model):
    """A person's label ("work", "groceries"). Names are unique per owner in any case: "Work"
    and "work" are one label; two people's "work" are two labels."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="labels", db_index=False)
    name = models.CharField(max_length=40)
    colour = models.CharField(max_length=7, blank=True, default="", help_text="#rrggbb, or empty")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(models.F("owner"), Lower("name"), name="label_owner_name_unique")]

    def __str__(self) -> str:
        return self.name


class TaskLabel(models.Model):
    """A task's label. The task is not a database reference: tasks are partitioned by owner on
    PostgreSQL (primary key (id, owner_id), migration 0005), so nothing can reference its id
    alone; the services remove a task's links when they delete it. The owner is here so a
    label filter reads only the person's rows."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    task = models.ForeignKey(Task, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["label", "task"], name="tasklabel_label_task_unique")]
        indexes = [models.Index(fields=["task"], name="tasklabel_task_idx")]


class Door(models.TextChoices):
    """Which front door a change came through."""

    PAGE = "page", "Page"
    API = "api", "API"
    CHAT = "chat", "Chat"
    MCP = "mcp", "MCP"
    ADMIN = "admin", "Admin"


class Action(models.TextChoices):
    CREATED = "created", "created"
    UPDATED = "updated", "updated"
    COMPLETED = "completed", "completed"
    REOPENED = "reopened", "reopened"
    DELETED = "deleted", "deleted"


class TaskChange(models.Model):
    """One change of one task: the journal behind the Activity page and undo (tasks.journal).

    Written by the services in the same transaction as the change, so neither exists without the
    other. `before` is None for a creation and `after` None for a deletion; a deletion's `before`
    holds every field, so undo can bring the task back with its id. `batch` groups the changes
    that are undone together: one chat turn, one MCP call, one bulk delete, one undo.
    """

    # The composite indexes below start with the owner; an index of its own would only slow inserts.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_changes", db_index=False)
    # Who acted: the owner, or a support person in the admin. Kept when that person's account goes.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    # Not a database reference: tasks are partitioned by owner (migration 0005, primary key
    # (id, owner_id)) and a deleted task's changes outlive it. The relation lets the admin show a
    # task's changes inline.
    task = models.ForeignKey(
        Task, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="changes"
    )
    action = models.CharField(max_length=9, choices=Action.choices)
    door = models.CharField(max_length=5, choices=Door.choices)
    batch = models.UUIDField()
    # The chat turn's assistant message (set when the turn's reply is saved) or the MCP token;
    # plain ids, since tasks depends on neither chat nor the token store.
    message_id = models.BigIntegerField(null=True, blank=True)
    token_id = models.BigIntegerField(null=True, blank=True)
    reverts = models.UUIDField(null=True, blank=True, help_text="The batch this change undid, if it is an undo.")
    title = models.CharField(max_length=255, help_text="The task's title after the change (before, for a deletion).")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "-id"], name="change_owner_idx"),
            models.Index(fields=["owner", "task", "-id"], name="change_owner_task_idx"),
            models.Index(fields=["owner", "batch"], name="change_owner_batch_idx"),
            models.Index(fields=["owner", "message_id"], name="change_owner_message_idx", condition=models.Q(message_id__isnull=False)),
            models.Index(fields=["owner", "reverts"], name="change_owner_reverts_idx", condition=models.Q(reverts__isnull=False)),
            models.Index(fields=["created_at"], name="change_created_idx"),  # the retention command
        ]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """The change in plain words, as the Activity page and the admin show it:
        'Chat · completed “Buy milk”' ('… put back …' for an undo)."""
        verb = self.get_action_display()
        if self.reverts is not None:
            verb = f"{verb} (undo)"
        return f"{self.get_door_display()} · {verb} “{self.title}”"
