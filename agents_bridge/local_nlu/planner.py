"""Decides the offline model's next step: more tool calls, or the final reply.

The model keeps no state between calls: each call re-reads the conversation, re-plans the turn
from the latest user message, and replays the tool calls already made this turn (matched by name
and arguments) until it reaches a call that has no output yet. Those calls are the next step;
when every action has its outputs, the reply text is composed from them.

Actions are generators that `yield` a Call (or a list of Calls to run together) and receive the
parsed tool output(s) back, then `return` the sentence for the reply.
"""

import json
import re
from collections import defaultdict, deque
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from . import dates as d
from .intents import Action, AddItem, Clock, Ref, is_no, is_yes, parse_message
from .matching import choose_among, pick, search_terms
from .text import as_title, lower_same_length, repair

MAX_ROUNDS = 6  # tool rounds per turn; the runner allows AGENT_MAX_TURNS model calls (8 by default)
LIST_LINES = 15
CONFIRM_MARK = "Reply yes to confirm"
QUESTION_MARK = "Which one should I "
OFFER_MARK = "Should I add "
_TODAY_RE = re.compile(r"Today is (\d{4}-\d{2}-\d{2})(?: \(\w+\))? in the user's timezone ([\w/+\-]+)")
_NAMED_ID_RE = re.compile(r"“([^”]*)” \(#(\d+)")
_ID_IN_REPLY_RE = re.compile(r"\(#(\d+)")


@dataclass(frozen=True)
class Call:
    name: str
    args: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return self.name, json.dumps(self.args, sort_keys=True, ensure_ascii=False)


@dataclass
class ToolRecord:
    name: str
    args: dict[str, Any]
    output: Any  # parsed JSON output, or None when the call has no output yet


@dataclass
class TurnInput:
    """What one model call sees, already pulled out of the Responses-format items."""

    user_text: str
    history: list[tuple[str, str]]  # earlier (role, text), oldest first
    records: list[ToolRecord]  # this turn's tool calls so far, in order
    today: date
    timezone: str = "UTC"
    rounds: int = 0  # how many tool rounds this turn already had


@dataclass
class Step:
    calls: list[Call] = field(default_factory=list)
    text: str = ""


class _Pending(Exception):
    pass


@dataclass
class _Env:
    inp: TurnInput
    clock: Clock
    prev_tasks: list[dict[str, Any]]  # tasks named in the last assistant message, in order
    turn_tasks: list[dict[str, Any]] = field(default_factory=list)  # tasks this turn's actions touched
    question: str | None = None  # the one clarifying question this turn asks, if any


# ---------------------------------------------------------------- replay


class _Replay:
    def __init__(self, records: list[ToolRecord]):
        self._outputs: dict[tuple[str, str], deque[Any]] = defaultdict(deque)
        for record in records:
            if record.output is not None:
                self._outputs[Call(record.name, record.args).key].append(record.output)
        self.pending: list[Call] = []

    def run(self, gen: Generator[Any, Any, Any]) -> Any:
        """Drives an action generator as far as the recorded outputs allow."""
        value: Any = None
        while True:
            try:
                request = gen.send(value)
            except StopIteration as stop:
                return stop.value
            calls = request if isinstance(request, list) else [request]
            outputs = []
            missing = []
            for call in calls:
                queue = self._outputs.get(call.key)
                if queue and call.name == "list_tasks":
                    # Reads are asked once per turn; later identical reads reuse that answer.
                    outputs.append(queue[0])
                elif queue:
                    outputs.append(queue.popleft())
                else:
                    missing.append(call)
            if missing:
                self.pending.extend(missing)
                gen.close()
                raise _Pending
            value = outputs if isinstance(request, list) else outputs[0]


