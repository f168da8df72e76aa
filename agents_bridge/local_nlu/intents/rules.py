"""A rule table: named rows of (pattern, builder), read in order by one small function.

A rule's pattern is matched at the start of the lowercased clause; its builder turns the match
into an Action, or answers None when the words fit the pattern but not the meaning, and the next
rule is tried. A new phrasing is one row in the table where it belongs, plus one eval case.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..text import restore_quotes
from .actions import Action, Clause, Clock, Ref
from .references import make_refs


@dataclass(frozen=True)
class Reading:
    """One clause being read: its text, the day it is read on, and the quoted strings set aside."""

    clause: Clause
    clock: Clock
    quoted: list[str]
    # Reads a part of the clause with every rule ("I need to <another request>").
    read_again: Callable[[Clause], Action | None]

    def typed(self, match: re.Match[str], group: str) -> str:
        """A group's words as typed (the match runs on the lowercased clause)."""
        return self.clause.orig[match.start(group) : match.end(group)]

    def refs(self, match: re.Match[str], group: str = "ref") -> list[Ref]:
        """The tasks a group names."""
        return self.refs_in(self.typed(match, group))

    def refs_in(self, text: str) -> list[Ref]:
        """The tasks some typed text of the clause names."""
        return make_refs(text, self.quoted)

    def literal(self, match: re.Match[str], group: str = "new") -> str:
        """A group's words as data (a new title or note), quotes put back."""
        return restore_quotes(self.typed(match, group), self.quoted).strip(" .!?\"'")

    def after(self, match: re.Match[str], group: str | None = None) -> Clause:
        """The clause from the start of a group (or from the end of the match) on."""
        return self.clause.cut(match.start(group) if group else match.end())


Builder = Callable[[re.Match[str], Reading], Action | None]


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    build: Builder


def rule(name: str, pattern: str, build: Builder) -> Rule:
    return Rule(name, re.compile(pattern), build)


def first_action(rules: list[Rule], reading: Reading) -> Action | None:
    """The action of the first rule, in table order, whose pattern matches and whose builder accepts."""
    for row in rules:
        match = row.pattern.match(reading.clause.low)
        if match:
            action = row.build(match, reading)
            if action is not None:
                return action
    return None


def rules_for(build: Builder, **patterns: str) -> list[Rule]:
    """Rows that share a builder, named by their keywords, in the order given."""
    return [rule(name, pattern, build) for name, pattern in patterns.items()]
