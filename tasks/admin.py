import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from . import services
from .journal import ChangeSource
from .labels import task_label_names
from .models import Door, Label, Task, TaskChange, TaskLabel

# A task's page shows its latest changes; the change list has all of them.
HISTORY_ROWS = 50


class ReadOnlyJournal:
    """Support staff read the journal; nobody edits or deletes it by hand (undo is the user's)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LabelFilter(admin.SimpleListFilter):
    """Tasks with a label of this name (any case, any owner): "the #work tasks of this person"
    with a search by username."""

    title = "label"
    parameter_name = "label"

    def lookups(self, request, model_admin):
        # The most used names, not every label of every user: the sidebar stays short.
        from django.db.models import Count
        from django.db.models.functions import Lower

        names = (
            Label.objects.annotate(key=Lower("name")).values("key").annotate(n=Count("id")).order_by("-n", "key")[:30]
        )
        return [(row["key"], f"#{row['key']}") for row in names]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(pk__in=TaskLabel.objects.filter(label__name__iexact=self.value()).values("task_id"))


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    """Support staff see everyone's tasks; edits go through the services like any other door."""

    list_display = ("id", "title", "owner", "priority", "due_date", "completed", "repeats", "label_names", "created_at")
    # Sized for a table of millions: no date_hierarchy (its year links read every row), newest
    # first by id (the primary key's index; created_at has no index of its own), and one count of
    # the filtered rows instead of two. Measured with 1,000,000 tasks: 770 ms -> 73 ms.
    list_filter = (
        "completed",
        "priority",
        ("due_date", admin.DateFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
        LabelFilter,
    )
    search_fields = ("title", "owner__username")
    list_select_related = ("owner",)
    readonly_fields = ("completed_at", "repeats", "label_names", "created_at", "updated_at", "history")
    fields = (
        "owner", "title", "description", "priority", "due_date", "completed", "completed_at", "repeats", "label_names",
        "created_at", "updated_at", "history",
    )
    raw_id_fields = ("owner",)
    ordering = ("-id",)
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("labels")

    @admin.display(description="Repeats")
    def repeats(self, obj):
        return obj.recurrence_text or "—"

    @admin.display(description="Labels")
    def label_names(self, obj):
        return ", ".join(f"#{name}" for name in task_label_names(obj)) if obj.pk else "—"

    @admin.display(description=f"Changes (the latest {HISTORY_ROWS})")
    def history(self, obj):
        """Rendered, not an inline formset: read-only rows need no form, and posting the task's
        form stays what it was."""
        if obj is None or not obj.pk:
            return "—"
        changes = TaskChange.objects.filter(owner_id=obj.owner_id, task_id=obj.pk).select_related("actor").order_by("-id")[:HISTORY_ROWS]
        return format_html(
            "<table><tr><th>When</th><th>Change</th><th>By</th><th>Turn / token</th><th>Before</th><th>After</th></tr>{}</table>",
            format_html_join(
                "",
                '<tr><td>{}</td><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>',
                (
                    (
                        c.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                        reverse("admin:tasks_taskchange_change", args=[c.pk]),
                        c.describe(),
                        c.actor.username if c.actor else "—",
                        f"message {c.message_id}" if c.message_id else (f"token {c.token_id}" if c.token_id else "—"),
                        json.dumps(c.before, ensure_ascii=False)[:300],
                        json.dumps(c.after, ensure_ascii=False)[:300],
                    )
                    for c in changes
                ),
            ),
        ) if changes else "No recorded changes."

    def get_readonly_fields(self, request, obj=None):
        # A task never changes hands: the services act for its owner, and the owner is fixed.
        return (*self.readonly_fields, "owner") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in ("title", "description", "priority", "due_date", "completed")}
        if change:
            saved = services.task_update(user=obj.owner, task_id=obj.pk, source=_staff(request), **data)
        else:
            saved = services.task_create(owner=obj.owner, source=_staff(request), **data)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.task_delete(user=obj.owner, task_id=obj.pk, source=_staff(request))

    def delete_queryset(self, request, queryset):
        source = _staff(request).one_batch()  # one admin action, undone as one
        for task in queryset.select_related("owner"):
            services.task_delete(user=task.owner, task_id=task.pk, source=source)


def _staff(request) -> ChangeSource:
    """The admin door, with the support person who acted (the owner stays the task's)."""
    return ChangeSource(door=Door.ADMIN, actor_id=request.user.pk)


@admin.register(Label)
class LabelAdmin(ReadOnlyJournal, admin.ModelAdmin):
    """Everyone's labels, read-only: people make and change them through their own doors."""

    list_display = ("id", "name", "owner", "colour", "created_at")
    search_fields = ("name", "owner__username")
    list_select_related = ("owner",)
    fields = ("owner", "name", "colour", "created_at")
    readonly_fields = fields
    ordering = ("-id",)
    show_full_result_count = False


@admin.register(TaskChange)
class TaskChangeAdmin(ReadOnlyJournal, admin.ModelAdmin):
    """Every user's task changes, read-only. Filter by owner (search) and door to follow a story."""

    list_display = ("id", "created_at", "owner", "door", "action", "title", "task_id", "message_id")
    list_filter = ("door", "action")
    search_fields = ("owner__username", "title")
    list_select_related = ("owner",)
    fields = ("owner", "actor", "task_id", "action", "door", "title", "batch", "message_id", "token_id", "reverts", "before", "after", "created_at")
    readonly_fields = fields
    ordering = ("-id",)
    show_full_result_count = False
