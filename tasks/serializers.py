from datetime import datetime

from django.utils import timezone
from django.utils.functional import cached_property
from rest_framework import serializers

from core.serializers import StrictSerializerMixin

from .labels import MAX_PER_TASK, NAME_MAX, task_label_names
from .models import Door, Label, Priority, Task, TaskChange
from .selectors import ORDERING_FIELDS


class LabelNamesField(serializers.ListField):
    """A task's labels as a list of names (sorted); names the owner has not used yet are created."""

    def get_attribute(self, instance: Task) -> list[str]:
        return task_label_names(instance)


class TaskSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    """A task. On writes: title 1-255 characters (trimmed), description up to 4000, unknown fields refused.
    `recurrence` takes RRULE text ("FREQ=WEEKLY;BYDAY=MO") or a phrase ("every 3 days", "every!
    week" to count from completion); "" stops the repeat."""

    recurrence = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=255,
        help_text='RRULE text or a phrase such as "every month on the 1st"; read back as RRULE text. "" or null: does not repeat.',
    )
    recurrence_from_completion = serializers.BooleanField(
        required=False,
        help_text='true: the next date counts from when the task is done, not from its due date (Todoist\'s "every!"). '
        "A phrase sets it too; RRULE text leaves it as it was. true needs a recurrence.",
    )
    recurrence_text = serializers.CharField(read_only=True, help_text='The repeat in words: "every Monday"; "" when it does not repeat.')
    labels = LabelNamesField(
        child=serializers.CharField(max_length=NAME_MAX + 1), required=False, max_length=MAX_PER_TASK,
        help_text="Label names; ones you do not have yet are created.",
    )

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "description",
            "completed",
            "completed_at",
            "priority",
            "due_date",
            "recurrence",
            "recurrence_from_completion",
            "recurrence_text",
            "labels",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "completed_at", "recurrence_text", "created_at", "updated_at"]
        extra_kwargs = {
            "description": {"allow_blank": True, "required": False},
            # The browsable API's form starts on the model's default, not the first choice (Low).
            "priority": {"initial": Priority.MEDIUM},
        }

    def to_representation(self, instance: Task) -> dict:
        # The list endpoint renders up to 100 tasks a request, and live updates and agent tools
        # render one per write. DRF's field-by-field path spent ~30% of a 50-row list request here
        # (a timezone lookup per datetime, field objects built per serializer); this builds the same
        # JSON directly. tests/test_serializers.py holds it equal to DRF's own rendering.
        tz = self._render_timezone
        return {
            "id": instance.pk,
            "title": instance.title,
            "description": instance.description,
            "completed": instance.completed,
            "completed_at": _iso_datetime(instance.completed_at, tz),
            "priority": str(instance.priority),
            "due_date": instance.due_date.isoformat() if instance.due_date else None,
            "recurrence": instance.recurrence,
            "recurrence_from_completion": instance.recurrence_from_completion,
            "recurrence_text": instance.recurrence_text,
            "labels": task_label_names(instance),
            "created_at": _iso_datetime(instance.created_at, tz),
            "updated_at": _iso_datetime(instance.updated_at, tz),
        }

    @cached_property
    def _render_timezone(self):
        # Once per serializer, not per task: a list's rows share one child serializer, and the
        # lookup (an asgiref Local) was 3% of a 50-row list request. A serializer lives for one
        # request or one payload, never across a timezone.activate().
        return timezone.get_current_timezone()


