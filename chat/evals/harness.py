"""The agent eval: everyday requests run through the public chat path, judged by the task list after.

Each case gets a throwaway user, its setup tasks, then its messages, one turn each, through
`chat.turn.ChatTurn` (start() + stream(), exactly as the websocket and REST doors do). The
user is deleted afterwards (tasks and conversations go with it), so running the eval against
the development database leaves no trace.

Case format (cases.json, conversation.json):
  {"id": "...", "setup": [{"title", "completed"?, "priority"?, "due"?: "+1d", "description"?, "labels"?, "recurrence"?}],
   "turns": [{"say": "...", "reply_contains"?: [word or [any of these words], ...], "reply_excludes"?: [...]}],
   "expect": {"tasks": [{"title", "completed"?, "priority"?, "due"?, "description_contains"?,
                         "labels"?: [names, any order and case], "recurrence"?: RRULE text or "" (none)}],
              "absent": [titles], "count": N, "unchanged": true}}
Messages may name setup tasks by id with {id:Title}, or an id that does not exist with {missing}.
Due specs: null, "+3d"/"-2d", "weekday:fri" (next one after today), "this:sat" (today if a Saturday, else the next), "next:mon" (in next week),
"weekend", "eom", "date:2027-01-15", "md:01-15" (next occurrence), or a list of acceptable specs.

Held-out files (`manage.py agent_eval --cases-file ...`), written without looking at the model's
rules and never tuned on: holdout.json (42 cases; its two misses, "got the groceries" and "... due
today actually", exposed two parsing bugs that were then fixed, so those two no longer count as
held out) and holdout2.json (30 cases written on 2026-12-03: 28 passed on their first run, after
one case that had assumed task id 1 was corrected to use {id:Title}; its two misses were then fixed,
h2-clear-due on that day and h2-priority-down ("the garage can wait, ...") on 2026-12-03 in a later
session, so neither counts as held out any more: 28 of 30 is its held-out figure), and holdout3.json
(44 cases across the conversational families of issue 22, written on 2026-12-05 after the model's
changes for them and before its first run: 41 of 44 passed on that first run, which is its held-out
figure; its three misses, "both of those are done", "what did I tick off?" and an "honestly, ..."
before a statement of intent, were then fixed, so those three no longer count as held out).
holdout_recur.json (34 repeat and label cases, written on 2026-12-05 after the rules but before
any eval run, committed first): 34 of 34 on its first run, which came after fixes the dev cases
prompted ("weekly planning every monday", "every! 5 days", "with the X label").
"""

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from core import dates

CASES_PATH = Path(__file__).with_name("cases.json")
# The public eval: the first cases, then the conversational families of issue 22 (several tasks by
# reference, questions about one task, pleasantries, other languages...), kept in their own file.
PUBLIC_CASE_FILES = (CASES_PATH, Path(__file__).with_name("conversation.json"))
EVAL_TIMEZONE = "UTC"
_WEEKDAY = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass
class CaseResult:
    case_id: str
    problems: list[str] = field(default_factory=list)
    transcript: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems


def load_cases(path: Path | None = None) -> list[dict[str, Any]]:
    """One case file, or by default every public one."""
    if path is not None:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    return [case for public in PUBLIC_CASE_FILES for case in json.loads(public.read_text(encoding="utf-8"))]


def resolve_due(spec: Any, today: date) -> date | None:
    if spec is None:
        return None
    if m := re.fullmatch(r"([+-]\d+)d", spec):
        return today + timedelta(days=int(m.group(1)))
    kind, _, arg = spec.partition(":")
    if kind == "weekday":
        return dates.next_weekday(today, _WEEKDAY[arg[:3]])
    if kind == "this":  # "this saturday": today when today is one, else the next one
        return today if today.weekday() == _WEEKDAY[arg[:3]] else dates.next_weekday(today, _WEEKDAY[arg[:3]])
    if kind == "next":
        return dates.weekday_next_week(today, _WEEKDAY[arg[:3]])
    if kind == "weekend":
        return dates.weekend(today)
    if kind == "eom":
        return dates.end_of_month(today)
    if kind == "date":
        return date.fromisoformat(arg)
    if kind == "md":
        month, day = (int(x) for x in arg.split("-"))
        found = date(today.year, month, day)
        return found if found >= today else date(today.year + 1, month, day)
    raise ValueError(f"Unknown due spec {spec!r}")


