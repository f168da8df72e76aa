"""The offline model's words for labels and repeats: the tool arguments an update carries and
the sentences that say what happened (kept apart from phrasing.py, which other rows share)."""

from datetime import date
from typing import Any

from core import dates

from .intents import Action
from .phrasing import task_label


def add_label_args(action: Action, args: dict[str, Any]) -> None:
    """update_task's label and repeat arguments for an action of intents/labels.py."""
    if action.add_labels:
        args["add_labels"] = list(action.add_labels)
    if action.remove_labels:
        args["remove_labels"] = list(action.remove_labels)
    if action.new_recurrence is not None:
        args["recurrence"] = action.new_recurrence


def repeat_and_labels(task: dict[str, Any]) -> list[str]:
    """"every Monday", "#home": how a task's repeat and labels show in a reply."""
    bits = []
    if task.get("recurrence_text"):
        bits.append(task["recurrence_text"])
    if task.get("labels"):
        bits.append(" ".join(f"#{name}" for name in task["labels"]))
    return bits


def occurrence_sentence(task: dict[str, Any], today: date) -> str:
    """A repeating task ticked off: it stays on the list with its next date."""
    when = dates.format_due(date.fromisoformat(task["next_due_date"]), today) if task.get("next_due_date") else "its next date"
    repeat = f" ({task['recurrence_text']})" if task.get("recurrence_text") else ""
    return f"Marked {task_label(task)} done for this time; it repeats{repeat}, next due {when}."


def label_update_sentence(args: dict[str, Any], output: dict[str, Any]) -> str | None:
    """The reply for an update that only changed labels or the repeat; None for any other."""
    if set(args) - {"task_id", "add_labels", "remove_labels", "recurrence"}:
        return None
    task = {"task_id": output.get("task_id"), "title": output.get("title")}
    parts = []
    if args.get("add_labels"):
        parts.append("labelled " + " ".join(f"#{n}" for n in args["add_labels"]))
    if args.get("remove_labels"):
        parts.append("took off " + " ".join(f"#{n}" for n in args["remove_labels"]))
    if "recurrence" in args:
        if args["recurrence"]:
            parts.append(f"repeats {output.get('recurrence_text') or args['recurrence']}")
        else:
            parts.append("no longer repeats")
    sentence = f"{task_label(task)}: " + ", ".join(parts) + "."
    return sentence[0].upper() + sentence[1:]
