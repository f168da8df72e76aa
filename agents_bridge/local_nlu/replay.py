"""One model call of the offline model: what it sees, what it answers, and the replay of the
tool calls this turn already made.

The model keeps no state between calls: each call re-reads the conversation, re-plans the turn
from the latest user message, and replays the tool calls already made this turn (matched by name
and arguments) until it reaches a call that has no output yet. Those calls are the next step.
Actions are generators that `yield` a Call (or a list of Calls to run together) and receive the
parsed tool output(s) back, then `return` the sentence for the reply.
"""

import json
from collections import Counter, defaultdict, deque
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .intents import Clock


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
    pending: dict[str, Any] | None = None  # the question the previous reply left open (agents_bridge.confirmation)


@dataclass
class Step:
    calls: list[Call] = field(default_factory=list)
    text: str = ""
    pending: dict[str, Any] | None = None  # with the text: the question it leaves open


class StepPending(Exception):
    """An action reached a tool call that has no output yet."""


@dataclass
class TurnState:
    """What the actions of one turn share while it is planned."""

    inp: TurnInput
    clock: Clock
    prev_tasks: list[dict[str, Any]]  # tasks named in the last assistant message, in order
    replies: list[str] = field(default_factory=list)  # the assistant's earlier messages, newest first
    turn_tasks: list[dict[str, Any]] = field(default_factory=list)  # tasks this turn's actions touched
    question: str | None = None  # the one clarifying question this turn asks, if any
    asks: dict[str, Any] | None = None  # the same question as data, for the next turn
    offer: dict[str, Any] | None = None  # "Should I add ...?" asked by the action just run
    confirmed: bool = False  # the person has just said yes to a bulk change: no new question
    changes: Counter[str] = field(default_factory=Counter)  # deletes/completions asked for so far, by tool


# ---------------------------------------------------------------- replay


class Replay:
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
                raise StepPending
            value = outputs if isinstance(request, list) else outputs[0]


def gather(gens: list[Generator[Any, Any, Any]]) -> Generator[Any, Any, list[Any]]:
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


def dedupe(calls: list[Call]) -> list[Call]:
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

