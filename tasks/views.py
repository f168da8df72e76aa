"""The task list pages: plain forms that work without JavaScript, every write through services."""

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from core.errors import ApplicationError

from . import labels, selectors, services, undo
from .forms import QuickAddForm, TaskForm
from .journal import PAGE
from .models import Door

# The list's views, in the order of their tabs. "today" holds what is due by today (overdue
# included, first), "upcoming" what is due from today on, grouped by day on the page.
VIEWS = ("all", "today", "upcoming", "overdue", "pending", "completed")
SEARCH_MAX_CHARS = 200
PAGE_SIZE = 50
# The live-updates socket (design.md "Websocket"); a route of chat's, which tasks does not import.
LIVE_SOCKET_PATH = "/ws/chat/"
_ID_SLOT = 987654321


def _view_filters(show: str, today) -> selectors.TaskFilters:
    agenda = selectors.AGENDA
    return {
        "all": selectors.TaskFilters(ordering=agenda),
        "today": selectors.TaskFilters(completed=False, due_before=today, ordering=agenda),
        "upcoming": selectors.TaskFilters(completed=False, due_after=today, ordering=agenda),
        "overdue": selectors.TaskFilters(overdue=True, ordering=agenda),
        "pending": selectors.TaskFilters(completed=False, ordering=agenda),
        "completed": selectors.TaskFilters(completed=True),
    }[show]


def url_template(viewname: str) -> str:
    """The URL of one object of `viewname` with "{id}" where its id goes, for page scripts to
    fill in (they get every URL from the page, never from a literal of their own)."""
    return reverse(viewname, args=[_ID_SLOT]).replace(str(_ID_SLOT), "{id}")


HISTORY_SIZE = 20  # of one task, on its edit page
# The session key of the "Deleted … Undo" offer the list shows once after a delete without JS.
UNDO_OFFER = "tasks_undo_offer"


def _get_task_or_404(request, task_id):
    try:
        return selectors.task_get(user=request.user, task_id=task_id)
    except selectors.TaskNotFound:
        raise Http404("No such task") from None


def _show(request) -> str | None:
    """The list filter the user came from, so after a change they land back on it."""
    show = request.POST.get("show") or request.GET.get("show")
    return show if show in VIEWS else None


def _back(request):
    url = reverse("tasks:list")
    show = _show(request)
    return redirect(f"{url}?show={show}" if show else url)


def _pager_keep(**query) -> str:
    """The query a page link carries besides `page`, URL-encoded ("show=all&q=milk&"); the
    template escapes it once more for the attribute."""
    kept = urlencode({name: value for name, value in query.items() if value})
    return f"{kept}&" if kept else ""


def _apply_service_errors(form: TaskForm, exc: ValidationError | ApplicationError) -> None:
    if isinstance(exc, ApplicationError):
        field = {"invalid_recurrence": "recurrence", "invalid_label": "labels", "label_exists": "labels"}.get(exc.code)
        form.add_error(field if field in form.fields else None, exc.detail)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _list_context(request, form: TaskForm | None = None, quick: QuickAddForm | None = None) -> dict:
    show = _show(request) or "all"
    search = request.GET.get("q", "").strip()[:SEARCH_MAX_CHARS]
    label = request.GET.get("label", "").strip()[: labels.NAME_MAX] or None
    today = timezone.localdate()
    filters = replace(_view_filters(show, today), search=search or None, labels=(label,) if label else ())
    tasks = selectors.task_list(user=request.user, filters=filters, today=today)
    counts = selectors.task_counts(user=request.user, today=today)
    paginator = Paginator(tasks, PAGE_SIZE)
    if not search and not label:
        # The tab's count is the page count: one COUNT over the user's tasks fewer per view.
        paginator.count = counts[show]
    page = paginator.get_page(request.GET.get("page"))
    return {
        "form": form or TaskForm(),
        "undo_offer": request.session.pop(UNDO_OFFER, None),
        "quick": quick or QuickAddForm(),
        "page": page,
        "tasks": page.object_list,
        "show": show,
        "search": search,
        "label": label,
        "labels": labels.label_list(user=request.user),
        "pager_keep": _pager_keep(show=show, q=search, label=label),
        "views": VIEWS,
        "counts": counts,
        "today": today,
        "tasks_config": {
            "urls": {
                "socket": LIVE_SOCKET_PATH,
                "task": url_template("task-detail"),
                "activityUndo": url_template("activity-undo"),
                "quickAddPreview": reverse("task-quick-add-preview"),
            }
        },
    }