def _gather(gens: list[Generator[Any, Any, Any]]) -> Generator[Any, Any, list[Any]]:
    """Runs several action generators in lockstep so their calls go out together."""
    results: list[Any] = [None] * len(gens)
    requests: dict[int, Any] = {}
    for i, gen in enumerate(gens):
        try:
            requests[i] = gen.send(None)
        except StopIteration as stop:
            results[i] = stop.value
    while requests:
        order = sorted(requests)
        batch: list[Call] = []
        shapes = []
        for i in order:
            calls = requests[i] if isinstance(requests[i], list) else [requests[i]]
            shapes.append((i, len(calls), isinstance(requests[i], list)))
            batch.extend(calls)
        outputs = yield batch
        pos = 0
        requests = {}
        for i, n, was_list in shapes:
            chunk = outputs[pos : pos + n]
            pos += n
            try:
                requests[i] = gens[i].send(chunk if was_list else chunk[0])
            except StopIteration as stop:
                results[i] = stop.value
    return results


# ---------------------------------------------------------------- phrasing


def _q(task: dict[str, Any]) -> str:
    return f"“{task.get('title') or 'task'}” (#{task.get('task_id')})"


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _error_sentence(output: dict[str, Any]) -> str:
    message = str(output.get("message") or "Something went wrong").strip()
    return message if message.endswith((".", "!", "?")) else message + "."


def _is_error(output: Any) -> bool:
    return not isinstance(output, dict) or output.get("status") in ("error", None)


# ---------------------------------------------------------------- resolving task references


@dataclass
class _Resolved:
    tasks: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None  # a sentence for the reply when nothing could be resolved
    choices: list[dict[str, Any]] = field(default_factory=list)  # when the user must choose


def _resolve(ref: Ref, env: _Env, prefer_completed: bool | None) -> Generator[Any, Any, _Resolved]:
    if ref.ids:
        return _Resolved([{"task_id": i, "title": None} for i in ref.ids])
    if ref.pronoun or ref.ordinal is not None:
        pool = env.turn_tasks or env.prev_tasks
        if not pool and ref.pronoun == "many":
            # "mark everything as done" with nothing mentioned before: the whole (shown) list.
            output = yield Call("list_tasks", {"status": "completed" if prefer_completed else "pending"})
            pool = [] if _is_error(output) else list(output.get("tasks") or [])
            if not pool:
                return _Resolved(problem="There are no tasks for that.")
        if not pool:
            return _Resolved(problem="I'm not sure which task you mean. Tell me its name or number (like #12).")
        if ref.ordinal is not None:
            index = ref.ordinal
            if -len(pool) <= index < len(pool):
                return _Resolved([pool[index]])
            return _Resolved(problem="I'm not sure which task you mean. Tell me its name or number (like #12).")
        if ref.pronoun == "many" or len(pool) == 1:
            return _Resolved(list(pool))
        return _Resolved(choices=list(pool)[:5])
    terms = search_terms(ref.text)
    if not terms:
        return _Resolved(problem=f"I couldn't find a task matching “{ref.text}”.")
    # As an LLM would: search by the words first, then one distinctive word, then look at the newest tasks.
    searches = [" ".join(terms)]
    if len(terms) > 1:
        searches.append(max(terms, key=len))
    searches.append(None)
    seen: dict[Any, dict[str, Any]] = {}
    for search in searches:
        args: dict[str, Any] = {"status": "all"}
        if search:
            args["search"] = search
        output = yield Call("list_tasks", args)
        if _is_error(output):
            return _Resolved(problem=_error_sentence(output if isinstance(output, dict) else {}))
        for task in output.get("tasks") or []:
            seen.setdefault(task.get("task_id"), task)
        found = pick(ref.text, list(seen.values()), prefer_completed=prefer_completed, every=ref.every)
        if found.status == "found":
            return _Resolved(found.tasks)
        if found.status == "ambiguous":
            return _Resolved(choices=found.tasks)
    return _Resolved(problem=f"I couldn't find a task matching “{ref.text}”.")


