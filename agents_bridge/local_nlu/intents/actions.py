"""What a clause is read into: the actions, the tasks they name, and the clause itself."""

from dataclasses import dataclass, field
from datetime import date


@dataclass
class Ref:
    """How the user pointed at one or more tasks."""

    text: str = ""  # the words, as typed (quotes restored)
    ids: list[int] = field(default_factory=list)
    pronoun: str | None = None  # "one" ("it") or "many" ("them", "both")
    ordinal: int | None = None  # "the first one" -> 0, "the last one" -> -1
    every: bool = False  # "all the milk tasks": every match, not one
    count: int | None = None  # how many a plural pronoun names: "both" 2, "all three" 3


@dataclass
class AddItem:
    title: str
    description: str = ""
    due: date | None = None
    priority: str | None = None
    labels: list[str] = field(default_factory=list)  # "#home" (tasks.quick_add reads them)
    recurrence: str | None = None  # the repeat phrase as typed: "every month on the 1st"


@dataclass
class Action:
    kind: str
    # add
    items: list[AddItem] = field(default_factory=list)
    # complete / reopen / delete / update
    refs: list[Ref] = field(default_factory=list)
    new_title: str | None = None
    new_description: str | None = None
    new_due: date | None = None
    clear_due: bool = False
    shift_days: int | None = None
    new_priority: str | None = None
    # labels and repeats (intents/labels.py): "label X as work", "stop repeating X"
    add_labels: list[str] = field(default_factory=list)
    remove_labels: list[str] = field(default_factory=list)
    new_recurrence: str | None = None  # a phrase; "" stops the repeat
    label: str | None = None  # list: only tasks with this label
    # list
    status: str = "pending"
    due_filter: str | None = None
    day: date | None = None
    # a span of due dates ("this week", "by friday"): first and last day, and how to say it
    due_from: date | None = None
    due_until: date | None = None
    window: str | None = None
    priority: str | None = None
    search: str | None = None
    count_only: bool = False
    # small talk and the like
    topic: str | None = None

    @property
    def uses_pronoun(self) -> bool:
        return any(r.pronoun or r.ordinal is not None for r in self.refs)


@dataclass
class Clock:
    today: date
    day_first: bool = True



@dataclass
class Clause:
    """A piece of the message, in its typed casing and lowercased (same length, so offsets agree)."""

    orig: str  # quotes replaced by placeholders, original casing
    low: str  # same text lowercased, same length

    def cut(self, start: int, end: int | None = None) -> "Clause":
        end = len(self.orig) if end is None else end
        return Clause(self.orig[start:end], self.low[start:end])

    def strip(self) -> "Clause":
        lead = len(self.orig) - len(self.orig.lstrip())
        trail = len(self.orig.rstrip())
        return self.cut(lead, trail)
