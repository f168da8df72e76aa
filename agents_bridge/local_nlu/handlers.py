"""What the offline model does for each kind of action: the tool calls, then the sentence.

Each handler is a generator (see replay.py): it yields Calls, gets their outputs back and
returns its part of the reply. `HANDLERS` maps an action kind to its handler.
"""

import re
from collections.abc import Generator
from datetime import date, timedelta
from typing import Any

from ..confirmation import NEEDS_CONFIRMATION, bulk_confirm_over, confirm_question
from core import dates
from .intents import Action, Ref
from .matching import search_terms
from .phrasing import (
    SMALL_TALK,
    confirm_many_sentence,
    count_sentence,
    describe_filter,
    empty_sentence,
    error_sentence,
    is_error,
    join_words,
    merge_update_sentences,
    plural,
    task_label,
    update_sentence,
)
from .labelling import add_label_args, label_update_sentence, occurrence_sentence, repeat_and_labels
from .replay import Call, TurnState
from .resolving import ask_which, resolve_all
from .text import as_title

LIST_LINES = 15


def _given(**arguments: Any) -> dict[str, Any]:
    """The tool arguments the person gave: an empty or missing one is left out (the tool's default)."""
    return {name: value for name, value in arguments.items() if value}


def _do_add(action: Action, env: TurnState) -> Generator[Any, Any, str]:
    calls = []
    for item in action.items:
        due_date = item.due.isoformat() if item.due else None
        calls.append(Call("add_task", {"title": item.title[:255], **_given(
            description=item.description, due_date=due_date, priority=item.priority, labels=item.labels, recurrence=item.recurrence,
        )}))
    if not calls:
        return "What should the new task be called?"
    outputs = yield calls
    added, problems = [], []
    for call, output in zip(calls, outputs):
        if is_error(output) or output.get("status") != "created":
            problems.append(error_sentence(output if isinstance(output, dict) else {}))
        else:
            added.append({**output, "has_notes": bool(call.args.get("description"))})
    env.turn_tasks = added
    sentences = []
    if len(added) == 1:
        task = added[0]
        extra = []
        if task.get("due_date"):
            extra.append("due " + dates.format_due(date.fromisoformat(task["due_date"]), env.clock.today))
        if task.get("priority") in ("high", "low"):
            extra.append(f"{task['priority']} priority")
        extra.extend(repeat_and_labels(task))
        if task.get("has_notes"):
            extra.append("with your notes")
        sentences.append(f"Added {task_label(task)}" + (", " + ", ".join(extra) if extra else "") + ".")
    elif added:
        named = []
        for task in added:
            extra = [f"#{task.get('task_id')}"]
            if task.get("due_date"):
                extra.append("due " + dates.format_due(date.fromisoformat(task["due_date"]), env.clock.today))
            if task.get("priority") in ("high", "low"):
                extra.append(f"{task['priority']} priority")
            extra.extend(repeat_and_labels(task))
            named.append(f"“{task.get('title')}” ({', '.join(extra)})")
        sentences.append(f"Added {len(added)} tasks: {join_words(named)}.")
    if problems:
        sentences.append("I couldn't add " + ("one of them" if added else "that") + ": " + " ".join(problems))
    return " ".join(sentences)


_STATE_TOOL = {"complete": "complete_task", "complete_past": "complete_task", "reopen": "reopen_task", "delete": "delete_task"}
# Tools that change one task at a time and that a turn may call only a few times before it asks.
_COUNTED_TOOLS = ("complete_task", "delete_task")