def _resolve_all(refs: list[Ref], env: _Env, prefer_completed: bool | None) -> Generator[Any, Any, _Resolved]:
    results: list[_Resolved] = yield from _gather([_resolve(r, env, prefer_completed) for r in refs])
    merged = _Resolved()
    problems = []
    for res in results:
        if res.choices and not merged.choices:
            merged.choices = res.choices
        if res.problem:
            problems.append(res.problem)
        for task in res.tasks:
            if all(t.get("task_id") != task.get("task_id") for t in merged.tasks):
                merged.tasks.append(task)
    merged.problem = " ".join(dict.fromkeys(problems)) or None
    return merged


_VERB_FOR_KIND = {"complete": "mark as done", "reopen": "reopen", "delete": "delete", "update": "change"}
_KIND_FOR_VERB = {v: k for k, v in _VERB_FOR_KIND.items()}


def _ask(env: _Env, kind: str, choices: list[dict[str, Any]]) -> None:
    """Sets the turn's clarifying question; only the first one is asked (the answer names one action)."""
    if env.question is not None:
        return
    names = [_q(t) for t in choices]
    listed = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
    env.question = f"{QUESTION_MARK}{_VERB_FOR_KIND.get(kind, 'change')}: {listed}?"


# ---------------------------------------------------------------- actions


def _do_add(action: Action, env: _Env) -> Generator[Any, Any, str]:
    calls = []
    for item in action.items:
        args: dict[str, Any] = {"title": item.title[:255]}
        if item.description:
            args["description"] = item.description
        if item.due:
            args["due_date"] = item.due.isoformat()
        if item.priority:
            args["priority"] = item.priority
        calls.append(Call("add_task", args))
    if not calls:
        return "What should the new task be called?"
    outputs = yield calls
    added, problems = [], []
    for call, output in zip(calls, outputs):
        if _is_error(output) or output.get("status") != "created":
            problems.append(_error_sentence(output if isinstance(output, dict) else {}))
        else:
            added.append({**output, "has_notes": bool(call.args.get("description"))})
    env.turn_tasks = added
    sentences = []
    if len(added) == 1:
        task = added[0]
        extra = []
        if task.get("due_date"):
            extra.append("due " + d.format_due(date.fromisoformat(task["due_date"]), env.clock.today))
        if task.get("priority") in ("high", "low"):
            extra.append(f"{task['priority']} priority")
        if task.get("has_notes"):
            extra.append("with your notes")
        sentences.append(f"Added {_q(task)}" + (", " + ", ".join(extra) if extra else "") + ".")
    elif added:
        named = []
        for task in added:
            extra = [f"#{task.get('task_id')}"]
            if task.get("due_date"):
                extra.append("due " + d.format_due(date.fromisoformat(task["due_date"]), env.clock.today))
            if task.get("priority") in ("high", "low"):
                extra.append(f"{task['priority']} priority")
            named.append(f"“{task.get('title')}” ({', '.join(extra)})")
        sentences.append(f"Added {len(added)} tasks: {_join(named)}.")
    if problems:
        sentences.append("I couldn't add " + ("one of them" if added else "that") + ": " + " ".join(problems))
    return " ".join(sentences)


_STATE_TOOL = {"complete": "complete_task", "complete_past": "complete_task", "reopen": "reopen_task", "delete": "delete_task"}


def _do_state(action: Action, env: _Env) -> Generator[Any, Any, str]:
    kind = "complete" if action.kind == "complete_past" else action.kind
    prefer = {"complete": False, "reopen": True}.get(kind, False)
    resolved = yield from _resolve_all(action.refs, env, prefer)
    sentences = []
    if resolved.tasks:
        outputs = yield [Call(_STATE_TOOL[kind], {"task_id": int(t["task_id"])}) for t in resolved.tasks]
        done, already, errors = [], [], []
        for output in outputs:
            if _is_error(output):
                errors.append(_error_sentence(output if isinstance(output, dict) else {}))
            elif output.get("status") in ("already_completed", "already_pending"):
                already.append(output)
            else:
                done.append(output)
        env.turn_tasks = done + already
        names = _join([_q(t) for t in done])
        if done and kind == "complete":
            sentences.append(f"Marked {names} as done.")
        elif done and kind == "reopen":
            sentences.append(f"Reopened {names}.")
        elif done:
            sentences.append(f"Deleted {names}.")
        for task in already:
            if task.get("status") == "already_completed":
                sentences.append(f"{_q(task)} was already done.")
            else:
                sentences.append(f"{_q(task)} is not done yet, so there was nothing to reopen.")
        sentences.extend(errors)
    if resolved.choices:
        _ask(env, kind, resolved.choices)
    if resolved.problem:
        if action.kind == "complete_past" and not resolved.tasks:
            sentences.append("Nice work! I couldn't find a matching task on your list to tick off, though.")
        else:
            sentences.append(resolved.problem)
    return " ".join(sentences)


