"""Short conversation titles, like a person would give them: from what the first turn did
("Add Buy milk", "Due today"), else from the first message, cut at a word."""

from typing import Any, Callable

TITLE_CHARS = 60
SHORT_TITLE_CHARS = 40


def cut_title(text: str, limit: int = TITLE_CHARS) -> str:
    """The text on one line, cut at a word near `limit`."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return cut.rstrip(" ,.;:-") + "…"


def _task_title(call: dict[str, Any]) -> str:
    output = call.get("output") if isinstance(call.get("output"), dict) else {}
    arguments = call.get("arguments") if isinstance(call.get("arguments"), dict) else {}
    title = output.get("title") or arguments.get("title")
    return cut_title(str(title), SHORT_TITLE_CHARS) if title else ""


def _list_title(call: dict[str, Any]) -> str:
    arguments = call.get("arguments") if isinstance(call.get("arguments"), dict) else {}
    if arguments.get("search"):
        return f"Find “{cut_title(str(arguments['search']), SHORT_TITLE_CHARS)}”"
    due = {"today": "Due today", "overdue": "Overdue tasks", "upcoming": "Upcoming tasks"}.get(arguments.get("due"))
    if due:
        return due
    return "Completed tasks" if arguments.get("status") == "completed" else "Task list"


def _on_task(verb: str) -> Callable[[dict[str, Any]], str]:
    return lambda call: f"{verb} {_task_title(call)}" if _task_title(call) else ""


# What each tool's call makes of a title. A turn's changes name it rather than the listing it
# may have done first to find the task.
_CHANGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "add_task": _on_task("Add"),
    "complete_task": _on_task("Complete"),
    "reopen_task": _on_task("Reopen"),
    "update_task": _on_task("Update"),
    "delete_task": _on_task("Delete"),
    "delete_completed_tasks": lambda call: "Clear completed tasks",
    "delete_all_tasks": lambda call: "Delete all tasks",
}


def _failed(call: dict[str, Any]) -> bool:
    output = call.get("output")
    return isinstance(output, dict) and output.get("status") in ("error", "not_found", "invalid")


def first_turn_title(text: str, tool_calls: list[dict[str, Any]]) -> str:
    """The title of a conversation after its first turn: what the turn did, or the message."""
    worked = [call for call in tool_calls if not _failed(call)]
    changes = [call for call in worked if call.get("name") in _CHANGES]
    if changes:
        first = _CHANGES[changes[0]["name"]](changes[0])
        same_kind = [call for call in changes if call.get("name") == changes[0]["name"]]
        if first and len(same_kind) > 1:
            first += f" and {len(same_kind) - 1} more"
        if first:
            return cut_title(first)
    lists = [call for call in worked if call.get("name") == "list_tasks"]
    if lists:
        return _list_title(lists[0])
    return cut_title(text)
