import json

from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html, format_html_join

from .models import Conversation, Message


class MessageInline(admin.TabularInline):
    """The transcript, read-only: support staff read what was said and what the agent did."""

    model = Message
    extra = 0
    can_delete = False
    fields = ("created_at", "role", "status", "content", "tool_calls_display")
    readonly_fields = fields
    ordering = ("created_at", "id")
    show_change_link = False

    @admin.display(description="Tool calls")
    def tool_calls_display(self, obj: Message):
        if not obj.tool_calls:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><code>{}({})</code> → <code>{}</code></li>",
                (
                    (c.get("name", "?"), json.dumps(c.get("arguments", {}))[:300], json.dumps(c.get("output"))[:300])
                    for c in obj.tool_calls
                ),
            ),
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "owner", "message_count", "updated_at")
    search_fields = ("title", "owner__username")
    list_select_related = ("owner",)
    date_hierarchy = "updated_at"
    readonly_fields = ("owner", "title", "created_at", "updated_at")
    inlines = [MessageInline]

    def get_queryset(self, request):
        # One COUNT per page, not one query per row.
        return super().get_queryset(request).annotate(n_messages=Count("messages"))

    @admin.display(description="Messages", ordering="n_messages")
    def message_count(self, obj):
        return obj.n_messages

    def has_add_permission(self, request):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "conversation", "role", "status", "short_content", "created_at")
    list_filter = ("role", "status")
    search_fields = ("content", "conversation__owner__username")
    list_select_related = ("conversation",)
    readonly_fields = ("conversation", "role", "content", "tool_calls", "status", "client_id", "created_at")

    @admin.display(description="Content")
    def short_content(self, obj):
        return obj.content[:80]

    def has_add_permission(self, request):
        return False
