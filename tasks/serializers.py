from rest_framework import serializers

from .models import Priority, Task
from .selectors import ORDERING_FIELDS


class StrictSerializerMixin:
    """Rejects fields the endpoint does not know, so a typo is an error, not a silent no-op."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class TaskSerializer(StrictSerializerMixin, serializers.ModelSerializer):
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
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "completed_at", "created_at", "updated_at"]
        extra_kwargs = {"description": {"allow_blank": True, "required": False}}


class TaskListQuerySerializer(serializers.Serializer):
    """The list filters of GET /api/tasks/; bad values are a 400, not ignored."""

    completed = serializers.BooleanField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    search = serializers.CharField(required=False, max_length=255, trim_whitespace=True)
    due_before = serializers.DateField(required=False, help_text="Due on or before this date (YYYY-MM-DD).")
    due_after = serializers.DateField(required=False, help_text="Due on or after this date (YYYY-MM-DD).")
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    ordering = serializers.ChoiceField(
        choices=[*ORDERING_FIELDS, *(f"-{f}" for f in ORDERING_FIELDS)], required=False
    )
    limit = serializers.IntegerField(required=False, min_value=1)
    offset = serializers.IntegerField(required=False, min_value=0)
