"""The task tools, one registry for every door: the chat agent's FunctionTools here, and the MCP
door's tools (mcp_door.tools) over the same units (`REGISTRY`, `run_unit`).

Each agent tool reads the acting user from the run context, crosses into the ORM exactly once
through `orm_unit` (core.db: one unit of work, evaluated data back), and returns a
small JSON object as a string. A JSON string, not a dict: the SDK hands non-string outputs
to the model as Python `str()`, which is not JSON. Not-found and validation problems are
outputs the model can relay ({"status": "error", ...}), never exceptions.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from agents import FunctionTool, RunContextWrapper, function_tool
from agents.exceptions import ModelBehaviorError
from django.core.exceptions import ValidationError

from core.db import orm_unit
from core.errors import ApplicationError
from tasks import labels as task_labels
from tasks import selectors, services, undo
from tasks.recurrence import describe as describe_rule

from . import confirmation
from .confirmation import NEEDS_CONFIRMATION
from .context import TodoContext
from .tool_arguments import INVALID_ARGUMENTS, checked, problem_answer

logger = logging.getLogger(__name__)

LIST_LIMIT = 50
# list_tasks counts matches exactly up to this many, and says "at least" beyond: an exact count
# reads every match (66,666 index entries, 6 ms, for a user with 100,000 tasks) on every listing,
# so a turn would grow with the list, and no answer needs more than "over a thousand".
LIST_COUNT_CAP = 1000
DESCRIPTION_PREVIEW_CHARS = 200

Priority = Literal["low", "medium", "high"]


def _json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"status": "error", "error": kind, "message": message}


def _not_found(task_id: object) -> dict[str, Any]:
    return _error("not_found", f"No task {task_id}")


def _invalid(exc: ValidationError) -> dict[str, Any]:
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


def _rejected(exc: ApplicationError) -> dict[str, Any]:
    """A repeat or label the services could not take: the model relays what was not understood."""
    return _error("invalid", exc.detail)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _failure(tool_name: str) -> Callable[[RunContextWrapper[Any], Exception], str]:
    """A failure_error_function: log the real exception, tell the model a safe sentence."""

    def handle(ctx: RunContextWrapper[Any], error: Exception) -> str:
        if isinstance(error, ModelBehaviorError):
            # The model's arguments, not the server (tool_arguments reads most of these first).
            logger.info("model sent unusable tool arguments", extra={"tool": tool_name})
            return problem_answer(INVALID_ARGUMENTS, f"{tool_name} was not run: its arguments could not be used. Nothing was changed; call it again with arguments that follow its schema.")
        logger.error("agent tool failed", exc_info=error, extra={"tool": tool_name})
        return _json(_error("failed", f"{tool_name} failed because of a server problem; nothing was changed. Tell the user to try again."))

    return handle


def _tool(name: str) -> Callable[[Callable[..., Any]], FunctionTool]:
    """A function tool whose arguments are read by tool_arguments first (a null for an optional
    argument is "not given"; unusable arguments are answered to the model, not run)."""

    def make(func: Callable[..., Any]) -> FunctionTool:
        return checked(function_tool(failure_error_function=_failure(name))(func), func)

    return make


# --- the units: each tool's rules, shared by every door ---
#
# One sync function per tool, run inside one orm_unit crossing: it takes the TodoContext and the
# tool's arguments and returns the tool's answer as a dict. The chat agent's FunctionTools below
# and the MCP door (mcp_door.tools) both reach them through `run_unit`, so a tool's rules exist
# once, and a check that must hold for every call (a limit, a confirmation count) goes there.


def _list_unit(
    ctx: TodoContext,
    *,
    status: str = "pending",
    search: str | None = None,
    due: str | None = None,
    priority: str | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    today = ctx.today
    completed = {"pending": False, "completed": True}.get(status)
    filters: dict[str, Any] = {"completed": completed, "priority": priority or None}
    if label and label.strip():
        filters["labels"] = (label.strip().lstrip("#"),)
    if search and search.strip():
        filters["search_words"] = tuple(search.split())
    if due == "today":
        filters["due_on"] = today
    elif due == "overdue":
        filters["overdue"] = True
    elif due == "upcoming":
        filters["due_after"] = today + timedelta(days=1)
    # Soonest due first, so overdue tasks lead ("what's coming up"), and a page is then the part
    # nearest to today rather than whatever was added last; undated, then done ones, after.
    filters["ordering"] = selectors.AGENDA
    qs = selectors.task_list(user=ctx.user, filters=selectors.TaskFilters(**filters), today=today)
    counted = qs.order_by()[: LIST_COUNT_CAP + 1].count()  # any 1,001 rows: the cheapest index order
    # Only the columns a row shows: no model instances, and none of the three timestamps, whose
    # parsing was most of this tool's time on a full page.
    shown = list(qs.values(*TASK_ROW_FIELDS)[:LIST_LIMIT])
    names = task_labels.label_names_for(user=ctx.user, task_ids=[task["id"] for task in shown])
    return {
        "status": "ok",
        "count": min(counted, LIST_COUNT_CAP),
        "count_exact": counted <= LIST_COUNT_CAP,
        "shown": len(shown),
        "tasks": [_task_row(task, names.get(task["id"], [])) for task in shown],
    }


TASK_ROW_FIELDS = ("id", "title", "description", "completed", "priority", "due_date", "recurrence", "recurrence_from_completion")


def _task_row(task: dict[str, Any], labels: list[str]) -> dict[str, Any]:
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
        "recurrence_text": describe_rule(task["recurrence"], task["recurrence_from_completion"]),
        "labels": labels,
    }


def _add_unit(
    ctx: TodoContext,
    *,
    title: str,
    description: str = "",
    due_date: str | None = None,
    priority: str | None = None,
    labels: list[str] | None = None,
    recurrence: str | None = None,
) -> dict[str, Any]:
    try:
        task = services.task_create(
            owner=ctx.user,
            title=title,
            description=description or "",
            due_date=_parse_due(due_date),
            priority=priority,  # None: the service applies the default
            labels=labels or None,
            recurrence=recurrence or None,
            today=ctx.today,
            source=ctx.source,
        )
    except ValidationError as exc:
        return _invalid(exc)
    except ApplicationError as exc:
        return _rejected(exc)
    return {
        "status": "created",
        "task_id": task.pk,
        "title": task.title,
        "due_date": _iso(task.due_date),
        "priority": task.priority,
        "recurrence_text": task.recurrence_text,
        "labels": task_labels.task_label_names(task),
    }


def _set_completed_unit(ctx: TodoContext, *, task_id: int, completed: bool) -> dict[str, Any]:
    try:
        task, changed = services.task_set_completed(
            user=ctx.user, task_id=task_id, completed=completed, today=ctx.today, source=ctx.source
        )
    except selectors.TaskNotFound:
        return _not_found(task_id)
    if not changed:
        status = "already_completed" if completed else "already_pending"
    else:
        status = "completed" if completed else "reopened"
    answer = {"status": status, "task_id": task.pk, "title": task.title}
    if completed and changed and not task.completed:
        # A repeating task: this occurrence is done, and the task stays open on its next date.
        answer.update(next_due_date=_iso(task.due_date), recurrence_text=task.recurrence_text, still_open=True)
    return answer


def _complete_unit(ctx: TodoContext, *, task_id: int) -> dict[str, Any]:
    return _set_completed_unit(ctx, task_id=task_id, completed=True)


def _reopen_unit(ctx: TodoContext, *, task_id: int) -> dict[str, Any]:
    return _set_completed_unit(ctx, task_id=task_id, completed=False)


def _update_unit(
    ctx: TodoContext,
    *,
    task_id: int,
    title: str | None = None,
    description: str | None = None,
    due_date: str | None = None,
    priority: str | None = None,
    recurrence: str | None = None,
    labels: list[str] | None = None,
    add_labels: list[str] | None = None,
    remove_labels: list[str] | None = None,
) -> dict[str, Any]:
    """None leaves a field as it is; "" clears the description, the due date or the repeat."""
    given = {
        "title": title, "description": description, "due_date": due_date, "priority": priority, "recurrence": recurrence,
        "labels": labels, "add_labels": add_labels or None, "remove_labels": remove_labels or None,
    }
    changes = {field: value for field, value in given.items() if value is not None}
    try:
        if "due_date" in changes:
            changes["due_date"] = _parse_due(changes["due_date"])
        if not changes:
            task = selectors.task_get(user=ctx.user, task_id=task_id)
            return _error("invalid", f"Nothing to change on task {task.pk}: give a new title, description, due_date, priority, recurrence or labels.")
        task = services.task_update(user=ctx.user, task_id=task_id, today=ctx.today, source=ctx.source, **changes)
    except selectors.TaskNotFound:
        return _not_found(task_id)
    except ValidationError as exc:
        return _invalid(exc)
    except ApplicationError as exc:
        return _rejected(exc)
    answer = {"status": "updated", "task_id": task.pk, "title": task.title, "changed": sorted(changes)}
    if {"recurrence", "labels", "add_labels", "remove_labels"} & set(changes):
        answer.update(
            due_date=_iso(task.due_date), recurrence_text=task.recurrence_text, labels=task_labels.task_label_names(task)
        )
    return answer


def _delete_unit(ctx: TodoContext, *, task_id: int) -> dict[str, Any]:
    try:
        task = services.task_delete(user=ctx.user, task_id=task_id, source=ctx.source)
    except selectors.TaskNotFound:
        return _not_found(task_id)
    return {"status": "deleted", "task_id": task.pk, "title": task.title}


def _bulk_unit(ctx: TodoContext, tool_name: str, confirmed: bool) -> dict[str, Any]:
    """Without `confirmed`, only says what it would delete (needs_confirmation) and changes nothing."""
    only_completed = tool_name == "delete_completed_tasks"
    if not confirmed:
        filters = selectors.TaskFilters(completed=True if only_completed else None)
        count = selectors.task_list(user=ctx.user, filters=filters, today=ctx.today).count()
        what = "completed task" if only_completed else "task"
        noun = what if count == 1 else f"{what}s"
        if count == 0:
            return {"status": "deleted", "count": 0, "titles": []}
        message = (
            f"This would permanently delete {count} {noun}. Ask the user to confirm "
            f"(for example: \"Delete {count} {noun}? Reply yes to confirm.\") and call {tool_name} again only after they say yes."
        )
        ctx.questions.after = confirmation.confirm_question(tool_name, count)
        return {"status": NEEDS_CONFIRMATION, "count": count, "message": message}
    if only_completed:
        doomed = services.task_delete_completed(user=ctx.user, source=ctx.source)
    else:
        doomed = services.task_delete_all(user=ctx.user, source=ctx.source)
    return {"status": "deleted", "count": len(doomed), "titles": [row["title"] for row in doomed]}


def _delete_completed_unit(ctx: TodoContext, *, confirm: bool = False) -> dict[str, Any]:
    return _bulk_unit(ctx, "delete_completed_tasks", confirm)


def _delete_all_unit(ctx: TodoContext, *, confirm: bool = False) -> dict[str, Any]:
    return _bulk_unit(ctx, "delete_all_tasks", confirm)


def _undo_unit(ctx: TodoContext) -> dict[str, Any]:
    try:
        result = undo.turn_undo_last(user=ctx.user, message_ids=list(ctx.turn_message_ids), source=ctx.source)
    except undo.UndoConflict as exc:
        changed = [{"task_id": t["task_id"], "title": t["title"], "now": t["current"]} for t in exc.tasks]
        return {"status": "error", "error": exc.code, "message": exc.detail, "changed_since": changed}
    except undo.NothingToUndo as exc:
        return _error("nothing_to_undo", exc.detail)
    return {"status": "undone", "changes": result.changes, "message": f"Undone: {result.summary()}."}


@dataclass(frozen=True)
class ToolSpec:
    """One tool as every door knows it: its name, its unit, and the hints MCP clients read
    (readOnlyHint, destructiveHint, idempotentHint)."""

    name: str
    unit: Callable[..., dict[str, Any]]
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    chat_only: bool = False  # served to the chat agent only, not on the MCP door


REGISTRY: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec("add_task", _add_unit),
        ToolSpec("list_tasks", _list_unit, read_only=True, idempotent=True),
        ToolSpec("complete_task", _complete_unit, idempotent=True),
        ToolSpec("reopen_task", _reopen_unit, idempotent=True),
        ToolSpec("update_task", _update_unit, idempotent=True),
        ToolSpec("delete_task", _delete_unit, destructive=True, idempotent=True),
        ToolSpec("delete_completed_tasks", _delete_completed_unit, destructive=True, idempotent=True),
        ToolSpec("delete_all_tasks", _delete_all_unit, destructive=True, idempotent=True),
        # The chat agent's only: it undoes a turn of the conversation the call is part of, and an
        # MCP call has no conversation (outside agents undo through the Activity page or API).
        ToolSpec("undo_last_turn", _undo_unit, chat_only=True),
    )
}


def run_unit(ctx: TodoContext, tool_name: str, **arguments: Any) -> dict[str, Any]:
    """One call of a tool, from any door (sync: call it inside an orm_unit crossing)."""
    return REGISTRY[tool_name].unit(ctx, **arguments)


async def _run(ctx: TodoContext, tool_name: str, **arguments: Any) -> str:
    """The agent's door: one crossing, the answer as JSON text."""
    return _json(await orm_unit(run_unit)(ctx, tool_name, **arguments))