def _do_update(action: Action, env: _Env) -> Generator[Any, Any, str]:
    resolved = yield from _resolve_all(action.refs, env, False)
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
            calls.append(Call("update_task", args))
        outputs = yield calls
        updated = []
        for call, output, before in zip(calls, outputs, resolved.tasks):
            if _is_error(output):
                sentences.append(_error_sentence(output if isinstance(output, dict) else {}))
                continue
            updated.append(output)
            sentences.append(_update_sentence(call.args, output, before, env))
        env.turn_tasks = updated
        sentences = _merge_update_sentences(sentences)
    if resolved.choices:
        _ask(env, "update", resolved.choices)
    if resolved.problem:
        sentences.append(resolved.problem)
    return " ".join(sentences)


def _update_sentence(args: dict[str, Any], output: dict[str, Any], before: dict[str, Any], env: _Env) -> str:
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
            when = d.format_due(date.fromisoformat(args["due_date"]), env.clock.today)
            if len(args) == 2:
                return f"Moved {_q(task)} to {when}."
            changes.append(f"due {when}")
        else:
            if len(args) == 2:
                return f"Removed the due date from {_q(task)}."
            changes.append("no due date")
    if "priority" in args:
        if len(args) == 2:
            return f"Set {_q(task)} to {args['priority']} priority."
        changes.append(f"{args['priority']} priority")
    if "description" in args:
        if len(args) == 2:
            return f"Updated the notes on {_q(task)}." if args["description"] else f"Cleared the notes on {_q(task)}."
        changes.append("notes updated")
    return f"Updated {_q(task)}: {', '.join(changes)}."


def _merge_update_sentences(sentences: list[str]) -> list[str]:
    """"Moved A to Friday. Moved B to Friday." reads better as one sentence."""
    moved = [re.match(r"^Moved (.+) to (.+)\.$", s) for s in sentences]
    if len(sentences) > 1 and all(moved) and len({m.group(2) for m in moved}) == 1:
        return [f"Moved {_join([m.group(1) for m in moved])} to {moved[0].group(2)}."]
    return sentences


def _do_list(action: Action, env: _Env) -> Generator[Any, Any, str]:
    args: dict[str, Any] = {"status": action.status}
    if action.search:
        args["search"] = " ".join(search_terms(action.search)) or action.search
    if action.due_filter:
        args["due"] = action.due_filter
    if action.priority:
        args["priority"] = action.priority
    listed = yield from (_list_window(action, args, env) if action.due_until else _list_call(args))
    if isinstance(listed, str):
        return listed
    tasks, count, exact = listed
    if action.day:
        tasks = [t for t in tasks if t.get("due_date") == action.day.isoformat()]
        count, exact = len(tasks), True
    env.turn_tasks = tasks
    what = _describe_filter(action, env)
    if action.count_only:
        return _count_sentence(count, action, what, exact)
    if count == 0:
        return _empty_sentence(action, what)
    header = _count_sentence(count, action, what, exact).rstrip(".") + ":"
    lines = []
    for task in tasks[:LIST_LINES]:
        bits = [_q(task)]
        if task.get("due_date"):
            bits.append("due " + d.format_due(date.fromisoformat(task["due_date"]), env.clock.today))
        if task.get("priority") in ("high", "low"):
            bits.append(f"{task['priority']} priority")
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
    if _is_error(output):
        return _error_sentence(output if isinstance(output, dict) else {})
    # Past the tool's cap the count is a lower bound ("count_exact": false).
    return list(output.get("tasks") or []), int(output.get("count") or 0), output.get("count_exact") is not False


