"""Changing a task: its notes, its due date, its title, its priority.

Rows (RULES, in order): attribute lists ("update X: due tomorrow, high priority"), notes,
removing a due date, renaming, "X can wait until monday", priorities, rescheduling ("move X to
friday"), "X is due tomorrow", and "change X to Y" (attributes, else a new title).
"""

import re

from core import dates
from ..text import as_title
from .actions import Action, Clause, Clock
from .rules import Reading, rule, rules_for
from .vocabulary import PRIORITY_STATE, find_priorities, priority_word


def _date_at_end(clause: Clause, clock: Clock) -> tuple[dates.DateHit, str] | None:
    """The last date phrase when it ends the clause, with the text before it."""
    hits = dates.find_dates(clause.low, clock.today, day_first=clock.day_first)
    if not hits:
        return None
    hit = hits[-1]
    if clause.low[hit.end :].strip(" .!?,") and not re.fullmatch(r"\s*(?:instead|please|then|too|as\s+well)\W*", clause.low[hit.end :]):
        return None
    return hit, clause.orig[: hit.start]


_TRAIL_PREP = re.compile(r"(?:\s+(?:to|until|till|for|by|on|back|out|due|the\s+due\s+date\s+to|date\s+to|so\s+it'?s|so\s+that\s+it'?s))+\s*$")


# "I can wait" is about the person, not a task named "I".
_NOT_A_PERSON = r"(?!(?:i|we|you|they|he|she)\s)"


def _fill_attributes(action: Action, clause: Clause, clock: Clock) -> bool:
    """Reads "due tomorrow, high priority" style attribute lists; True when the whole text was understood."""
    low = clause.low
    rest = low
    hits = dates.find_dates(low, clock.today, day_first=clock.day_first)
    pris = find_priorities(low, title_context=False)
    for hit in hits:
        if hit.value:
            action.new_due = hit.value
        rest = rest[: hit.start] + " " * (hit.end - hit.start) + rest[hit.end :]
    for start, end, level in pris:
        action.new_priority = level
        rest = rest[:start] + " " * (end - start) + rest[end:]
    if re.search(r"\bno\s+(?:due\s+)?date\b|\bno\s+deadline\b", rest):
        action.clear_due = True
        rest = re.sub(r"\bno\s+(?:due\s+)?date\b|\bno\s+deadline\b", " ", rest)
    rest = re.sub(r"\b(?:and|priority|due|date|the|it|to|set|make|with|a|as)\b|[,;.!]", " ", rest)
    understood = bool(hits or pris or action.clear_due) and not rest.strip()
    if not understood:
        action.new_due, action.new_priority, action.clear_due = None, None, False
    return understood


# ---------------------------------------------------------------- builders


def _with_attributes(match: re.Match[str], reading: Reading) -> Action | None:
    """ "update the gym task: due tomorrow, high priority": only when every word is understood."""
    action = Action("update", refs=reading.refs(match))
    return action if _fill_attributes(action, reading.after(match, "new"), reading.clock) else None


def _new_notes(match: re.Match[str], reading: Reading) -> Action:
    return Action("update", refs=reading.refs(match), new_description=reading.literal(match))


def _no_notes(match: re.Match[str], reading: Reading) -> Action:
    return Action("update", refs=reading.refs(match), new_description="")


def _no_due_date(match: re.Match[str], reading: Reading) -> Action:
    return Action("update", refs=reading.refs(match), clear_due=True)


def _new_title(match: re.Match[str], reading: Reading) -> Action | None:
    title = as_title(reading.literal(match))
    refs = reading.refs(match)
    return Action("update", refs=refs, new_title=title) if title and refs else None


def _wait_until(match: re.Match[str], reading: Reading) -> Action | None:
    found = _date_at_end(reading.after(match), reading.clock)
    refs = reading.refs(match)
    if not (found and not found[1].strip() and refs):
        return None
    return _moved(refs, found[0])


def _named_priority(match: re.Match[str], reading: Reading) -> Action | None:
    level = priority_word(match.group("level"))
    return Action("update", refs=reading.refs(match), new_priority=level) if level else None


def _priority(level: str):
    def build(match: re.Match[str], reading: Reading) -> Action:
        return Action("update", refs=reading.refs(match), new_priority=level)

    return build


def _lower_priority(match: re.Match[str], reading: Reading) -> Action | None:
    low = reading.clause.low
    if not (re.match(r"^de-?prioriti", low) or "priority" in low):
        return None  # "drop the dentist" is a delete
    return Action("update", refs=reading.refs(match), new_priority="low")


def _reschedule(match: re.Match[str], reading: Reading) -> Action | None:
    found = _date_at_end(reading.after(match, "rest"), reading.clock)
    if found:
        hit, before = found
        before = re.sub(r"^(?:the\s+)?(?:due\s+date|deadline|date)\s+(?:of|for|on)\s+", "", before, flags=re.I)
        before = _TRAIL_PREP.sub("", before.rstrip(" ,"))
        refs = reading.refs_in(before)
        return _moved(refs, hit) if refs else None
    if re.match(r"^(?:postpone|delay|defer|put\s+off|push(?:\s+back)?)$", match.group("verb")):
        refs = reading.refs(match, "rest")  # "postpone the report": by a day
        return Action("update", refs=refs, shift_days=1) if refs else None
    return None