_EFFECT = {"delete_task": ("delete", "deleted"), "complete_task": ("complete", "completed")}


def _held_for_confirmation(ctx: TodoContext, tool_name: str, task_id: int) -> str | None:
    """The per-turn limit on deletes and completions, whatever path the model takes to them.

    Each call counts before it acts (so calls running side by side cannot all slip under the
    limit); past confirmation.bulk_confirm_over() calls in one turn the task is left alone and
    the answer asks for a confirmation, which the next turn's "yes" gives (chat.turn).
    """
    if ctx.bulk_confirmed_for(tool_name):
        return None
    limit = confirmation.bulk_confirm_over()
    if ctx.changes[tool_name] < limit:
        ctx.changes[tool_name] += 1
        return None
    asked = ctx.questions.after
    held = list(asked.get("task_ids") or []) if asked and asked.get("tool") == tool_name else []
    held.append(task_id)
    ctx.questions.after = confirmation.confirm_question(tool_name, len(held), held)
    verb, done = _EFFECT[tool_name]
    message = (
        f"Not {done}: this turn already {done} {limit} tasks, and more than {limit} at once needs the user's "
        f"confirmation. Tell the user what was {done}, ask them to confirm the other {len(held)} "
        f"(for example: \"{verb.capitalize()} {len(held)} more tasks? Reply yes to confirm.\") and call {tool_name} "
        "for them again only after they say yes."
    )
    return _json({"status": NEEDS_CONFIRMATION, "task_id": task_id, "count": len(held), "message": message})


