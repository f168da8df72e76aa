from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models


class Priority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


# Sort key for ordering by priority: high first when descending.
PRIORITY_RANK = {Priority.LOW: 0, Priority.MEDIUM: 1, Priority.HIGH: 2}


class Task(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="", validators=[MaxLengthValidator(4000)])
    completed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.MEDIUM)
    due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "completed"], name="task_owner_completed_idx"),
            models.Index(fields=["owner", "-created_at"], name="task_owner_created_idx"),
            models.Index(fields=["owner", "due_date"], name="task_owner_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(title=""), name="task_title_not_blank"),
            models.CheckConstraint(
                condition=models.Q(priority__in=[p.value for p in Priority]), name="task_priority_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title