@login_required
def task_list_page(request):
    return render(request, "tasks/task_list.html", _list_context(request))


@login_required
@require_POST
def task_create_page(request):
    form = TaskForm(request.POST)
    if form.is_valid():
        try:
            task = services.task_create(owner=request.user, source=PAGE, **form.service_fields())
        except (ValidationError, ApplicationError) as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, f"Added “{task.title}”.")
            return _back(request)
    return render(request, "tasks/task_list.html", _list_context(request, form), status=400)


@login_required
@require_POST
def task_quick_add_page(request):
    """The quick-add field without JavaScript: the server reads the line (tasks.quick_add, the
    parser of every door) and saves it, or shows what it could not read."""
    quick = QuickAddForm(request.POST)
    if quick.is_valid():
        try:
            task = services.task_quick_add(owner=request.user, text=quick.cleaned_data["text"], today=timezone.localdate(), source=PAGE)
        except services.QuickAddRefused as exc:
            for problem in exc.problems:
                quick.add_error("text", problem)
        except (ValidationError, ApplicationError) as exc:
            quick.add_error("text", exc.detail if isinstance(exc, ApplicationError) else "; ".join(exc.messages))
        else:
            messages.success(request, f"Added “{task.title}”.")
            return _back(request)
    return render(request, "tasks/task_list.html", _list_context(request, quick=quick), status=400)


@login_required
def task_edit_page(request, task_id: int):
    task = _get_task_or_404(request, task_id)
    form = TaskForm(request.POST or None, instance=task)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(user=request.user, task_id=task.pk, source=PAGE, **form.service_fields())
        except (ValidationError, ApplicationError) as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, "Saved.")
            return _back(request)
    status = 400 if form.errors else 200
    history = selectors.change_list(user=request.user, filters=selectors.ChangeFilters(task_id=task.pk))[:HISTORY_SIZE]
    context = {"form": form, "task": task, "show": _show(request), "history": history}
    return render(request, "tasks/task_edit.html", context, status=status)


@login_required
@require_POST
def task_toggle_page(request, task_id: int):
    task = _get_task_or_404(request, task_id)
    # The form says which state the person asked for, so a double submit does not undo itself;
    # a post without it (a page from before this field) flips the task as shown.
    wanted = request.POST.get("completed")
    if wanted not in (None, "true", "false"):
        return HttpResponseBadRequest("completed must be true or false.")
    completed = not task.completed if wanted is None else wanted == "true"
    services.task_set_completed(user=request.user, task_id=task.pk, completed=completed, source=PAGE)
    return _back(request)


@login_required
@require_POST
def task_delete_page(request, task_id: int):
    """Deletes the task and offers to take it back: the page's script asks for JSON and shows an
    Undo toast; without it the list shows the offer once, as a form to the activity undo page."""
    task = _get_task_or_404(request, task_id)
    source = PAGE.one_batch()  # its own batch, so the one entry it writes can be found and undone
    services.task_delete(user=request.user, task_id=task.pk, source=source)
    change = selectors.change_of_batch(user=request.user, batch=source.batch)
    detail = f"Deleted “{task.title}”."
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"detail": detail, "title": task.title, "change_id": change.pk})
    request.session[UNDO_OFFER] = {"detail": detail, "change_id": change.pk}
    return _back(request)


@login_required
def activity_page(request):
    """Every change of the user's tasks, newest first, each with an Undo button."""
    door = request.GET.get("door")
    door = door if door in Door.values else None
    changes = selectors.change_list(user=request.user, filters=selectors.ChangeFilters(door=door))
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "changes": page.object_list,
        "door": door,
        "doors": Door.choices,
        "pager_keep": _pager_keep(door=door),
    }
    return render(request, "tasks/activity_list.html", context)


@login_required
@require_POST
def activity_undo_page(request, change_id: int):
    """Undoes one change, or with scope=batch every change made with it (a chat turn, a bulk delete)."""
    scope = request.POST.get("scope", "entry")
    if scope not in ("entry", "batch"):
        return HttpResponseBadRequest("scope must be entry or batch.")
    try:
        change = selectors.change_get(user=request.user, change_id=change_id)
        if scope == "batch":
            result = undo.batch_undo(user=request.user, batch=change.batch, source=PAGE)
        else:
            result = undo.change_undo(user=request.user, change_id=change.pk, source=PAGE)
    except (selectors.ChangeNotFound, undo.NothingToUndo):
        raise Http404("No such change") from None
    except undo.UndoConflict as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Undone: {result.summary()}.")
    back = request.POST.get("next")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("tasks:activity")
