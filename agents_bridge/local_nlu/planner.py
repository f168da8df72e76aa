"""Decides the offline model's next step: more tool calls, or the final reply.

Each model call re-plans the turn from the latest user message (or, when the previous reply left
a question open, from the answer to it: `TurnInput.pending`, plain data, never the reply's words),
replays the tool calls already made this turn (replay.py) and either asks for the next calls or,
when every action has its outputs, composes the reply from the handlers' sentences (handlers.py).
The reply comes with the question it leaves open, as data
(`Step.pending`), which the chat app keeps with the reply for the next turn.
"""

import re
from datetime import date
from typing import Any

from ..confirmation import BULK_TOOLS, confirms, is_no, is_yes
from core import dates
from .handlers import HANDLERS, do_talk
from .intents import Action, AddItem, Clock, Ref, parse_message
from .phrasing import SMALL_TALK
from .replay import Replay, Step, StepPending, ToolRecord, TurnInput, TurnState, dedupe
from .resolving import answer_choice, tasks_named_in

__all__ = ["Step", "ToolRecord", "TurnInput", "parse_today", "plan"]

MAX_ROUNDS = 6  # tool rounds per turn; the runner allows AGENT_MAX_TURNS model calls (8 by default)
_TODAY_RE = re.compile(r"Today is (\d{4}-\d{2}-\d{2})(?: \(\w+\))? in the user's timezone ([\w/+\-]+)")
# What an answer to a confirmation does, by the tool that asked.
_BULK_KIND = {"delete_all_tasks": "bulk_all", "delete_completed_tasks": "bulk_completed"}
_COUNTED_KIND = {"delete_task": "delete", "complete_task": "complete"}


def _last_assistant(inp: TurnInput) -> str:
    for role, text in reversed(inp.history):
        if role == "assistant":
            return text
    return ""


def _answer_to_confirmation(asked: dict[str, Any], answer: str, env: TurnState) -> list[Action] | None:
    tool = asked.get("tool")
    if confirms(answer):
        if tool in BULK_TOOLS:
            return [Action(_BULK_KIND[tool])]
        task_ids = [int(i) for i in asked.get("task_ids") or []]
        if tool in _COUNTED_KIND and task_ids:
            env.confirmed = True
            return [Action(_COUNTED_KIND[tool], refs=[Ref(ids=task_ids)])]
        return None
    if is_no(answer):
        return [Action("small_talk", topic="declined_choice" if tool == "complete_task" else "declined_bulk")]
    return None


def _answer_to_choice(asked: dict[str, Any], answer: str, env: TurnState) -> list[Action] | None:
    candidates = [t for t in asked.get("options") or [] if isinstance(t, dict) and t.get("task_id") is not None]
    kind = asked.get("action") or "update"
    chosen = answer_choice(answer, candidates) if candidates else None
    if chosen is None:
        return [Action("small_talk", topic="declined_choice")] if is_no(answer) else None
    chosen_ref = Ref(text="", ids=[int(t["task_id"]) for t in chosen])
    previous, _ = parse_message(str(asked.get("request") or ""), env.clock)
    for action in previous:
        action_kind = "complete" if action.kind == "complete_past" else action.kind
        if action_kind == kind and action.refs:
            action.refs = [chosen_ref]
            if action.kind == "complete_past":
                action.kind = "complete"
            return [action]
    # The request no longer reads as that action: the verb still tells what to do.
    if kind in ("complete", "reopen", "delete"):
        return [Action(kind, refs=[chosen_ref])]
    return None


def _pending_question_actions(inp: TurnInput, env: TurnState) -> list[Action] | None:
    """Answers to the question the previous reply left open, or None when the message is something else."""
    asked = inp.pending or {}
    if asked.get("ask") == "confirm":
        return _answer_to_confirmation(asked, inp.user_text, env)
    if asked.get("ask") == "add" and asked.get("title"):
        if is_yes(inp.user_text):
            return [Action("add", items=[AddItem(title=str(asked["title"]))])]
        return [Action("small_talk", topic="no")] if is_no(inp.user_text) else None
    if asked.get("ask") == "choose":
        return _answer_to_choice(asked, inp.user_text, env)
    return None


# ---------------------------------------------------------------- the step


def plan(inp: TurnInput) -> Step:
    clock = Clock(inp.today, dates.day_first_for(inp.timezone))
    replies = [text for role, text in reversed(inp.history) if role == "assistant"]
    env = TurnState(inp=inp, clock=clock, prev_tasks=tasks_named_in(_last_assistant(inp)), replies=replies)
    actions = _pending_question_actions(inp, env)
    if actions is None:
        actions, _ = parse_message(inp.user_text, clock)

    replay = Replay(inp.records)
    parts: list[str] = []
    opening_offer: dict[str, Any] | None = None  # the offer of the first sentence
    blocked = False
    for action in actions:
        handler = HANDLERS.get(action.kind, do_talk)
        gen = handler(action, env)
        if blocked:
            # Later actions may start in parallel only when they need nothing from earlier ones.
            independent = action.kind in ("add", "add_bare", "complete", "reopen", "delete", "update") and not action.uses_pronoun
            if not independent:
                gen.close()
                break
        env.offer = None
        try:
            text = replay.run(gen)
        except StepPending:
            blocked = True
            continue
        if not blocked and text:
            if not parts:
                opening_offer = env.offer
            parts.append(text)
    if replay.pending and inp.rounds < MAX_ROUNDS:
        return Step(calls=dedupe(replay.pending))
    if replay.pending:
        parts.append("I stopped there: that was a lot at once. Tell me what's left and I'll carry on.")
    if env.question:
        parts.append(env.question)
    reply = "\n".join(parts) if any("\n" in p for p in parts) else " ".join(parts)
    return Step(text=reply.strip() or SMALL_TALK["empty"], pending=_left_open(env, opening_offer))


def _left_open(env: TurnState, offer: dict[str, Any] | None) -> dict[str, Any] | None:
    """The reply's open question: a confirmation first, then an offer that opens the reply, then
    "which one?". ("undo" needs none: the server undoes the last turn that changed tasks.)"""
    question = env.asks if env.asks and env.asks.get("ask") == "confirm" else (offer or env.asks)
    return dict(question) if question else None


def parse_today(instructions: str | None, fallback: date) -> tuple[date, str]:
    m = _TODAY_RE.search(instructions or "")
    if not m:
        return fallback, "UTC"
    try:
        return date.fromisoformat(m.group(1)), m.group(2)
    except ValueError:
        return fallback, m.group(2)
