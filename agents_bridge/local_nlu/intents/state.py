"""Done, not done, deleted: completing, reopening and deleting tasks, one by one or in bulk.

Rows: BULK (delete every completed task, or everything; the tools ask before either), RULES (the
one-task changes, in order), REPORTED_DONE ("I called the plumber", tried last of all).
"""

import re

from core import dates
from .actions import Action
from .rules import Reading, rule
from .vocabulary import DONE_WORDS, UNDONE_WORDS


def _make(kind: str, group: str = "ref"):
    """A builder for "<kind> the tasks the group names"."""

    def build(match: re.Match[str], reading: Reading) -> Action:
        return Action(kind, refs=reading.refs(match, group))

    return build


def _mark_as(match: re.Match[str], reading: Reading) -> Action:
    kind = "reopen" if re.fullmatch(UNDONE_WORDS, match.group("state")) else "complete"
    return Action(kind, refs=reading.refs(match))


def _complete(match: re.Match[str], reading: Reading) -> Action | None:
    low, clock = reading.clause.low, reading.clock
    if re.match(r"^(?:complete|finish)\b", low) and dates.find_dates(low, clock.today, day_first=clock.day_first):
        return None  # "finish the report by friday" is a new task, not a done one
    return Action("complete", refs=reading.refs(match))


def _did_not(match: re.Match[str], reading: Reading) -> Action | None:
    if re.match(r"(?:need|want|mean|know|get|understand|say|ask)\b", match.group("ref")):
        return None  # "I didn't mean that" is not about a task
    return Action("reopen", refs=reading.refs(match))


def _done_after_the_name(match: re.Match[str], reading: Reading) -> Action | None:
    if re.match(r"^(?:what|which|show|list|how|have|did|any)\b", reading.clause.low):
        return None  # "what have I done", "which ones are done": questions, for listing
    return Action("complete", refs=reading.refs(match))


def _reported_done(match: re.Match[str], reading: Reading) -> Action | None:
    refs = reading.refs(match, "reported")
    return Action("complete_past", refs=refs) if refs else None


_DELETE_VERBS = (
    r"delete|remove|erase|drop|trash|bin|scrap|scratch|cancel|kill|discard|nuke|ditch|get\s+rid\s+of|forget\s+about|"
    r"throw\s+away|throw\s+out|take\s+off|take\s+out"
)

BULK = [
    rule(
        "delete_completed",
        r"^(?:delete|remove|clear|clean\s+up|clean\s+out|erase|purge|get\s+rid\s+of|wipe|trash|drop|archive|nuke)\s+"
        r"(?:out\s+)?(?:all\s+)?(?:of\s+)?(?:the\s+|my\s+)?(?:old\s+)?(?:completed|done|finished|checked(?:\s+off)?|ticked(?:\s+off)?)"
        r"(?:\s+(?:tasks|todos|items|ones|stuff|things|to-dos))?(?:\s+(?:from|on)\s+(?:my|the)\s+list)?$|"
        r"^(?:delete|remove|clear|get\s+rid\s+of)\s+(?:all\s+)?(?:the\s+)?(?:tasks|todos|items|ones)\s+(?:that\s+are|i've|i\s+have|which\s+are)\s+"
        r"(?:already\s+)?(?:done|completed|finished)$|^clear\s+(?:completed|done|finished)$",
        lambda match, reading: Action("bulk_completed"),
    ),
    rule(
        "delete_everything",
        r"^(?:delete|remove|clear|erase|wipe|purge|get\s+rid\s+of|trash|nuke|empty|reset|clean\s+out)\s+(?:out\s+)?"
        r"(?:everything|all|all\s+(?:of\s+)?(?:my|the)\s+(?:tasks|todos|items|to-dos)|all\s+tasks|all\s+todos|every\s+(?:single\s+)?task|"
        r"(?:my|the)\s+(?:whole|entire|complete|full)\s+(?:todo\s+|to-do\s+|task\s+)?list|(?:my|the)\s+(?:todo\s+|to-do\s+|task\s+)?list|"
        r"all\s+(?:of\s+)?(?:them|it)|my\s+tasks|(?:the\s+|my\s+)?(?:whole|entire)\s+thing|(?:the\s+)?slate)"
        r"(?:\s+(?:on|from)\s+(?:my|the)\s+list)?$|"
        r"^(?:start\s+(?:over|fresh|from\s+scratch)|clean\s+slate|wipe\s+(?:it\s+)?(?:all|clean))$",
        lambda match, reading: Action("bulk_all"),
    ),
]

