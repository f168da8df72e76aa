"""Which tasks the person means: references resolved through list_tasks as an LLM would, the
tasks an earlier reply named (for "it" and "them"), and answers to "which one?"."""

import re
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from .intents import Ref
from .matching import choose_among, pick, search_terms
from .phrasing import error_sentence, is_error, task_label
from .replay import Call, TurnState, gather
from .text import lower_same_length, repair

_NAMED_ID_RE = re.compile(r"“([^”]*)” \(#(\d+)")
_ID_IN_REPLY_RE = re.compile(r"\(#(\d+)")


@dataclass
class Resolved:
    tasks: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None  # a sentence for the reply when nothing could be resolved
    choices: list[dict[str, Any]] = field(default_factory=list)  # when the user must choose


def _resolve(ref: Ref, env: TurnState, prefer_completed: bool | None) -> Generator[Any, Any, Resolved]:
    if ref.ids:
        return Resolved([{"task_id": i, "title": None} for i in ref.ids])
    if ref.pronoun or ref.ordinal is not None:
        pool = env.turn_tasks or env.prev_tasks
        if ref.pronoun == "many" and not env.turn_tasks:
            pool = _plural_pool(ref, env.replies, pool)
        if not pool and ref.pronoun == "many":
            # "mark everything as done" with nothing mentioned before: the whole (shown) list.
            output = yield Call("list_tasks", {"status": "completed" if prefer_completed else "pending"})
            pool = [] if is_error(output) else list(output.get("tasks") or [])
            if not pool:
                return Resolved(problem="There are no tasks for that.")
        if not pool:
            return Resolved(problem="I'm not sure which task you mean. Tell me its name or number (like #12).")
        if ref.ordinal is not None:
            index = ref.ordinal
            if -len(pool) <= index < len(pool):
                return Resolved([pool[index]])
            return Resolved(problem="I'm not sure which task you mean. Tell me its name or number (like #12).")
        if ref.pronoun == "many" or len(pool) == 1:
            return Resolved(list(pool))
        return Resolved(choices=list(pool)[:5])
    terms = search_terms(ref.text)
    if not terms:
        return Resolved(problem=f"I couldn't find a task matching “{ref.text}”.")
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
        if is_error(output):
            return Resolved(problem=error_sentence(output if isinstance(output, dict) else {}))
        for task in output.get("tasks") or []:
            seen.setdefault(task.get("task_id"), task)
        found = pick(ref.text, list(seen.values()), prefer_completed=prefer_completed, every=ref.every)
        if found.status == "found":
            return Resolved(found.tasks)
        if found.status == "ambiguous":
            return Resolved(choices=found.tasks)
    return Resolved(problem=f"I couldn't find a task matching “{ref.text}”.")


def _plural_pool(ref: Ref, replies: list[str], pool: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tasks "both", "those" or "all three" name when the last reply named fewer: after "Added
    A." and "Added B.", "tick both off" means A and B. "both" reaches back for as many as it says;
    a plain "those" through the earlier replies that said the same kind of thing ("Added ...")."""
    want = ref.count
    if (want is None and len(pool) != 1) or (want is not None and len(pool) >= want) or not replies:
        return pool
    kind = replies[0].split(" ", 1)[0]
    gathered = list(pool)
    for reply in replies[1:]:
        named = [t for t in tasks_named_in(reply) if all(t["task_id"] != g["task_id"] for g in gathered)]
        if not named or (want is None and reply.split(" ", 1)[0] != kind):
            break
        gathered = named + gathered
        if want is not None and len(gathered) >= want:
            return gathered[-want:]
    return gathered


def resolve_all(refs: list[Ref], env: TurnState, prefer_completed: bool | None) -> Generator[Any, Any, Resolved]:
    results: list[Resolved] = yield from gather([_resolve(r, env, prefer_completed) for r in refs])
    merged = Resolved()
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


def ask_which(env: TurnState, kind: str, choices: list[dict[str, Any]]) -> None:
    """Sets the turn's clarifying question; only the first one is asked (the answer names one action)."""
    if env.question is not None:
        return
    names = [task_label(t) for t in choices]
    listed = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
    env.question = f"Which one should I {_VERB_FOR_KIND.get(kind, 'change')}: {listed}?"
    options = [{"task_id": t.get("task_id"), "title": t.get("title")} for t in choices]
    env.asks = {"ask": "choose", "action": kind, "options": options, "request": env.inp.user_text}


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


def answer_choice(answer: str, candidates: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
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

