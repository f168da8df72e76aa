"""Labels and repeats in chat: "show my work tasks", "label X as work", "remove the work label
from X", "stop repeating X", "make X repeat every week".

Rows (RULES, in order; read before add.ADD_COMMAND, so "add the work label to X" is a label and
not a new task). A repeat phrase is read by tasks.recurrence, the parser of every door; here only
the words around it are matched.
"""

import re

from tasks import recurrence

from .actions import Action
from .rules import Reading, rule

_NAME = r"#?(?P<label>[a-z][\w\-/.&+']*)"
_TASK_WORDS = r"(?:tasks?|todos?|to-dos?|items?|things?|stuff|list)"
# Words that already mean something before "tasks" ("show my pending tasks"): never a label.
NOT_LABELS = frozenset(
    "all open pending completed complete done finished unfinished remaining outstanding overdue late today today's todays tomorrow "
    "tomorrow's upcoming future next new old recent latest current high low medium urgent important priority other first last "
    "undone active due dated undated these those the my your every any more todo todos to-do to-dos list lists task tasks "
    "item items thing things stuff show what whats what's everything".split()
)


def _labelled_list(match: re.Match[str], reading: Reading) -> Action | None:
    label = match.group("label")
    if label in NOT_LABELS:
        return None
    status = "all" if match.groupdict().get("all") else "pending"
    return Action("list", label=label, status=status)


def _add_label(match: re.Match[str], reading: Reading) -> Action | None:
    refs = reading.refs(match)
    return Action("update", refs=refs, add_labels=[match.group("label")]) if refs else None


def _remove_label(match: re.Match[str], reading: Reading) -> Action | None:
    refs = reading.refs(match)
    return Action("update", refs=refs, remove_labels=[match.group("label")]) if refs else None


def _stop_repeating(match: re.Match[str], reading: Reading) -> Action | None:
    refs = reading.refs(match)
    return Action("update", refs=refs, new_recurrence="") if refs else None


def _repeat(match: re.Match[str], reading: Reading) -> Action | None:
    refs = reading.refs(match)
    phrase = reading.clause.low[match.start("rule") :].strip(" .!?")
    try:
        recurrence.parse(phrase, reading.clock.today)
    except recurrence.RecurrenceError:
        return None  # not a repeat we can read: let the other rows try
    return Action("update", refs=refs, new_recurrence=phrase) if refs else None


RULES = [
    # "show my work tasks", "list all #home todos", "what are my groceries tasks"
    rule(
        "labelled_list",
        r"^(?:(?:show|list|display|see|view|give|get|find|what\s+are|what's|whats|which\s+are)\s+(?:me\s+)?)?(?P<all>all\s+)?(?:(?:of\s+)?(?:my|the)\s+)?"
        + _NAME + r"\s+" + _TASK_WORDS + r"\s*[?.!]*$",
        _labelled_list,
    ),
    # "tasks labelled work", "show tasks tagged #home", "what's tagged work"
    rule(
        "tagged_list",
        r"^(?:(?:show|list|display|see|find|what's|whats|what\s+is|what\s+are)\s+(?:me\s+)?)?(?P<all>all\s+)?(?:(?:my|the)\s+)?(?:" + _TASK_WORDS
        + r"\s+)?(?:labell?ed|tagged|with\s+(?:the\s+)?(?:label|tag))\s+(?:as\s+|with\s+)?" + _NAME + r"(?:\s+(?:label|tag))?\s*[?.!]*$",
        _labelled_list,
    ),
    # "tasks with the groceries label", "show me the ones with the #home tag"
    rule(
        "with_the_label",
        r"^(?:(?:show|list|display|see|find|what\s+are)\s+(?:me\s+)?)?(?P<all>all\s+)?(?:(?:my|the)\s+)?(?:" + _TASK_WORDS
        + r"|ones)\s+with\s+(?:the\s+|a\s+)?" + _NAME + r"\s+(?:label|tag)\s*[?.!]*$",
        _labelled_list,
    ),
    # "label X as work", "tag X with #home", "label X work"
    rule("label_as", r"^(?:label|tag)\s+(?P<ref>.+?)\s+(?:as|with)\s+" + _NAME + r"(?:\s+(?:label|tag))?\s*[.!]*$", _add_label),
    # "add the work label to X", "put the #home tag on X"
    rule("add_label_to", r"^(?:add|put|stick)\s+(?:the\s+|a\s+)?" + _NAME + r"\s+(?:label|tag)\s+(?:to|on)\s+(?P<ref>.+?)\s*[.!]*$", _add_label),
    # "remove the work label from X", "take the #home tag off X"
    rule(
        "remove_label",
        r"^(?:remove|delete|drop|take|clear)\s+(?:the\s+)?" + _NAME + r"\s+(?:label|tag)\s+(?:from|off(?:\s+of)?)\s+(?P<ref>.+?)\s*[.!]*$",
        _remove_label,
    ),
    # "untag X work", "unlabel X as work"
    rule("untag", r"^(?:untag|unlabel)\s+(?P<ref>.+?)\s+(?:as\s+|from\s+)?" + _NAME + r"\s*[.!]*$", _remove_label),
    # "stop repeating X", "don't repeat X anymore", "X should not repeat"
    rule(
        "stop_repeating",
        r"^(?:stop\s+(?:repeating|the\s+repeat\s+(?:on|of|for))|don'?t\s+repeat|do\s+not\s+repeat|no\s+more\s+repeats?\s+(?:for|on))\s+"
        r"(?P<ref>.+?)(?:\s+(?:any\s*more|from\s+now\s+on))?\s*[.!]*$",
        _stop_repeating,
    ),
    rule(
        "no_longer_repeats",
        r"^(?:make\s+)?(?P<ref>.+?)\s+(?:should\s+not|shouldn'?t|doesn'?t|does\s+not|don'?t|no\s+longer\s+(?:needs\s+to\s+)?|not\s+)\s*(?:repeat|recur)s?"
        r"(?:\s+(?:any\s*more|from\s+now\s+on))?\s*[.!]*$",
        _stop_repeating,
    ),
    # "make X repeat every week", "set X to repeat every monday", "repeat X every month", "X repeats daily"
    rule("make_repeat", r"^(?:make|set|have|let)\s+(?P<ref>.+?)\s+(?:to\s+)?(?:repeat|recur)\s+(?P<rule>(?:every|each|daily|weekly|monthly|yearly|annually|fortnightly).*)$", _repeat),
    rule("repeat_x", r"^(?:repeat|recur)\s+(?P<ref>.+?)\s+(?P<rule>(?:every|each|daily|weekly|monthly|yearly|annually|fortnightly).*)$", _repeat),
    rule("x_repeats", r"^(?P<ref>.+?)\s+(?:should\s+)?(?:repeats?|recurs?|needs\s+to\s+repeat)\s+(?P<rule>(?:every|each|daily|weekly|monthly|yearly|annually|fortnightly).*)$", _repeat),
]