def _do_state(action: Action, env: TurnState) -> Generator[Any, Any, str]:
    kind = "complete" if action.kind == "complete_past" else action.kind
    prefer = {"complete": False, "reopen": True}.get(kind, False)
    resolved = yield from resolve_all(action.refs, env, prefer)
    sentences = []
    tool = _STATE_TOOL[kind]
    held: list[dict[str, Any]] = []  # tasks left alone until the person confirms
    if resolved.tasks and _needs_confirmation_first(env, tool, len(resolved.tasks)):
        held = list(resolved.tasks)
    elif resolved.tasks:
        env.changes[tool] += len(resolved.tasks)
        outputs = yield [Call(tool, {"task_id": int(t["task_id"])}) for t in resolved.tasks]
        done, already, errors = [], [], []
        for task, output in zip(resolved.tasks, outputs):
            if is_error(output):
                errors.append(error_sentence(output if isinstance(output, dict) else {}))
            elif output.get("status") == NEEDS_CONFIRMATION:
                held.append(task)
            elif output.get("status") in ("already_completed", "already_pending"):
                already.append(output)
            else:
                done.append(output)
        env.turn_tasks = done + already
        moved = [t for t in done if t.get("still_open")]
        done = [t for t in done if not t.get("still_open")]
        names = join_words([task_label(t) for t in done])
        for task in moved:  # a repeating task: this time is done, the task moves on
            sentences.append(occurrence_sentence(task, env.clock.today))
        if done and kind == "complete":
            sentences.append(f"Marked {names} as done.")
        elif done and kind == "reopen":
            sentences.append(f"Reopened {names}.")
        elif done:
            sentences.append(f"Deleted {names}.")
        for task in already:
            if task.get("status") == "already_completed":
                sentences.append(f"{task_label(task)} was already done.")
            else:
                sentences.append(f"{task_label(task)} is not done yet, so there was nothing to reopen.")
        sentences.extend(errors)
    if held and env.question is None:
        env.question = confirm_many_sentence(kind, held, more=bool(env.turn_tasks))
        env.asks = confirm_question(tool, len(held), [int(t["task_id"]) for t in held])
    if resolved.choices:
        ask_which(env, kind, resolved.choices)
    if resolved.problem:
        if action.kind == "complete_past" and not resolved.tasks:
            sentences.append("Nice work! I couldn't find a matching task on your list to tick off, though.")
        else:
            sentences.append(resolved.problem)
    return " ".join(sentences)


def _needs_confirmation_first(env: TurnState, tool: str, count: int) -> bool:
    """More deletes or completions in one turn than the tools allow without a yes: ask first
    (the tools would refuse the extra ones anyway; asking before any is kinder)."""
    return tool in _COUNTED_TOOLS and not env.confirmed and env.changes[tool] + count > bulk_confirm_over()


def _do_update(action: Action, env: TurnState) -> Generator[Any, Any, str]:
    resolved = yield from resolve_all(action.refs, env, False)
    sentences = []
    if resolved.tasks:
        calls = []
        for task in resolved.tasks:
            args: dict[str, Any] = {"task_id": int(task["task_id"])}
            if action.new_title:
                args["title"] = action.new_title[:255]
            if action.new_description is not None:
                args["description"] = action.new_description
            if action.clear_due:
                args["due_date"] = ""
            elif action.new_due:
                args["due_date"] = action.new_due.isoformat()
            elif action.shift_days:
                base = task.get("due_date")
                start = date.fromisoformat(base) if base else env.clock.today
                args["due_date"] = (start + timedelta(days=action.shift_days)).isoformat()
            if action.new_priority:
                args["priority"] = action.new_priority
            add_label_args(action, args)
            calls.append(Call("update_task", args))
        outputs = yield calls
        updated = []
        for call, output, before in zip(calls, outputs, resolved.tasks):
            if is_error(output):
                sentences.append(error_sentence(output if isinstance(output, dict) else {}))
                continue
            updated.append(output)
            sentences.append(label_update_sentence(call.args, output) or update_sentence(call.args, output, before, env.clock.today))
        env.turn_tasks = updated
        sentences = merge_update_sentences(sentences)
    if resolved.choices:
        ask_which(env, "update", resolved.choices)
    if resolved.problem:
        sentences.append(resolved.problem)
    return " ".join(sentences)


