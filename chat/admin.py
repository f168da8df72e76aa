import json

from django.contrib import admin
from django.db.models import Count, F, OuterRef, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from tasks.models import TaskChange

from .models import Conversation, Message


# A conversation can run to thousands of messages; its page shows the latest ones (10,000 inline
# rows made a 14 MB page that took 8 s) and links to all of them in the message list.
TRANSCRIPT_MESSAGES = 200
TRANSCRIPT_LOOKUP = "conversation__id__exact"
# A tool call's arguments or output beyond this many characters are cut in the transcript, with
# a mark and a link to the message's own page, which shows the whole JSON.
TOOL_TEXT_CHARS = 300


class MessageInline(admin.TabularInline):
    """The transcript, read-only: support staff read what was said and what the agent did."""

    model = Message
    extra = 0
    can_delete = False
    fields = ("created_at", "role", "status", "content", "tool_calls_display")
    readonly_fields = fields
    ordering = ("created_at", "id")
    show_change_link = False
    verbose_name_plural = f"Messages (the latest {TRANSCRIPT_MESSAGES})"

    def get_queryset(self, request):
        # Numbered newest first within each conversation; the formset then narrows to this one.
        recency = Window(RowNumber(), partition_by=[F("conversation_id")], order_by=[F("created_at").desc(), F("id").desc()])
        return super().get_queryset(request).annotate(recency=recency).filter(recency__lte=TRANSCRIPT_MESSAGES)

    @admin.display(description="Tool calls")
    def tool_calls_display(self, obj: Message):
        if not obj.tool_calls:
            return "—"
        full_text = reverse("admin:chat_message_change", args=[obj.pk])
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><code>{}({})</code> → <code>{}</code></li>",
                (
                    (c.get("name", "?"), _clipped(c.get("arguments", {}), full_text), _clipped(c.get("output"), full_text))
                    for c in obj.tool_calls
                ),
            ),
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _clipped(value: object, full_text_url: str) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if len(text) <= TOOL_TEXT_CHARS:
        return text
    return format_html('{}</code> <a href="{}">… cut: the full text</a><code>', text[:TOOL_TEXT_CHARS], full_text_url)


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "owner", "message_count", "updated_at")
    search_fields = ("title", "owner__username")
    list_select_related = ("owner",)
    # Not date_hierarchy: its year links read every conversation.
    list_filter = (("updated_at", admin.DateFieldListFilter),)
    readonly_fields = ("owner", "title", "created_at", "updated_at", "all_messages", "task_changes")
    inlines = [MessageInline]

    def get_queryset(self, request):
        # A count per listed row, in the same query: a subquery PostgreSQL evaluates for the page's
        # rows only (a JOIN + GROUP BY would aggregate every message of every conversation first).
        counts = (
            Message.objects.filter(conversation=OuterRef("pk"))
            .order_by()
            .values("conversation")
            .annotate(n=Count("*"))
            .values("n")
        )
        return super().get_queryset(request).annotate(n_messages=Coalesce(Subquery(counts), 0))

    @admin.display(description="Messages", ordering="n_messages")
    def message_count(self, obj):
        return obj.n_messages

    @admin.display(description="Whole transcript")
    def all_messages(self, obj):
        url = reverse("admin:chat_message_changelist") + f"?{TRANSCRIPT_LOOKUP}={obj.pk}"
        return format_html('<a href="{}">All {} messages, in the message list</a>', url, obj.n_messages)

    @admin.display(description="Task changes of its turns")
    def task_changes(self, obj):
        replies = Message.objects.filter(conversation_id=obj.pk, role=Message.Role.ASSISTANT).values("id")
        changes = TaskChange.objects.filter(owner_id=obj.owner_id, message_id__in=replies).order_by("-id")[:TRANSCRIPT_MESSAGES]
        if not changes:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li>{} · message {} · <a href="{}">{}</a></li>',
                (
                    (c.created_at.strftime("%Y-%m-%d %H:%M"), c.message_id, reverse("admin:tasks_taskchange_change", args=[c.pk]), c.describe())
                    for c in changes
                ),
            ),
        )

    def has_add_permission(self, request):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "conversation", "role", "status", "short_content", "created_at")
    list_filter = ("role", "status")
    search_fields = ("content", "conversation__owner__username")
    list_select_related = ("conversation",)
    readonly_fields = ("conversation", "role", "content", "tool_calls", "pending", "status", "client_id", "created_at")

    show_full_result_count = False

    def lookup_allowed(self, lookup, value, request=None):
        # The conversation page links here for one conversation's whole transcript.
        return lookup == TRANSCRIPT_LOOKUP or super().lookup_allowed(lookup, value, request)

    def get_ordering(self, request):
        # One conversation's transcript reads oldest first (its own index); the list of every
        # message is newest first by id, so it never sorts the whole table.
        return ("created_at", "id") if TRANSCRIPT_LOOKUP in request.GET else ("-id",)

    @admin.display(description="Content")
    def short_content(self, obj):
        return obj.content[:80]

    def has_add_permission(self, request):
        return False
