"""The agent's tools: thin adapters over tasks.services (writes) and tasks.selectors (reads).

Each tool reads the acting user from the run context, crosses into the ORM exactly once
through `orm_unit` (todo_project.db: one unit of work, evaluated data back), and returns a
small JSON object as a string. A JSON string, not a dict: the SDK hands non-string outputs
to the model as Python `str()`, which is not JSON. Not-found and validation problems are
outputs the model can relay ({"status": "error", ...}), never exceptions.
"""

import json
import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Literal

from agents import FunctionTool, RunContextWrapper, function_tool
from django.core.exceptions import ValidationError

from tasks import selectors, services, undo
from todo_project.db import orm_unit

from .context import TodoContext

logger = logging.getLogger(__name__)

LIST_LIMIT = 50
# list_tasks counts matches exactly up to this many, and says "at least" beyond: an exact count
# reads every match (66,666 index entries, 6 ms, for a user with 100,000 tasks) on every listing,
# so a turn would grow with the list, and no answer needs more than "over a thousand".
LIST_COUNT_CAP = 1000
DESCRIPTION_PREVIEW_CHARS = 200
BULK_TOOLS = ("delete_completed_tasks", "delete_all_tasks")

Priority = Literal["low", "medium", "high"]


def _json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def _error(kind: str, message: str) -> str:
    return _json({"status": "error", "error": kind, "message": message})


def _not_found(task_id: object) -> str:
    return _error("not_found", f"No task {task_id}")