def _do_list(action: Action, env: TurnState) -> Generator[Any, Any, str]:
    search = (" ".join(search_terms(action.search)) or action.search) if action.search else None
    args: dict[str, Any] = {"status": action.status, **_given(
        search=search, due=action.due_filter, priority=action.priority, label=action.label,
    )}
    listed = yield from (_list_window(action, args, env) if action.due_until else _list_call(args))
    if isinstance(listed, str):
        return listed
    tasks, count, exact = listed
    if action.day:
        tasks = [t for t in tasks if t.get("due_date") == action.day.isoformat()]
        count, exact = len(tasks), True
    env.turn_tasks = tasks
    what = describe_filter(action)
    if action.count_only:
        return count_sentence(count, action, what, exact)
    if count == 0:
        return empty_sentence(action, what)
    header = count_sentence(count, action, what, exact).rstrip(".") + ":"
    lines = []
    for task in tasks[:LIST_LINES]:
        bits = [task_label(task)]
        if task.get("due_date"):
            due = date.fromisoformat(task["due_date"])
            late = not task.get("completed") and due < env.clock.today
            bits.append(("overdue, due " if late else "due ") + dates.format_due(due, env.clock.today))
        if task.get("priority") in ("high", "low"):
            bits.append(f"{task['priority']} priority")
        bits.extend(repeat_and_labels(task))
        if task.get("completed") and action.status == "all":
            bits.append("done")
        lines.append("• " + ", ".join(bits))
    more = count - len(lines)
    if more > 0:
        lines.append(f"…and {more} more." if exact else f"…and over {more:,} more.")
    return header + "\n" + "\n".join(lines)


Listed = tuple[list[dict[str, Any]], int, bool]  # the tasks shown, how many match, whether that is exact


def _list_call(args: dict[str, Any]) -> Generator[Any, Any, Listed | str]:
    """One list_tasks call: what it listed, or the sentence for a tool error."""
    output = yield Call("list_tasks", args)
    if is_error(output):
        return error_sentence(output if isinstance(output, dict) else {})
    # Past the tool's cap the count is a lower bound ("count_exact": false).
    return list(output.get("tasks") or []), int(output.get("count") or 0), output.get("count_exact") is not False


def _list_window(action: Action, args: dict[str, Any], env: TurnState) -> Generator[Any, Any, Listed | str]:
    """The tasks due within action.due_from..due_until: today's list when the span starts today,
    then the upcoming one (soonest due first), kept to the span."""
    first, last = action.due_from.isoformat(), action.due_until.isoformat()
    tasks: list[dict[str, Any]] = []
    exact = True
    today = env.clock.today
    for due in (["today"] if action.due_from <= today else []) + (["upcoming"] if action.due_until > today else []):
        listed = yield from _list_call({**args, "due": due})
        if isinstance(listed, str):
            return listed
        rows, count, _ = listed
        tasks += [t for t in rows if first <= (t.get("due_date") or "") <= last]
        # A page cut off while still inside the span leaves some of the span's tasks unseen.
        if count > len(rows) and rows and (rows[-1].get("due_date") or "") <= last:
            exact = False
    return tasks, len(tasks), exact


def _do_bulk(action: Action, env: TurnState) -> Generator[Any, Any, str]:
    tool = "delete_completed_tasks" if action.kind == "bulk_completed" else "delete_all_tasks"
    output = yield Call(tool, {})
    if is_error(output):
        return error_sentence(output if isinstance(output, dict) else {})
    count = int(output.get("count") or 0)
    noun = "completed task" if tool == "delete_completed_tasks" else "task"
    if output.get("status") == NEEDS_CONFIRMATION:
        everything = "" if tool == "delete_completed_tasks" else " (done or not)"
        amount = f"all {plural(count, noun)}" if count != 1 else f"the 1 {noun}"  # not "all 1 task"
        env.question = f"Delete {amount}{everything}? This can't be undone. Reply yes to confirm."
        env.asks = confirm_question(tool, count)
        return ""
    if count == 0:
        return "You have no completed tasks to delete." if tool == "delete_completed_tasks" else "Your list is already empty."
    return f"Deleted {plural(count, noun)}."


_UNDONE_WORDS = {"created": "brought back", "deleted": "removed", "reopened": "reopened", "completed": "marked done again", "updated": "put back"}


def _do_undo(action: Action, env: TurnState) -> Generator[Any, Any, str]:
    """The server undoes the conversation's last turn that changed tasks (tasks.undo), whole."""
    output = yield Call("undo_last_turn", {})
    if is_error(output):
        return error_sentence(output if isinstance(output, dict) else {})
    parts = [f"{_UNDONE_WORDS.get(c.get('action'), 'changed')} “{c.get('title')}”" for c in output.get("changes") or []]
    return "Took that back: " + "; ".join(parts) + "." if parts else "There was nothing left to undo."


