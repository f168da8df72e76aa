"""The chat page: the conversation UI plus the user's task list, rendered server-side so it
shows (and links to the no-JS task pages) before any script runs."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from agents_bridge import confirmation
from tasks import selectors

SIDE_PENDING_LIMIT = 100
SIDE_DONE_LIMIT = 20


@login_required
def chat_app_page(request):
    today = timezone.localdate()
    pending = selectors.task_list(user=request.user, filters=selectors.TaskFilters(completed=False), today=today)
    done = selectors.task_list(user=request.user, filters=selectors.TaskFilters(completed=True), today=today)
    overdue = selectors.task_list(user=request.user, filters=selectors.TaskFilters(overdue=True), today=today)
    context = {
        "pending_tasks": list(pending[:SIDE_PENDING_LIMIT]),
        "done_tasks": list(done[:SIDE_DONE_LIMIT]),
        "counts": {"pending": pending.count(), "completed": done.count(), "overdue": overdue.count()},
        "today": today,
        "max_message_chars": settings.CHAT_MAX_MESSAGE_CHARS,
        "needs_confirmation_status": confirmation.NEEDS_CONFIRMATION,  # the tool status the page shows as a question
    }
    return render(request, "chat/chat_app.html", context)