def _invalid(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        parts = [f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()]
    else:
        parts = exc.messages
    return _error("invalid", "; ".join(parts) or "Invalid value.")


def _parse_due(value: str | None) -> date | None:
    """'' or None means no date; anything else must be an ISO date."""
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError({"due_date": [f"'{value}' is not a date; use YYYY-MM-DD."]}) from None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _failure(tool_name: str) -> Callable[[RunContextWrapper[Any], Exception], str]:
    """A failure_error_function: log the real exception, tell the model a safe sentence."""

    def handle(ctx: RunContextWrapper[Any], error: Exception) -> str:
        logger.error("agent tool failed", exc_info=error, extra={"tool": tool_name})
        return _error("failed", f"{tool_name} failed because of a server problem; nothing was changed. Tell the user to try again.")

    return handle


def _tool(name: str) -> Callable[[Callable[..., Any]], FunctionTool]:
    return function_tool(failure_error_function=_failure(name))


# --- sync units of work (each runs in one orm_unit crossing) ---


def _list_unit(ctx: TodoContext, status: str, search: str | None, due: str | None, priority: str | None) -> str:
    today = ctx.today
    completed = {"pending": False, "completed": True}.get(status)
    filters: dict[str, Any] = {"completed": completed, "priority": priority or None}
    if search and search.strip():
        filters["search_words"] = tuple(search.split())
    if due == "today":
        filters["due_on"] = today
    elif due == "overdue":
        filters["overdue"] = True
    elif due == "upcoming":
        filters["due_after"] = today + timedelta(days=1)
    if due:
        # A due window reads soonest first ("what's coming up"), and its first page is then the
        # part of the window nearest to today rather than whatever was added last.
        filters["ordering"] = "due_date"
    qs = selectors.task_list(user=ctx.user, filters=selectors.TaskFilters(**filters), today=today)
    counted = qs.order_by()[: LIST_COUNT_CAP + 1].count()  # any 1,001 rows: the cheapest index order
    # Only the columns a row shows: no model instances, and none of the three timestamps, whose
    # parsing was most of this tool's time on a full page.
    shown = list(qs.values(*TASK_ROW_FIELDS)[:LIST_LIMIT])
    return _json(
        {
            "status": "ok",
            "count": min(counted, LIST_COUNT_CAP),
            "count_exact": counted <= LIST_COUNT_CAP,
            "shown": len(shown),
            "tasks": [_task_row(task) for task in shown],
        }
    )


TASK_ROW_FIELDS = ("id", "title", "description", "completed", "priority", "due_date")


def _task_row(task: dict[str, Any]) -> dict[str, Any]:
    description = task["description"]
    if len(description) > DESCRIPTION_PREVIEW_CHARS:
        description = description[:DESCRIPTION_PREVIEW_CHARS] + "…"
    return {
        "task_id": task["id"],
        "title": task["title"],
        "description": description,
        "completed": task["completed"],
        "priority": task["priority"],
        "due_date": _iso(task["due_date"]),
    }


def _add_unit(ctx: TodoContext, title: str, description: str, due_date: str | None, priority: str | None) -> str:
    try:
        task = services.task_create(
            owner=ctx.user,
            title=title,
            description=description or "",
            due_date=_parse_due(due_date),
            priority=priority,  # None: the service applies the default
            source=ctx.source,
        )
    except ValidationError as exc:
        return _invalid(exc)
    return _json(
        {
            "status": "created",
            "task_id": task.pk,
            "title": task.title,
            "due_date": _iso(task.due_date),
            "priority": task.priority,
        }
    )


def _set_completed_unit(ctx: TodoContext, task_id: int, completed: bool) -> str:
    try:
        task, changed = services.task_set_completed(user=ctx.user, task_id=task_id, completed=completed, source=ctx.source)
    except selectors.TaskNotFound:
        return _not_found(task_id)
    if not changed:
        status = "already_completed" if completed else "already_pending"
    else:
        status = "completed" if completed else "reopened"
    return _json({"status": status, "task_id": task.pk, "title": task.title})


def _update_unit(ctx: TodoContext, task_id: int, changes: dict[str, Any]) -> str:
    try:
        if "due_date" in changes:
            changes["due_date"] = _parse_due(changes["due_date"])
        if not changes:
            task = selectors.task_get(user=ctx.user, task_id=task_id)
            return _error("invalid", f"Nothing to change on task {task.pk}: give a new title, description, due_date or priority.")
        task = services.task_update(user=ctx.user, task_id=task_id, source=ctx.source, **changes)
    except selectors.TaskNotFound:
        return _not_found(task_id)
    except ValidationError as exc:
        return _invalid(exc)
    return _json({"status": "updated", "task_id": task.pk, "title": task.title, "changed": sorted(changes)})


def _delete_unit(ctx: TodoContext, task_id: int) -> str:
    try:
        task = services.task_delete(user=ctx.user, task_id=task_id, source=ctx.source)
    except selectors.TaskNotFound:
        return _not_found(task_id)
    return _json({"status": "deleted", "task_id": task.pk, "title": task.title})


def _bulk_unit(ctx: TodoContext, tool_name: str) -> str:
    only_completed = tool_name == "delete_completed_tasks"
    if not ctx.bulk_confirmed_for(tool_name):
        filters = selectors.TaskFilters(completed=True if only_completed else None)
        count = selectors.task_list(user=ctx.user, filters=filters, today=ctx.today).count()
        what = "completed task" if only_completed else "task"
        noun = what if count == 1 else f"{what}s"
        if count == 0:
            return _json({"status": "deleted", "count": 0, "titles": []})
        message = (
            f"This would permanently delete {count} {noun}. Ask the user to confirm "
            f"(for example: \"Delete {count} {noun}? Reply yes to confirm.\") and call {tool_name} again only after they say yes."
        )
        return _json({"status": "needs_confirmation", "count": count, "message": message})
    if only_completed:
        doomed = services.task_delete_completed(user=ctx.user, source=ctx.source)
    else:
        doomed = services.task_delete_all(user=ctx.user, source=ctx.source)
    return _json({"status": "deleted", "count": len(doomed), "titles": [row["title"] for row in doomed]})


def _undo_unit(ctx: TodoContext) -> str:
    try:
        result = undo.turn_undo_last(user=ctx.user, message_ids=list(ctx.turn_message_ids), source=ctx.source)
    except undo.UndoConflict as exc:
        changed = [{"task_id": t["task_id"], "title": t["title"], "now": t["current"]} for t in exc.tasks]
        return _json({"status": "error", "error": exc.code, "message": exc.detail, "changed_since": changed})
    except undo.NothingToUndo as exc:
        return _error("nothing_to_undo", exc.detail)
    return _json({"status": "undone", "changes": result.changes, "message": f"Undone: {result.summary()}."})


# --- the tools the model sees ---


@_tool("add_task")
async def add_task(
    ctx: RunContextWrapper[TodoContext],
    title: str,
    description: str = "",
    due_date: str | None = None,
    priority: Priority | None = None,
) -> str:
    """Create a new task on the user's todo list.

    Args:
        title: Short task title in the user's words, without the date or priority (e.g. "Buy milk").
        description: Optional longer notes for the task.
        due_date: Optional due date as YYYY-MM-DD. Resolve words like "tomorrow" or "friday" using today's date from the instructions.
        priority: Optional priority: "low", "medium" (the default) or "high".
    """
    return await orm_unit(_add_unit)(ctx.context, title, description, due_date, priority)


@_tool("list_tasks")
async def list_tasks(
    ctx: RunContextWrapper[TodoContext],
    status: Literal["all", "pending", "completed"] = "pending",
    search: str | None = None,
    due: Literal["today", "overdue", "upcoming"] | None = None,
    priority: Priority | None = None,
) -> str:
    """List the user's tasks, newest first, or soonest due first with `due` (at most 50 are shown;
    "count" is how many match).

    "count" is exact up to 1000; when more match, it is 1000 and "count_exact" is false: say "more than 1000".

    Use it to answer questions about the list and to find a task's id before changing a task
    the user names by its words.

    Args:
        status: "pending" (not done yet, the default), "completed", or "all".
        search: Optional words to look for; every word must appear in the title or description (case-insensitive).
        due: Optional due-date window: "today", "overdue" (pending and due before today) or "upcoming" (due after today).
        priority: Optional priority filter: "low", "medium" or "high".
    """
    return await orm_unit(_list_unit)(ctx.context, status, search, due, priority)


@_tool("complete_task")
async def complete_task(ctx: RunContextWrapper[TodoContext], task_id: int) -> str:
    """Mark one task as done.

    Args:
        task_id: The task's id, as shown by list_tasks or add_task.
    """
    return await orm_unit(_set_completed_unit)(ctx.context, task_id, True)


@_tool("reopen_task")
async def reopen_task(ctx: RunContextWrapper[TodoContext], task_id: int) -> str:
    """Mark a completed task as not done again.

    Args:
        task_id: The task's id, as shown by list_tasks.
    """
    return await orm_unit(_set_completed_unit)(ctx.context, task_id, False)


@_tool("update_task")
async def update_task(
    ctx: RunContextWrapper[TodoContext],
    task_id: int,
    title: str | None = None,
    description: str | None = None,
    due_date: str | None = None,
    priority: Priority | None = None,
) -> str:
    """Change a task's title, description, due date or priority. Leave out (null) what should stay as it is.

    Args:
        task_id: The task's id, as shown by list_tasks.
        title: New title, or null to keep it.
        description: New description, or null to keep it ("" empties it).
        due_date: New due date as YYYY-MM-DD, "" to remove the due date, or null to keep it.
        priority: New priority ("low", "medium", "high"), or null to keep it.
    """
    changes = {
        field: value
        for field, value in {"title": title, "description": description, "due_date": due_date, "priority": priority}.items()
        if value is not None
    }
    return await orm_unit(_update_unit)(ctx.context, task_id, changes)


@_tool("delete_task")
async def delete_task(ctx: RunContextWrapper[TodoContext], task_id: int) -> str:
    """Delete one task permanently.

    Args:
        task_id: The task's id, as shown by list_tasks.
    """
    return await orm_unit(_delete_unit)(ctx.context, task_id)


@_tool("delete_completed_tasks")
async def delete_completed_tasks(ctx: RunContextWrapper[TodoContext]) -> str:
    """Delete all of the user's completed tasks at once.

    The first call only answers {"status": "needs_confirmation", ...}: ask the user to confirm,
    and call it again after they reply yes. It deletes only once the user has confirmed.
    """
    return await orm_unit(_bulk_unit)(ctx.context, "delete_completed_tasks")


@_tool("delete_all_tasks")
async def delete_all_tasks(ctx: RunContextWrapper[TodoContext]) -> str:
    """Delete every task on the user's list, done or not. Only when the user clearly asks to delete everything.

    The first call only answers {"status": "needs_confirmation", ...}: ask the user to confirm,
    and call it again after they reply yes. It deletes only once the user has confirmed.
    """
    return await orm_unit(_bulk_unit)(ctx.context, "delete_all_tasks")


@_tool("undo_last_turn")
async def undo_last_turn(ctx: RunContextWrapper[TodoContext]) -> str:
    """Take back every task change of the latest earlier turn of this conversation that changed
    tasks ("undo that", "take that back", "no, put it back"): deleted tasks come back, completed
    ones reopen, edits go back. Calling it again right after redoes what it undid.

    If a task that turn touched was changed since, nothing is undone and the answer lists those
    tasks ("changed_since"): tell the user which, and that nothing was changed.
    """
    return await orm_unit(_undo_unit)(ctx.context)


TODO_TOOLS: list[FunctionTool] = [
    add_task,
    list_tasks,
    complete_task,
    reopen_task,
    update_task,
    delete_task,
    delete_completed_tasks,
    delete_all_tasks,
    undo_last_turn,
]