def _list_window(action: Action, args: dict[str, Any], env: _Env) -> Generator[Any, Any, Listed | str]:
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


def _describe_filter(action: Action, env: _Env) -> str:
    words = []
    if action.priority:
        words.append(f"{action.priority}-priority")
    if action.status == "completed":
        words.append("completed")
    elif action.status == "pending" and not action.due_filter:
        words.append("pending")
    return " ".join(words)


def _count_sentence(count: int, action: Action, what: str, exact: bool = True) -> str:
    noun = f"{what} task" if what else "task"
    upcoming = "upcoming " if action.due_filter == "upcoming" and not action.window else ""
    # Not exact: the count is a lower bound ("over 1,000 pending tasks").
    amount = _plural(count, upcoming + noun) if exact else f"over {count:,} {upcoming}{noun}s"
    amount += f" matching “{action.search}”" if action.search else ""
    verb = "is" if exact and count == 1 else "are"
    if action.due_filter == "overdue":
        return f"{amount[0].upper()}{amount[1:]} {verb} overdue."
    if action.due_filter == "today":
        return f"{amount[0].upper()}{amount[1:]} {verb} due today."
    if action.day:
        return f"{amount[0].upper()}{amount[1:]} {verb} due on {d.short_day(action.day)}."
    if action.window:
        return f"{amount[0].upper()}{amount[1:]} {verb} due {action.window}."
    if action.status == "all" and not upcoming:
        return f"You have {amount} in total."
    return f"You have {amount}."


def _empty_sentence(action: Action, what: str) -> str:
    if action.search:
        return f"No {what + ' ' if what else ''}tasks match “{action.search}”."
    if action.due_filter == "overdue":
        return "Nothing is overdue. Nice!"
    if action.due_filter == "today":
        return "Nothing is due today."
    if action.day:
        return f"Nothing is due on {d.short_day(action.day)}."
    if action.window:
        return f"Nothing is due {action.window}."
    if action.due_filter == "upcoming":
        return "You have no upcoming tasks with a due date."
    if action.status == "completed":
        return f"You have no {what or 'completed'} tasks yet."
    if action.status == "all":
        return "Your list is empty."
    return f"You have no {what or 'pending'} tasks."


def _do_bulk(action: Action, env: _Env) -> Generator[Any, Any, str]:
    tool = "delete_completed_tasks" if action.kind == "bulk_completed" else "delete_all_tasks"
    output = yield Call(tool, {})
    if _is_error(output):
        return _error_sentence(output if isinstance(output, dict) else {})
    count = int(output.get("count") or 0)
    noun = "completed task" if tool == "delete_completed_tasks" else "task"
    if output.get("status") == "needs_confirmation":
        everything = "" if tool == "delete_completed_tasks" else " (done or not)"
        amount = f"all {_plural(count, noun)}" if count != 1 else f"the 1 {noun}"  # not "all 1 task"
        env.question = f"Delete {amount}{everything}? This can't be undone. {CONFIRM_MARK}."
        return ""
    if count == 0:
        return "You have no completed tasks to delete." if tool == "delete_completed_tasks" else "Your list is already empty."
    return f"Deleted {_plural(count, noun)}."


_UNDONE_WORDS = {"created": "brought back", "deleted": "removed", "reopened": "reopened", "completed": "marked done again", "updated": "put back"}


def _do_undo(action: Action, env: _Env) -> Generator[Any, Any, str]:
    # The server undoes the conversation's last turn that changed tasks (tasks.undo), whole.
    output = yield Call("undo_last_turn", {})
    if _is_error(output):
        return _error_sentence(output if isinstance(output, dict) else {})
    parts = [f"{_UNDONE_WORDS.get(c.get('action'), 'changed')} “{c.get('title')}”" for c in output.get("changes") or []]
    return "Took that back: " + "; ".join(parts) + "." if parts else "There was nothing left to undo."