RULES = [
    # "tick both off", "check them all off", "cross the milk off my list"
    rule(
        "tick_off",
        r"^(?:tick|check|cross|strike|mark|knock)\s+(?P<ref>.+?)\s+off(?:\s+(?:my|the)\s+(?:\w+\s+)?list)?(?:\s+(?:now|too|as\s+well))?$",
        _make("complete"),
    ),
    # "mark X as done", "set X to not done"
    rule(
        "mark_as",
        r"^(?:mark|set|flag|tag|move)\s+(?P<ref>.+?)\s+(?:as\s+|to\s+)?(?:being\s+)?(?P<state>" + UNDONE_WORDS + r"|" + DONE_WORDS + r")$",
        _mark_as,
    ),
    rule(
        "complete",
        r"^(?:complete|finish|finished|completed|check\s+off|tick\s+off|tick|cross\s+off|strike\s+off|strike|resolve|"
        r"done(?:\s+with)?|finished\s+with|(?:i'm|im|i\s+am|we're|all)\s+(?:all\s+)?(?:done|finished)\s+with|"
        r"close\s+(?:out\s+)?(?=(?:task|#|\d)))(?![\w-])\s*[:\-]?\s*(?P<ref>.+)$",
        _complete,
    ),
    rule(
        "i_finished",
        r"^(?:i|we)(?:'ve|\s+have)?\s+(?:just\s+|already\s+|finally\s+|now\s+)*(?:finished|completed|done|did|accomplished|wrapped\s+up|knocked\s+out|taken\s+care\s+of|took\s+care\s+of)\s+(?:with\s+)?(?P<ref>.+)$",
        _make("complete"),
    ),
    rule("got_it_done", r"^(?:got|get|have)\s+(?P<ref>.+?)\s+(?:done|finished|sorted|handled)$", _make("complete")),
    rule(
        "is_not_done",
        r"^(?P<ref>.+?)\s+(?:is\s+not|isn't|wasn't|was\s+not|aren't|are\s+not|is\s+still\s+not|isn't\s+actually|is\s+not\s+actually)\s+(?:actually\s+|really\s+)?(?:done|complete|completed|finished)(?:\s+yet)?$",
        _make("reopen"),
    ),
    rule(
        "is_done",
        r"^(?!(?:what|which|who|how|anything|everything|nothing|something)\b)(?P<ref>.+?)(?:\s+(?:is|are|was|were|has\s+been|have\s+been|'s)|'s|'re|’s|’re)\s+(?:all\s+|now\s+|finally\s+|already\s+)*(?:" + DONE_WORDS + r")$",
        _make("complete"),
    ),
    rule(
        "reopen",
        r"^(?:reopen|re-open|unmark|uncheck|untick|uncomplete|un-complete|restore|revive|reactivate|unfinish|un-finish|un-check)\s+(?P<ref>.+)$",
        _make("reopen"),
    ),
    rule(
        "put_back",
        r"^(?:put|bring|move)\s+(?P<ref>.+?)\s+back(?:\s+(?:on|to|onto)\s+(?:my|the)\s+(?:\w+\s+)?list|\s+to\s+(?:pending|open|todo|to\s+do))?$",
        _make("reopen"),
    ),
    rule(
        "did_not_finish",
        r"^(?:i|we)\s+(?:didn't|did\s+not|haven't|have\s+not|never)\s+(?:actually\s+|really\s+|yet\s+)?(?:finish|finished|complete|completed|do|done)\s+(?P<ref>.+?)(?:\s+(?:yet|after\s+all|actually))?$",
        _make("reopen"),
    ),
    rule(
        "did_not_do_it",  # "I didn't call the plumber yet"
        r"^(?:i|we)\s+(?:didn't|did\s+not|haven't|have\s+not|never)\s+(?:actually\s+|really\s+|yet\s+)?(?P<ref>[a-z]+\s+.+?)(?:\s+(?:yet|after\s+all|actually))?$",
        _did_not,
    ),
    rule(
        "delete",
        r"^(?:" + _DELETE_VERBS + r")\s+(?P<ref>.+?)(?:\s+(?:from|off)\s+(?:my|the)\s+(?:\w+\s+)?(?:list|tasks))?$",
        _make("delete"),
    ),
    rule("take_off_the_list", r"^take\s+(?P<ref>.+?)\s+(?:off|out\s+of)\s+(?:my|the)\s+(?:\w+\s+)?list$", _make("delete")),
    rule(
        "no_longer_needed",
        r"^(?P<ref>.+?)\s+(?:is|isn't|is\s+not|was)\s+(?:no\s+longer|not)\s+(?:needed|necessary|relevant|happening)(?:\s+anymore)?$",
        _make("delete"),
    ),
    rule("dont_need", r"^(?:i|we)\s+(?:don't|do\s+not|no\s+longer)\s+need\s+(?:to\s+)?(?P<ref>.+?)(?:\s+anymore)?$", _make("delete")),
    rule("done_after_the_name", r"^(?P<ref>.+?)\s+(?:done|finished|completed|complete)$", _done_after_the_name),  # "buy milk done"
]

# "I called the plumber": reporting a task as done. Tried last: many sentences start with a past tense.
REPORTED_DONE = rule(
    "reported_done",
    r"^(?:(?:i|we)(?:'ve)?\s+)?(?:just\s+|already\s+|finally\s+|have\s+|'ve\s+)?(?P<reported>(?P<verb>(?!(?:wanted|needed|started|tried|forgot|missed|planned|hoped|wondered|liked|loved|hated|decided|noticed|realized|realised|added|created|deleted|removed|renamed|moved|changed|updated|meant|expected|thought|felt|used|asked\s+you)\b)[a-z]{2,}[^e\W]ed|bought|paid|sent|did|made|wrote|got|took|went\s+to|ran|found|gave|met|told|saw|spoke\s+to|sold|built|drove|picked\s+up|brought|caught|fed|hung|swept|read)\s+(?P<rest>.+))$",
    _reported_done,
)
