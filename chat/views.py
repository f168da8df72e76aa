"""The chat page: the conversation UI plus the user's task list, rendered server-side so it
shows (and links to the no-JS task pages) before any script runs."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from agents_bridge import confirmation
from tasks import selectors
from tasks.views import url_template

from .routing import SOCKET_PATH

SIDE_PENDING_LIMIT = 100
SIDE_DONE_LIMIT = 20


def _page_config() -> dict:
    """What the page's script needs from the server (handed over with json_script)."""
    chat_page = reverse("chat:app")
    return {
        "maxMessageChars": settings.CHAT_MAX_MESSAGE_CHARS,
        # The tool status the page shows as a question (a bulk change waiting for a yes).
        "needsConfirmationStatus": confirmation.NEEDS_CONFIRMATION,
        "urls": {
            "socket": "/" + SOCKET_PATH,
            "chatPage": chat_page,
            "login": f"{reverse('login')}?next={chat_page}",
            "tasks": reverse("task-list"),
            "task": url_template("task-detail"),
            "taskEdit": url_template("tasks:edit"),
            "taskList": reverse("tasks:list"),
            "conversations": reverse("chat_api:conversation-list"),
            "conversation": url_template("chat_api:conversation-detail"),
            "turnUndo": url_template("chat_api:chat-turn-undo"),
        },
    }


@login_required
def chat_app_page(request):
    today = timezone.localdate()
    pending = selectors.task_list(
        user=request.user, filters=selectors.TaskFilters(completed=False, ordering=selectors.AGENDA), today=today
    )
    done = selectors.task_list(user=request.user, filters=selectors.TaskFilters(completed=True), today=today)
    overdue = selectors.task_list(user=request.user, filters=selectors.TaskFilters(overdue=True), today=today)
    context = {
        # Each side task shows its labels: one query for all of them, not one per task.
        "pending_tasks": list(pending.with_label_names(request.user.pk)[:SIDE_PENDING_LIMIT]),
        "done_tasks": list(done.with_label_names(request.user.pk)[:SIDE_DONE_LIMIT]),
        "counts": {"pending": pending.count(), "completed": done.count(), "overdue": overdue.count()},
        "today": today,
        "max_message_chars": settings.CHAT_MAX_MESSAGE_CHARS,
        "chat_config": _page_config(),
    }
    return render(request, "chat/chat_app.html", context)