_SMALL_TALK = {
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
}


def _do_talk(action: Action, env: _Env) -> Generator[Any, Any, str]:
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
            return f"{OFFER_MARK}“{as_title(action.topic or '')}” as a task? Reply yes to add it."
        return (
            "Sorry, I didn't understand that. You can say things like “add buy milk tomorrow”, "
            "“show my tasks” or “mark buy milk as done”."
        )
    if action.kind == "unclear_add":
        return "What should the new task be called?"
    return _SMALL_TALK.get(action.topic or "", _SMALL_TALK["empty"])


_HANDLERS = {
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


# ---------------------------------------------------------------- conversation state


def _last_assistant(inp: TurnInput) -> str:
    for role, text in reversed(inp.history):
        if role == "assistant":
            return text
    return ""


def _previous_user(inp: TurnInput) -> str:
    seen_assistant = False
    for role, text in reversed(inp.history):
        if role == "assistant":
            seen_assistant = True
        elif role == "user" and seen_assistant:
            return text
    return ""


def tasks_named_in(text: str) -> list[dict[str, Any]]:
    """Tasks an assistant reply named, as “Title” (#id), in order, without repeats."""
    out: list[dict[str, Any]] = []
    seen = set()
    for title, task_id in _NAMED_ID_RE.findall(text):
        if task_id not in seen:
            seen.add(task_id)
            out.append({"task_id": int(task_id), "title": title})
    if not out:
        for task_id in _ID_IN_REPLY_RE.findall(text):
            if task_id not in seen:
                seen.add(task_id)
                out.append({"task_id": int(task_id), "title": None})
    return out


_ORDINAL_ANSWER = re.compile(
    r"^(?:the\s+)?(?P<o>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|latter|former|top|bottom)(?:\s+(?:one|task|of\s+them))?$"
)
_ORDINAL_INDEX = {"first": 0, "1st": 0, "former": 0, "top": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2,
                  "fourth": 3, "4th": 3, "fifth": 4, "5th": 4, "last": -1, "latter": -1, "bottom": -1}


def _answer_choice(answer: str, candidates: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Which of the offered tasks the user picked, or None when the message is something else."""
    low = re.sub(r"[.!?]+$", "", lower_same_length(repair(answer)).strip())
    low = re.sub(r"^(?:(?:i\s+meant|i\s+mean|meant|the\s+one\s+(?:about|with|called)|it's|its|it\s+is|that's|ok|okay|oh|sorry|um|uh|please|yes|yeah)[,\s]+)+", "", low)
    low = re.sub(r"(?:[,\s]+(?:please|thanks|one|task))+$", "", low).strip()
    ids = [int(x) for x in re.findall(r"#?\b(\d+)\b", low)]
    by_id = {int(t["task_id"]): t for t in candidates}
    if ids and all(i in by_id for i in ids):
        return [by_id[i] for i in ids]
    if re.fullmatch(r"(?:both|all|all\s+of\s+them|both\s+of\s+them|them\s+both|them\s+all|each|every\s+one|either)", low):
        return list(candidates)
    m = _ORDINAL_ANSWER.fullmatch(low)
    if m:
        index = _ORDINAL_INDEX[m.group("o")]
        if -len(candidates) <= index < len(candidates):
            return [candidates[index]]
    if len(low.split()) <= 6:
        chosen = choose_among(low, candidates)
        if len(chosen) == 1:
            return chosen
    return None


def _pending_question_actions(inp: TurnInput, env: _Env) -> list[Action] | None:
    """Answers to the question the assistant asked last: a bulk-delete confirmation or "which one"."""
    last = _last_assistant(inp)
    if not last:
        return None
    low = lower_same_length(inp.user_text)
    if CONFIRM_MARK in last:
        if is_yes(low) or re.fullmatch(r"\s*(?:ok(?:ay)?,?\s+)?(?:delete|remove|clear)\s+(?:them|it|everything|all(?:\s+of\s+them)?)\W*", low):
            return [Action("bulk_all" if "(done or not)" in last else "bulk_completed")]
        if is_no(low):
            return [Action("small_talk", topic="declined_bulk")]
        return None
    if last.startswith(OFFER_MARK):
        m = re.match(re.escape(OFFER_MARK) + r"“(.+)” as a task\?", last)
        if m and is_yes(low):
            return [Action("add", items=[AddItem(title=m.group(1))])]
        if m and is_no(low):
            return [Action("small_talk", topic="no")]
        return None
    if QUESTION_MARK in last:
        question = last[last.index(QUESTION_MARK) :]
        candidates = tasks_named_in(question)
        verb = question[len(QUESTION_MARK) :].split(":")[0].strip()
        kind = _KIND_FOR_VERB.get(verb, "update")
        chosen = _answer_choice(inp.user_text, candidates) if candidates else None
        if chosen is None:
            if is_no(low):
                return [Action("small_talk", topic="declined_choice")]
            return None
        previous, _ = parse_message(_previous_user(inp), env.clock)
        for action in previous:
            action_kind = "complete" if action.kind == "complete_past" else action.kind
            if action_kind == kind and action.refs:
                action.refs = [Ref(text="", ids=[int(t["task_id"]) for t in chosen])]
                if action.kind == "complete_past":
                    action.kind = "complete"
                return [action]
        # The request itself is gone from the window: the verb still tells what to do.
        if kind in ("complete", "reopen", "delete"):
            return [Action(kind, refs=[Ref(text="", ids=[int(t["task_id"]) for t in chosen])])]
    return None


# ---------------------------------------------------------------- the step


def plan(inp: TurnInput) -> Step:
    clock = Clock(inp.today, d.day_first_for(inp.timezone))
    last = _last_assistant(inp)
    env = _Env(inp=inp, clock=clock, prev_tasks=tasks_named_in(last))
    actions = _pending_question_actions(inp, env)
    if actions is None:
        actions, _ = parse_message(inp.user_text, clock)

    replay = _Replay(inp.records)
    parts: list[str] = []
    blocked = False
    for index, action in enumerate(actions):
        handler = _HANDLERS.get(action.kind)
        if handler is None:
            gen = _do_talk(action, env)
        else:
            gen = handler(action, env)
        if blocked:
            # Later actions may start in parallel only when they need nothing from earlier ones.
            independent = action.kind in ("add", "add_bare", "complete", "reopen", "delete", "update") and not action.uses_pronoun
            if not independent:
                gen.close()
                break
        try:
            text = replay.run(gen)
        except _Pending:
            blocked = True
            continue
        if not blocked and text:
            parts.append(text)
    if replay.pending and inp.rounds < MAX_ROUNDS:
        return Step(calls=_dedupe(replay.pending))
    if replay.pending:
        parts.append("I stopped there: that was a lot at once. Tell me what's left and I'll carry on.")
    if env.question:
        parts.append(env.question)
    reply = "\n".join(parts) if any("\n" in p for p in parts) else " ".join(parts)
    return Step(text=reply.strip() or _SMALL_TALK["empty"])


def _dedupe(calls: list[Call]) -> list[Call]:
    """Identical reads in one batch are asked once; writes are kept as they are."""
    out: list[Call] = []
    seen = set()
    for call in calls:
        if call.name == "list_tasks":
            if call.key in seen:
                continue
            seen.add(call.key)
        out.append(call)
    return out


def parse_today(instructions: str | None, fallback: date) -> tuple[date, str]:
    m = _TODAY_RE.search(instructions or "")
    if not m:
        return fallback, "UTC"
    try:
        return date.fromisoformat(m.group(1)), m.group(2)
    except ValueError:
        return fallback, m.group(2)
