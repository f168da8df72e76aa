"""The offline model's reply sentences: how tasks, counts, changes and lists are said."""

import re
from datetime import date
from typing import Any

from core import dates
from .intents import Action

NAMED_IN_QUESTION = 5  # tasks named in a confirmation question; the rest are counted


def task_label(task: dict[str, Any]) -> str:
    """“Buy milk” (#12): how every reply names a task."""
    return f"“{task.get('title') or 'task'}” (#{task.get('task_id')})"


def join_words(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def confirm_many_sentence(kind: str, tasks: list[dict[str, Any]], *, more: bool = False) -> str:
    """The question before deleting or completing more tasks at once than a turn may without a yes."""
    shown = [task_label(t) for t in tasks[:NAMED_IN_QUESTION]]
    if len(tasks) > NAMED_IN_QUESTION:
        shown.append(f"{len(tasks) - NAMED_IN_QUESTION} more")
    amount = plural(len(tasks), "more task" if more else "task")
    if kind == "delete":
        return f"Delete {amount}: {join_words(shown)}? This can't be undone. Reply yes to confirm."
    return f"Mark {amount} as done: {join_words(shown)}? Reply yes to confirm."


def error_sentence(output: dict[str, Any]) -> str:
    message = str(output.get("message") or "Something went wrong").strip()
    return message if message.endswith((".", "!", "?")) else message + "."


def is_error(output: Any) -> bool:
    return not isinstance(output, dict) or output.get("status") in ("error", None)


def update_sentence(args: dict[str, Any], output: dict[str, Any], before: dict[str, Any], today: date) -> str:
    task = {"task_id": output.get("task_id"), "title": output.get("title")}
    changes = []
    if "title" in args and before.get("title") and before.get("title") != args["title"]:
        if len(args) == 2:
            return f"Renamed “{before['title']}” (#{task['task_id']}) to “{output.get('title')}”."
        changes.append(f"renamed to “{output.get('title')}”")
    elif "title" in args:
        changes.append(f"title set to “{output.get('title')}”")
    if "due_date" in args:
        if args["due_date"]:
            when = dates.format_due(date.fromisoformat(args["due_date"]), today)
            if len(args) == 2:
                return f"Moved {task_label(task)} to {when}."
            changes.append(f"due {when}")
        else:
            if len(args) == 2:
                return f"Removed the due date from {task_label(task)}."
            changes.append("no due date")
    if "priority" in args:
        if len(args) == 2:
            return f"Set {task_label(task)} to {args['priority']} priority."
        changes.append(f"{args['priority']} priority")
    if "description" in args:
        if len(args) == 2:
            return f"Updated the notes on {task_label(task)}." if args["description"] else f"Cleared the notes on {task_label(task)}."
        changes.append("notes updated")
    return f"Updated {task_label(task)}: {', '.join(changes)}."


def merge_update_sentences(sentences: list[str]) -> list[str]:
    """"Moved A to Friday. Moved B to Friday." reads better as one sentence."""
    moved = [re.match(r"^Moved (.+) to (.+)\.$", s) for s in sentences]
    if len(sentences) > 1 and all(moved) and len({m.group(2) for m in moved}) == 1:
        return [f"Moved {join_words([m.group(1) for m in moved])} to {moved[0].group(2)}."]
    return sentences



def describe_filter(action: Action) -> str:
    words = []
    if action.priority:
        words.append(f"{action.priority}-priority")
    if action.status == "completed":
        words.append("completed")
    elif action.status == "pending" and not action.due_filter:
        words.append("pending")
    if action.label:
        words.append(action.label)
    return " ".join(words)


def count_sentence(count: int, action: Action, what: str, exact: bool = True) -> str:
    noun = f"{what} task" if what else "task"
    upcoming = "upcoming " if action.due_filter == "upcoming" and not action.window else ""
    # Not exact: the count is a lower bound ("over 1,000 pending tasks").
    amount = plural(count, upcoming + noun) if exact else f"over {count:,} {upcoming}{noun}s"
    amount += f" matching “{action.search}”" if action.search else ""
    verb = "is" if exact and count == 1 else "are"
    if action.due_filter == "overdue":
        return f"{amount[0].upper()}{amount[1:]} {verb} overdue."
    if action.due_filter == "today":
        return f"{amount[0].upper()}{amount[1:]} {verb} due today."
    if action.day:
        return f"{amount[0].upper()}{amount[1:]} {verb} due on {dates.short_day(action.day)}."
    if action.window:
        return f"{amount[0].upper()}{amount[1:]} {verb} due {action.window}."
    if action.status == "all" and not upcoming:
        return f"You have {amount} in total."
    return f"You have {amount}."


def empty_sentence(action: Action, what: str) -> str:
    if action.search:
        return f"No {what + ' ' if what else ''}tasks match “{action.search}”."
    if action.due_filter == "overdue":
        return "Nothing is overdue. Nice!"
    if action.due_filter == "today":
        return "Nothing is due today."
    if action.day:
        return f"Nothing is due on {dates.short_day(action.day)}."
    if action.window:
        return f"Nothing is due {action.window}."
    if action.due_filter == "upcoming":
        return "You have no upcoming tasks with a due date."
    if action.status == "completed":
        return f"You have no {what or 'completed'} tasks yet."
    if action.status == "all":
        return "Your list is empty."
    return f"You have no {what or 'pending'} tasks."



SMALL_TALK = {
    "greet": "Hi! I can add, list, complete, update and delete your tasks. What would you like to do?",
    "thanks": "You're welcome! Anything else for your list?",
    "help": (
        "I manage your todo list. Try things like: “add buy milk tomorrow”, “what's due today?”, "
        "“mark buy milk as done”, “move the dentist one to friday”, “make it high priority”, "
        "“rename buy milk to buy oat milk” or “delete completed tasks”."
    ),
    "empty": "I'm here to help with your tasks. Say “help” to see what I can do.",
    "how_are_you": "I'm doing well, thanks for asking! Want to go over your tasks?",
    "who": "I'm your todo assistant: I can add, list, complete, update and delete your tasks.",
    "yes": "Okay! What would you like to do with your tasks?",
    "no": "Alright. Let me know if you need anything for your list.",
    "declined_bulk": "Okay, I won't delete anything.",
    "declined_choice": "Okay, I'll leave them as they are.",
    "other_language": (
        "Sorry, I only understand English offline, so I left your list as it is. For other languages, "
        "the site's admin can set AGENT_MODEL (with OPENAI_API_KEY, or OPENAI_BASE_URL for a local server) to use a hosted model."
    ),
}