def do_talk(action: Action, env: TurnState) -> Generator[Any, Any, str]:
    if False:
        yield  # makes this a generator like the other actions
    if action.kind == "unknown":
        text = (action.topic or "").strip().lower()
        if re.match(r"^(?:what|who|why|when|where|how|is|are|can|could|do|does|will|would|should|which)\b", text) or text.endswith("?"):
            return (
                "I can only help with your todo list, so I can't answer that. "
                "You can ask me to add, list, complete, update or delete tasks."
            )
        words = re.findall(r"[a-z']+", text)
        if 2 <= len(words) <= 8 and not re.match(r"^(?:i|you|we|it|this|that|they|he|she|my|your)\b", text):
            title = as_title(action.topic or "")
            env.offer = {"ask": "add", "title": title}
            return f"Should I add “{title}” as a task? Reply yes to add it."
        return (
            "Sorry, I didn't understand that. You can say things like “add buy milk tomorrow”, "
            "“show my tasks” or “mark buy milk as done”."
        )
    if action.kind == "unclear_add":
        return "What should the new task be called?"
    return SMALL_TALK.get(action.topic or "", SMALL_TALK["empty"])


def _do_ask(action: Action, env: TurnState) -> Generator[Any, Any, str]:
    """A question about one task ("when's the vet appointment?", "is the rent paid?"), from the list."""
    resolved = yield from resolve_all(action.refs, env, None)
    tasks = resolved.tasks or resolved.choices
    if not tasks:
        return resolved.problem or "I couldn't find that task."
    # Tasks named by id or by "it" carry no details yet: read them as an LLM would.
    bare = [t for t in tasks if "completed" not in t]
    if bare:
        calls = [Call("list_tasks", {"status": "all", "search": " ".join(search_terms(t.get("title") or ""))}) if t.get("title")
                 else Call("list_tasks", {"status": "all"}) for t in bare]
        outputs = yield calls
        found = {row.get("task_id"): row for output in outputs if not is_error(output) for row in output.get("tasks") or []}
        tasks = [found.get(t.get("task_id"), t) for t in tasks]
    env.turn_tasks = tasks
    today = env.clock.today
    sentences = []
    for task in tasks:
        label = task_label(task)
        due = date.fromisoformat(task["due_date"]) if task.get("due_date") else None
        when = dates.format_due(due, today) if due else ""
        if "completed" not in task:
            sentences.append(f"I couldn't read the details of {label}.")
        elif action.topic == "due":
            if task.get("completed"):
                sentences.append(f"{label} is already done" + (f" (it was due {when})." if due else "."))
            elif due is None:
                sentences.append(f"{label} has no due date.")
            elif due < today:
                sentences.append(f"{label} is overdue: it was due {when}.")
            else:
                sentences.append(f"{label} is due {when}.")
        elif task.get("completed"):
            sentences.append(f"Yes, {label} is done.")
        else:
            sentences.append(f"No, {label} is not done yet" + (f"; it's due {when}." if due else "."))
    if len(sentences) > 1:
        sentences = [re.sub(r"^(?:Yes|No), ", "", s) for s in sentences]
        sentences[0] = sentences[0][0].upper() + sentences[0][1:]
    return " ".join(sentences)


def _do_offer(action: Action, env: TurnState) -> Generator[Any, Any, str]:
    """ "I always forget to stretch": offer the task; the person's "yes" adds it (an open question)."""
    if False:
        yield  # a generator like the other actions
    title = action.items[0].title
    env.offer = {"ask": "add", "title": title}
    return f"Should I add “{title}” as a task? Reply yes to add it."


HANDLERS = {
    "ask_task": _do_ask,
    "offer_add": _do_offer,
    "add": _do_add,
    "add_bare": _do_add,
    "complete": _do_state,
    "complete_past": _do_state,
    "reopen": _do_state,
    "delete": _do_state,
    "update": _do_update,
    "list": _do_list,
    "bulk_completed": _do_bulk,
    "bulk_all": _do_bulk,
    "undo": _do_undo,
}