def _due_at_end(match: re.Match[str], reading: Reading) -> Action | None:
    """ "the report is due tomorrow", "make #4 due today"."""
    found = _date_at_end(reading.clause, reading.clock)
    if not found or not found[0].value:
        return None
    hit, before = found
    named = re.match(
        r"^(?:(?:make|set|have)\s+)?(?P<ref>.+?)\s*(?:(?:is|'s|are)\s+(?:actually|really)\s*|(?:is|'s|are|should\s+be|will\s+be|needs\s+to\s+be\s+(?:done|finished)|has\s+to\s+be\s+(?:done|finished)|must\s+be\s+(?:done|finished)|is\s+now|now)\s*)?$",
        before.lower(),
    )
    if not named:
        return None
    refs = [r for r in reading.refs_in(before[named.start("ref") : named.end("ref")]) if r.text.lower() not in ("what", "anything", "what's")]
    return Action("update", refs=refs, new_due=hit.value) if refs else None


def _change_to(match: re.Match[str], reading: Reading) -> Action | None:
    action = Action("update", refs=reading.refs(match))
    if _fill_attributes(action, reading.after(match, "new"), reading.clock):
        return action
    title = as_title(reading.literal(match))
    if title and not re.match(r"^(?:done|complete|completed|finished)$", title.lower()):
        action.new_title = title
        return action
    return None


def _moved(refs, hit: dates.DateHit) -> Action:
    if hit.value is None:
        return Action("update", refs=refs, shift_days=hit.shift_days)  # "by 2 days"
    return Action("update", refs=refs, new_due=hit.value)


# ---------------------------------------------------------------- rules

_PRIORITY_AFTER = r"(?:\s+(?:now|anymore|any\s+more|after\s+all))?$"