def _iso_datetime(value: datetime | None, tz) -> str | None:
    """What DRF's DateTimeField renders: ISO 8601 in the current time zone, UTC as "Z"."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class TaskListQuerySerializer(serializers.Serializer):
    """The list filters of GET /api/tasks/; bad values are a 400, not ignored."""

    completed = serializers.BooleanField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text="Text to find in the title or description (any case)."
    )
    due_before = serializers.DateField(required=False, help_text="Due on or before this date (YYYY-MM-DD).")
    due_after = serializers.DateField(required=False, help_text="Due on or after this date (YYYY-MM-DD).")
    overdue = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: open tasks due before today."
    )
    ordering = serializers.ChoiceField(
        choices=[*ORDERING_FIELDS, *(f"-{f}" for f in ORDERING_FIELDS)],
        required=False,
        help_text="Sort key; prefix - for descending. Default: newest first.",
    )
    label = serializers.ListField(
        child=serializers.CharField(max_length=NAME_MAX + 1), required=False, max_length=MAX_PER_TASK,
        help_text="Only tasks with this label (any case); repeat it for tasks with all of several labels.",
    )


class LabelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    """One of your labels. The name is unique among yours in any case; colour is #rrggbb or ""."""

    task_count = serializers.IntegerField(read_only=True, required=False, help_text="How many of your tasks have it.")

    class Meta:
        model = Label
        fields = ["id", "name", "colour", "task_count", "created_at"]
        read_only_fields = ["id", "task_count", "created_at"]
        extra_kwargs = {"colour": {"required": False, "allow_blank": True}}


class QuickAddSerializer(StrictSerializerMixin, serializers.Serializer):
    text = serializers.CharField(
        max_length=1000, help_text='One line: "pay rent every month on the 1st #home !high". Dates, repeats, #labels and !priority are read out of it.'
    )


class QuickAddPreviewSerializer(serializers.Serializer):
    """What quick add would save, without saving it."""

    title = serializers.CharField(allow_blank=True)
    due_date = serializers.DateField(allow_null=True)
    recurrence = serializers.CharField(allow_blank=True)
    recurrence_text = serializers.CharField(allow_blank=True)
    labels = serializers.ListField(child=serializers.CharField())
    priority = serializers.ChoiceField(choices=Priority.choices)
    problems = serializers.ListField(child=serializers.CharField(), help_text="What could not be read; saving would be refused with these.")


# --- the journal: GET /api/activity/, undo ---


class TaskChangeSerializer(serializers.ModelSerializer):
    """One change of one task: what, through which door, and the fields before and after."""

    summary = serializers.CharField(source="describe", read_only=True, help_text='In plain words: Chat · completed “Buy milk”.')
    undo_of = serializers.UUIDField(source="reverts", read_only=True, allow_null=True, help_text="The batch this change undid, when it is an undo.")

    class Meta:
        model = TaskChange
        fields = ["id", "task_id", "title", "action", "door", "summary", "before", "after", "batch", "message_id", "undo_of", "created_at"]
        read_only_fields = fields


class ActivityQuerySerializer(serializers.Serializer):
    """The filters of GET /api/activity/; bad values are a 400."""

    task = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, help_text="Only this task's changes.")
    door = serializers.ChoiceField(choices=Door.choices, required=False, help_text="Only changes through this door.")
    date = serializers.DateField(required=False, help_text="Only changes made on this day (YYYY-MM-DD).")


UNDO_SCOPES = [("entry", "entry"), ("batch", "batch")]


class UndoRequestSerializer(StrictSerializerMixin, serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=UNDO_SCOPES,
        default="entry",
        help_text="entry: this change alone; batch: every change made with it (its chat turn, MCP call or bulk delete).",
    )


class UndoneChangeSerializer(serializers.Serializer):
    task_id = serializers.IntegerField()
    title = serializers.CharField()
    action = serializers.ChoiceField(choices=TaskChange._meta.get_field("action").choices, help_text="What the undo did to the task.")
    change_id = serializers.IntegerField(help_text="The undo's own journal entry; undo it (scope batch) to redo.")


class UndoResultSerializer(serializers.Serializer):
    detail = serializers.CharField()
    batch = serializers.UUIDField(help_text="The undo's own batch: undo one of its entries with scope=batch to redo.")
    changes = UndoneChangeSerializer(many=True)


class ChangedTaskSerializer(serializers.Serializer):
    task_id = serializers.IntegerField()
    title = serializers.CharField()
    current = TaskSerializer(allow_null=True, help_text="The task now; null when it no longer exists.")
    changed_by = serializers.DictField(required=False, help_text="The latest change since: action, door, at.")


class UndoConflictSerializer(serializers.Serializer):
    """409: nothing was undone because these tasks changed since (or it was undone already)."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=[("undo_conflict", "undo_conflict"), ("already_undone", "already_undone")])
    tasks = ChangedTaskSerializer(many=True)