def _norm(title: str) -> str:
    return re.sub(r"\s+", " ", title).strip(" .!").lower()


def _options(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------- database units (sync)


def _create_user_with_tasks(setup: list[dict[str, Any]], today: date) -> tuple[Any, dict[str, int], list[tuple]]:
    from tasks import services

    user = get_user_model().objects.create_user(username=f"agent-eval-{uuid.uuid4().hex[:12]}", password=None)
    ids: dict[str, int] = {}
    for spec in setup:
        task = services.task_create(
            owner=user,
            title=spec["title"],
            description=spec.get("description", ""),
            priority=spec.get("priority", "medium"),
            due_date=resolve_due(spec.get("due"), today),
            labels=spec.get("labels"),
            recurrence=spec.get("recurrence"),
            today=today,
        )
        if spec.get("completed"):
            services.task_complete(user=user, task_id=task.pk)
        ids[spec["title"]] = task.pk
    return user, ids, _snapshot(user)


def _snapshot(user: Any) -> list[tuple]:
    from tasks.models import Task

    rows = Task.objects.filter(owner=user).values_list("title", "completed", "priority", "due_date", "description", "recurrence", "id")
    names = _label_names(user, [r[-1] for r in rows])
    rows = [(*r[:-1], tuple(names.get(r[-1], []))) for r in rows]
    return sorted(rows, key=lambda r: (r[0], r[1], r[2], str(r[3]), r[4], r[5], r[6]))


def _label_names(user: Any, task_ids: list[int]) -> dict[int, list[str]]:
    from tasks.labels import label_names_for

    return label_names_for(user=user, task_ids=task_ids)


def _tasks_of(user: Any) -> list[dict[str, Any]]:
    from tasks.models import Task

    tasks = list(Task.objects.filter(owner=user).values("id", "title", "completed", "priority", "due_date", "description", "recurrence"))
    names = _label_names(user, [t["id"] for t in tasks])
    return [{**t, "labels": names.get(t["id"], [])} for t in tasks]


def _delete_user(user: Any) -> None:
    user.delete()


def _max_task_id() -> int:
    from django.db.models import Max

    from tasks.models import Task

    return Task.objects.aggregate(m=Max("id"))["m"] or 0


# ---------------------------------------------------------------- checks


def _fill(text: str, ids: dict[str, int], missing_id: int) -> str:
    text = text.replace("{missing}", str(missing_id))
    return re.sub(r"\{id:([^}]+)\}", lambda m: str(ids[m.group(1)]), text)


def check_state(expect: dict[str, Any], tasks: list[dict[str, Any]], before: list[tuple], after: list[tuple], today: date) -> list[str]:
    problems = []
    for want in expect.get("tasks", []):
        titles = {_norm(t) for t in _options(want["title"])}
        found = [t for t in tasks if _norm(t["title"]) in titles]
        if not found:
            problems.append(f"missing task {want['title']!r}")
            continue
        task = found[0]
        if "completed" in want and task["completed"] != want["completed"]:
            problems.append(f"{task['title']!r}: completed={task['completed']}, expected {want['completed']}")
        if "priority" in want and task["priority"] not in _options(want["priority"]):
            problems.append(f"{task['title']!r}: priority={task['priority']}, expected {want['priority']}")
        if "due" in want:
            allowed = {resolve_due(spec, today) for spec in _options(want["due"])}
            if task["due_date"] not in allowed:
                problems.append(f"{task['title']!r}: due={task['due_date']}, expected one of {sorted(map(str, allowed))}")
        if "description_contains" in want and want["description_contains"].lower() not in task["description"].lower():
            problems.append(f"{task['title']!r}: description={task['description']!r}, expected to contain {want['description_contains']!r}")
        if "labels" in want and sorted(n.casefold() for n in task["labels"]) != sorted(n.casefold() for n in want["labels"]):
            problems.append(f"{task['title']!r}: labels={task['labels']}, expected {want['labels']}")
        if "recurrence" in want and task["recurrence"] not in _options(want["recurrence"]):
            problems.append(f"{task['title']!r}: recurrence={task['recurrence']!r}, expected {want['recurrence']!r}")
    for title in expect.get("absent", []):
        if any(_norm(t["title"]) == _norm(title) for t in tasks):
            problems.append(f"task {title!r} should be gone")
    if "count" in expect and len(tasks) != expect["count"]:
        problems.append(f"{len(tasks)} tasks, expected {expect['count']}: {[t['title'] for t in tasks]}")
    if expect.get("unchanged") and before != after:
        problems.append(f"tasks changed: before={before} after={after}")
    return problems


# ---------------------------------------------------------------- running


async def run_case(case: dict[str, Any]) -> CaseResult:
    from chat.turn import ChatTurn

    result = CaseResult(case["id"])
    today = datetime.now(ZoneInfo(EVAL_TIMEZONE)).date()
    user, ids, before = await database_sync_to_async(_create_user_with_tasks)(case.get("setup", []), today)
    missing_id = await database_sync_to_async(_max_task_id)() + 100_000
    started = time.perf_counter()
    try:
        conversation_id = None
        for turn in case["turns"]:
            text = _fill(turn["say"], ids, missing_id)
            chat = ChatTurn(user=user, text=text, conversation_id=conversation_id, timezone=EVAL_TIMEZONE)
            await chat.start()
            conversation_id = chat.conversation_id
            errors = []
            async for frame in chat.stream():
                if frame.get("type") == "error":
                    errors.append(f"{frame.get('code')}: {frame.get('detail')}")
            reply = chat.reply_text
            result.transcript.append((text, reply))
            if errors or chat.status != "complete":
                result.problems.append(f"turn {text!r} ended {chat.status}: {errors}")
            for wanted in turn.get("reply_contains", []):
                # A list is any one of its words: "Wed" or "tomorrow", when Wednesday is tomorrow.
                words = [_fill(word, ids, missing_id) for word in _options(wanted)]
                if not any(word.lower() in reply.lower() for word in words):
                    result.problems.append(f"reply to {text!r} lacks {' or '.join(map(repr, words))}")
            for word in turn.get("reply_excludes", []):
                if word.lower() in reply.lower():
                    result.problems.append(f"reply to {text!r} should not mention {word!r}")
        result.seconds = time.perf_counter() - started
        tasks = await database_sync_to_async(_tasks_of)(user)
        after = await database_sync_to_async(_snapshot)(user)
        result.problems.extend(check_state(case.get("expect", {}), tasks, before, after, today))
    finally:
        await database_sync_to_async(_delete_user)(user)
    return result


async def run_eval(case_ids: list[str] | None = None, cases: list[dict[str, Any]] | None = None) -> list[CaseResult]:
    cases = cases if cases is not None else load_cases()
    if case_ids:
        wanted = set(case_ids)
        cases = [c for c in cases if c["id"] in wanted]
    return [await run_case(case) for case in cases]


def report(results: list[CaseResult], *, verbose: bool = False) -> str:
    lines = []
    for res in results:
        if res.passed and not verbose:
            continue
        lines.append(f"{'PASS' if res.passed else 'FAIL'} {res.case_id}")
        for problem in res.problems:
            lines.append(f"    - {problem}")
        if verbose or not res.passed:
            for said, reply in res.transcript:
                lines.append(f"    user: {said}")
                lines.append("    assistant: " + reply.replace("\n", "\n               "))
    passed = sum(r.passed for r in results)
    lines.append(f"{passed} passed, {len(results) - passed} failed")
    return "\n".join(lines)