RULES = [
    rule(
        "update_with_attributes",
        r"^(?:update|edit|change|modify|set)\s+(?P<ref>.+?)\s*(?::|\s-\s|\s+with\s+)\s*(?P<new>.+)$",
        _with_attributes,
    ),
    # notes
    *rules_for(
        _new_notes,
        add_note_to=r"^(?:add|put|attach|write|leave)\s+(?:a\s+|the\s+|some\s+)?(?:note|notes|description|details|comment)s?\s+(?:to|on|for)\s+(?P<ref>.+?)\s*(?::|\s-\s|saying|that\s+says|which\s+says)\s*(?P<new>.+)$",
        set_notes_of=r"^(?:set|change|update|edit|replace)\s+(?:the\s+)?(?:description|notes?|details)\s+(?:of|on|for|in)\s+(?P<ref>.+?)\s+(?:to|with)\s+(?:say\s+|read\s+)?(?P<new>.+)$",
        set_its_notes=r"^(?:set|change|update|edit)\s+(?P<ref>.+?)(?:'s)?\s+(?:description|notes?|details)\s*(?::|to|as)\s*(?P<new>.+)$",
        describe_as=r"^(?:describe)\s+(?P<ref>.+?)\s+as\s+(?P<new>.+)$",
        add_the_note=r"^add\s+(?:the\s+)?note\s+(?P<new>.+?)\s+to\s+(?P<ref>.+)$",
    ),
    rule(
        "clear_notes",
        r"^(?:clear|remove|delete|erase)\s+(?:the\s+)?(?:description|notes?|details)\s+(?:of|on|from|for)\s+(?P<ref>.+)$",
        _no_notes,
    ),
    # removing a due date
    *rules_for(
        _no_due_date,
        remove_due_date=r"^(?:remove|clear|delete|drop|unset|take\s+off|get\s+rid\s+of)\s+(?:the\s+)?(?:due\s+date|deadline|due|date)\s+(?:from|of|on|for)\s+(?P<ref>.+)$",
        needs_no_due_date=r"^(?P<ref>.+?)\s+(?:(?:has|needs|should\s+have)\s+no|(?:doesn't|does\s+not|don't|do\s+not)\s+(?:need|have)\s+(?:a|any)?)\s*"
            r"(?:due\s+date|deadline|date)(?:\s+(?:anymore|any\s+more))?$",
        make_it_have_no_due_date=r"^(?:make|set)\s+(?P<ref>.+?)\s+(?:to\s+)?(?:have\s+)?no\s+(?:due\s+date|deadline)$",
        no_due_date_for=r"^no\s+(?:due\s+date|deadline|date)\s+(?:for|on)\s+(?P<ref>.+)$",
        take_the_due_date_off=r"^take\s+(?:the\s+)?(?:due\s+date|deadline|date)\s+off\s+(?:of\s+)?(?P<ref>.+)$",
    ),
    # renaming
    *rules_for(
        _new_title,
        rename_to=r"^(?:rename|retitle|re-title|re-name)\s+(?P<ref>.+?)\s+(?:to|as|into)\s+(?P<new>.+)$",
        rename_it=r"^(?:rename|retitle)\s+(?P<ref>#\s*\d+|(?:task|number)\s+\d+|it|that|this)\s+(?P<new>.+)$",
        rename_quoted=r"^(?:rename|retitle)\s+(?P<ref>.+?)\s+(?P<new>⟦\d+⟧)$",
        change_the_title_of=r"^(?:change|update|edit|set|modify|fix)\s+(?:the\s+)?(?:title|name|wording|text)\s+(?:of|on|for)\s+(?P<ref>.+?)\s+to\s+(?P<new>.+)$",
        should_be_called=r"^(?P<ref>.+?)\s+should\s+(?:be\s+)?(?:called|named|titled|say|read)\s+(?P<new>.+)$",
        call_the_task=r"^(?:call|name|title)\s+(?P<ref>.+?\s+(?:task|one|item|todo|reminder))\s+(?P<new>.+?)(?:\s+instead)?$",
    ),
    # "the report can wait until monday": a new due date ("the garage can wait" lowers its priority, below)
    rule(
        "can_wait_until",
        r"^" + _NOT_A_PERSON + r"(?P<ref>.+?)\s+can\s+(?:wait|be\s+(?:put\s+off|postponed|pushed\s+back))\s+(?:until|till|til|to)\s+",
        _wait_until,
    ),
    # priorities
    *rules_for(
        _named_priority,
        priority_of_to=r"^(?:change|set|update|make|switch|put)\s+(?:the\s+)?priority\s+(?:of|on|for)\s+(?P<ref>.+?)\s+(?:to|as|at)\s+(?P<level>.+)$",
        give_it_priority=r"^(?:set|make|change|give)\s+(?P<ref>.+?)(?:'s)?\s+(?:a\s+)?priority\s+(?:to\s+|of\s+|as\s+)?(?P<level>\w+)$",
        make_it_urgent=r"^(?:make|set|mark|change|put|flag|switch|update|move|tag|bump)\s+(?P<ref>.+?)\s+(?:as\s+|to\s+|at\s+|into\s+|up\s+to\s+|down\s+to\s+)?(?:being\s+)?(?P<level>" + PRIORITY_STATE + r")$",
        is_urgent=r"^(?P<ref>.+?)\s+(?:is|are|'s|should\s+be|has\s+become|became|is\s+now)\s+(?:now\s+|really\s+|very\s+|super\s+)?(?P<level>" + PRIORITY_STATE + r")" + _PRIORITY_AFTER,
    ),
    *rules_for(
        _priority("low"),
        is_not_urgent=r"^(?P<ref>.+?)\s+(?:isn't|is\s+not|aren't|are\s+not)\s+(?:really\s+|that\s+)?(?:urgent|important|a\s+priority|pressing)" + _PRIORITY_AFTER,
        # "for now" arrives as "for" (the polite suffix "now" is trimmed first)
        can_wait=r"^" + _NOT_A_PERSON + r"(?P<ref>.+?)\s+can\s+(?:wait|be\s+(?:put\s+off|postponed|left\s+for\s+later|done\s+later))(?:\s+(?:a\s+bit|a\s+while|for\s+now|for\s+a\s+while|for))?$",
    ),
    *rules_for(
        _priority("high"),
        raise_it=r"^(?:prioriti[sz]e|escalate|flag|star|bump\s+up|raise|increase|up)\s+(?:the\s+priority\s+(?:of|on|for)\s+)?(?P<ref>.+?)(?:'s\s+priority)?$",
        raise_the_priority_of=r"^(?:raise|increase|bump\s+up|bump|up)\s+(?:the\s+)?priority\s+(?:of|on|for)\s+(?P<ref>.+)$",
    ),
    rule(
        "lower",
        r"^(?:de-?prioriti[sz]e|lower|decrease|reduce|drop|downgrade)\s+(?:the\s+)?(?:priority\s+(?:of|on|for)\s+)?(?P<ref>.+?)(?:'s\s+priority)?$",
        _lower_priority,
    ),
    # rescheduling: a verb, the task, then a date at the end
    rule(
        "reschedule",
        r"^(?P<verb>move|reschedule|re-schedule|push(?:\s+back)?|postpone|delay|defer|shift|bump|put\s+off|push\s+out|change|set|update|make|"
        r"due\s+date\s+(?:of|for)|(?:change|set|update|move)\s+(?:the\s+)?(?:due\s+date|deadline|date)\s+(?:of|for|on))\s+(?P<rest>.+)$",
        _reschedule,
    ),
    rule("due_at_end", r"^(?!(?:what|which|show|list|any|anything|is\s+there|how)\b)(?=.*\b(?:due|deadline)\b)", _due_at_end),
    # "change call mom to call dad", "make the gym task due tomorrow, high priority"
    rule(
        "change_to",
        r"^(?:change|update|edit|modify|switch|set|make|turn)\s+(?P<ref>.+?)\s+(?:to|into)\s+(?P<new>.+)$",
        _change_to,
    ),
]