# --- the tools the model sees ---


@_tool("add_task")
async def add_task(
    ctx: RunContextWrapper[TodoContext],
    title: str,
    description: str = "",
    due_date: str | None = None,
    priority: Priority | None = None,
    labels: list[str] | None = None,
    recurrence: str | None = None,
) -> str:
    """Create a new task on the user's todo list.

    Args:
        title: Short task title in the user's words, without the date, repeat, labels or priority (e.g. "Buy milk").
        description: Optional longer notes for the task.
        due_date: Optional due date as YYYY-MM-DD. Resolve words like "tomorrow" or "friday" using today's date from the instructions. With a recurrence, the first date on or after it.
        priority: Optional priority: "low", "medium" (the default) or "high".
        labels: Optional label names, e.g. ["home"] for "#home" (new names are created).
        recurrence: Optional repeat, as the user said it ("every 3 days", "every monday", "every month on the 1st", "every! week" to count from completion) or as RRULE text. Completing a repeating task moves it to its next date.
    """
    return await _run(
        ctx.context, "add_task", title=title, description=description, due_date=due_date, priority=priority, labels=labels, recurrence=recurrence
    )


@_tool("list_tasks")
async def list_tasks(
    ctx: RunContextWrapper[TodoContext],
    status: Literal["all", "pending", "completed"] = "pending",
    search: str | None = None,
    due: Literal["today", "overdue", "upcoming"] | None = None,
    priority: Priority | None = None,
    label: str | None = None,
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
        label: Optional label name: only tasks with this label ("show my work tasks" -> "work").
    """
    return await _run(ctx.context, "list_tasks", status=status, search=search, due=due, priority=priority, label=label)


@_tool("complete_task")
async def complete_task(ctx: RunContextWrapper[TodoContext], task_id: int) -> str:
    """Mark one task as done. A repeating task moves to its next due date and stays open
    (the answer has "next_due_date").

    A turn may complete a few tasks (3 by default); past that the result is {"status": "needs_confirmation", ...}:
    ask the user to confirm, and complete the rest after they reply yes.

    Args:
        task_id: The task's id, as shown by list_tasks or add_task.
    """
    held = _held_for_confirmation(ctx.context, "complete_task", task_id)
    if held:
        return held
    return await _run(ctx.context, "complete_task", task_id=task_id)


@_tool("reopen_task")
async def reopen_task(ctx: RunContextWrapper[TodoContext], task_id: int) -> str:
    """Mark a completed task as not done again.

    Args:
        task_id: The task's id, as shown by list_tasks.
    """
    return await _run(ctx.context, "reopen_task", task_id=task_id)


@_tool("update_task")
async def update_task(
    ctx: RunContextWrapper[TodoContext],
    task_id: int,
    title: str | None = None,
    description: str | None = None,
    due_date: str | None = None,
    priority: Priority | None = None,
    recurrence: str | None = None,
    labels: list[str] | None = None,
    add_labels: list[str] | None = None,
    remove_labels: list[str] | None = None,
) -> str:
    """Change a task's title, description, due date, priority, repeat or labels. Leave out (null) what should stay as it is.

    Args:
        task_id: The task's id, as shown by list_tasks.
        title: New title, or null to keep it.
        description: New description, or null to keep it ("" empties it).
        due_date: New due date as YYYY-MM-DD, "" to remove the due date, or null to keep it.
        priority: New priority ("low", "medium", "high"), or null to keep it.
        recurrence: A repeat ("every week", "every monday", RRULE text), "" to stop repeating, or null to keep it.
        labels: The task's labels, replacing the ones it has, or null to keep them.
        add_labels: Labels to add ("label X as work" -> ["work"]), keeping the others.
        remove_labels: Labels to take off ("remove the work label from X" -> ["work"]).
    """
    return await _run(
        ctx.context, "update_task", task_id=task_id, title=title, description=description, due_date=due_date, priority=priority,
        recurrence=recurrence, labels=labels, add_labels=add_labels, remove_labels=remove_labels,
    )


@_tool("delete_task")
async def delete_task(ctx: RunContextWrapper[TodoContext], task_id: int) -> str:
    """Delete one task permanently.

    A turn may delete a few tasks (3 by default); past that the result is {"status": "needs_confirmation", ...}:
    ask the user to confirm, and delete the rest after they reply yes.

    Args:
        task_id: The task's id, as shown by list_tasks.
    """
    held = _held_for_confirmation(ctx.context, "delete_task", task_id)
    if held:
        return held
    return await _run(ctx.context, "delete_task", task_id=task_id)


@_tool("delete_completed_tasks")
async def delete_completed_tasks(ctx: RunContextWrapper[TodoContext]) -> str:
    """Delete all of the user's completed tasks at once.

    The first call only answers {"status": "needs_confirmation", ...}: ask the user to confirm,
    and call it again after they reply yes. It deletes only once the user has confirmed.
    """
    return await _run(ctx.context, "delete_completed_tasks", confirm=ctx.context.bulk_confirmed_for("delete_completed_tasks"))


@_tool("delete_all_tasks")
async def delete_all_tasks(ctx: RunContextWrapper[TodoContext]) -> str:
    """Delete every task on the user's list, done or not. Only when the user clearly asks to delete everything.

    The first call only answers {"status": "needs_confirmation", ...}: ask the user to confirm,
    and call it again after they reply yes. It deletes only once the user has confirmed.
    """
    return await _run(ctx.context, "delete_all_tasks", confirm=ctx.context.bulk_confirmed_for("delete_all_tasks"))


@_tool("undo_last_turn")
async def undo_last_turn(ctx: RunContextWrapper[TodoContext]) -> str:
    """Take back every task change of the latest earlier turn of this conversation that changed
    tasks ("undo that", "take that back", "no, put it back"): deleted tasks come back, completed
    ones reopen, edits go back. Calling it again right after redoes what it undid.

    If a task that turn touched was changed since, nothing is undone and the answer lists those
    tasks ("changed_since"): tell the user which, and that nothing was changed.
    """
    return await _run(ctx.context, "undo_last_turn")


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
