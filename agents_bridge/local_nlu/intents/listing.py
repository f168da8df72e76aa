"""Questions about the list: what is pending, done, due (today, this week, by friday), overdue,
how many, and searches ("anything about the dentist?"): the row LIST. Questions about one task
("when's the vet appointment?", "is the rent paid?"): the rows of ASK_ABOUT."""

import re
from datetime import date, timedelta

from core import dates
from ..text import STOPWORDS, restore_quotes
from .actions import Action, Clock
from .rules import Reading, rule, rules_for
from .vocabulary import DONE_WORDS, find_priorities

_LIST_START = re.compile(
    r"^(?:list|show|display|view|see|give\s+me|get\s+me|print|read\s+(?:me\s+)?|what|what's|which|any|anything|do\s+i\s+have|"
    r"have\s+i|am\s+i|do\s+i|is\s+my|are\s+my|are\s+there|is\s+there|is\s+anything|are\s+any|is\s+any|how\s+many|how\s+much|count|find|search|look\s+(?:up|for)|tell\s+me|let\s+me\s+see|my|"
    r"where|pending|completed|overdue|all|everything|remaining|upcoming|open|todo|to-do|tasks|agenda|status|did\s+i|can\s+i\s+see|"
    r"can\s+you\s+show|could\s+you\s+show|check|review|summar(?:y|ize|ise)|overview|remind\s+me\s+what)\b"
)
_TASKISH = re.compile(
    r"\b(?:tasks?|todos?|to-?dos?|list|lists|items?|things|stuff|anything|everything|left|pending|due|overdue|late|done|completed|"
    r"finished|finish|complete|urgent|priority|important|agenda|plate|remaining|open|upcoming|coming\s+up|today|tomorrow|this\s+week|schedule|do|"
    r"outstanding|missed|behind|summary|overview|status|progress|ticked|checked|crossed|(?:tick|check|cross)\s+off|accomplish\w*|achieve\w*|"
    r"(?:get|got)\s+(?:done|through|finished))\b"
)


def _due_window(work: str, clock: Clock) -> tuple[date, date, str, tuple[int, int]] | None:
    """A span of due dates named in a list request: (first, last, how to say it, where it was)."""
    today = clock.today
    sunday = today + timedelta(days=6 - today.weekday())
    m = re.search(r"\b(?:(?:for\s+)?the\s+rest\s+of\s+(?:the|this)\s+week|this\s+week|for\s+the\s+week)\b", work)
    if m:
        if today.weekday() >= 5:
            # On a Saturday or Sunday "this week" has a day or two left; asked then, it means the
            # week ahead (as a calendar's "this week" does from Sunday on): today to next Sunday.
            return today, sunday + timedelta(days=7), "in the week ahead", m.span()
        return today, sunday, "this week", m.span()
    m = re.search(r"\bnext\s+week\b", work)
    if m:
        return sunday + timedelta(days=1), sunday + timedelta(days=7), "next week", m.span()
    m = re.search(r"\b(?:this|the)\s+weekend\b", work)
    if m:
        return max(today, sunday - timedelta(days=1)), sunday, "this weekend", m.span()
    for hit in dates.find_dates(work, today, day_first=clock.day_first):
        m = re.match(r"(?:due\s+)?(?P<prep>before|by|until|till|til|no\s+later\s+than)\s", work[hit.start : hit.end])
        if m and hit.value and hit.value > today:
            last = hit.value - timedelta(days=1) if m.group("prep") == "before" else hit.value
            return today, last, f"{m.group('prep')} {dates.short_day(hit.value)}", (hit.start, hit.end)
    return None


def _read_list(match: re.Match[str], reading: Reading) -> Action | None:
    clause, clock, quoted = reading.clause, reading.clock, reading.quoted
    low = clause.low
    if _LIST_START.match(low) and not _TASKISH.search(low) and not re.match(r"^(?:list|show|display|find|search|look|count|how\s+many)\b", low):
        return None  # "what time is it?": a question, but not about the list

    action = Action("list")
    work = low
    if re.search(r"\bhow\s+many\b|\bcount\b|\bnumber\s+of\b|\btotal\b", work):
        action.count_only = True

    # due windows
    window = _due_window(work, clock)
    if re.search(r"\b(?:overdue|late|past\s+due|missed|behind|past\s+(?:their\s+)?deadline|expired)\b", work):
        action.due_filter = "overdue"
    elif window:
        action.due_filter = "upcoming"
        action.due_from, action.due_until, action.window, (start, end) = window
        work = work[:start] + " " + work[end:]
    else:
        hits = [h for h in dates.find_dates(work, clock.today, day_first=clock.day_first) if h.value]
        if hits and hits[0].value == clock.today:
            action.due_filter = "today"
            work = work[: hits[0].start] + " " + work[hits[0].end :]
        elif hits:
            action.due_filter = "upcoming"
            action.day = hits[0].value
            work = work[: hits[0].start] + " " + work[hits[0].end :]
        elif re.search(r"\b(?:upcoming|coming\s+up|soon|next\s+few\s+days|later|future|this\s+week|ahead|due)\b", work):
            action.due_filter = "upcoming"
    pris = find_priorities(work, title_context=False)
    if pris:
        action.priority = pris[0][2]
        work = work[: pris[0][0]] + " " + work[pris[0][1] :]
    elif re.search(r"\b(?:important|urgent|critical)\b", work):
        action.priority = "high"

    # status
    pending_words = re.search(r"\b(?:not\s+(?:yet\s+)?(?:done|completed|finished)|left|remaining|pending|open|to\s+do|outstanding|incomplete|unfinished|still)\b", work)
    done_words = re.search(
        r"\b(?:completed|done|finished|(?:check|checked|tick|ticked|cross|crossed)\s+off|did\s+i\s+(?:do|finish|complete)|accomplish\w*|achieve\w*|"
        r"complete|(?:get|got)\s+through)\b",
        work,
    )
    all_words = re.search(r"\b(?:all|everything|every|including|incl|both|whole|entire|full|in\s+total|total|altogether|overall)\b", work)
    including = re.search(r"\b(?:including|incl|as\s+well|too|and\s+pending|plus)\b", work)
    if action.due_filter == "overdue":
        action.status = "pending"
    elif pending_words and not re.search(r"\bwhat\s+have\s+i\s+done\b", work):
        action.status = "pending"
    elif done_words and not including:
        action.status = "completed"
    elif all_words:
        action.status = "all"
    if action.status == "completed" and action.due_filter in ("upcoming", "today") and not action.day and not re.search(r"\bdue\b", low):
        # "what I finished this week", "what got done today": about completion, not due dates
        action.due_filter = action.due_from = action.due_until = action.window = None

    # search words
    q = None
    m = re.search(
        r"\b(?:about|mentioning|mention|containing|contain|with\s+the\s+words?|with|matching|match|related\s+to|regarding|involving|"
        r"called|named|titled|that\s+(?:mentions?|contains?|includes?|says?)|re)\s+(?P<q>.+)$",
        work,
    )
    if m:
        q = m.group("q")
    else:
        m = re.match(r"^(?:find|search(?:\s+for)?|look\s+(?:up|for))\s+(?P<q>.+)$", work)
        if m:
            q = m.group("q")
    if q:
        q = restore_quotes(q, quoted)
        words = [
            w for w in re.findall(r"[\w'-]+", q.lower())
            if w not in STOPWORDS and not re.fullmatch(
                r"tasks?|todos?|list|mine|me|i|do|have|any|anything|something|pending|completed|done|open|all|everything|high|low|"
                r"medium|priority|due|left|remaining|in|words?|word|containing|s", w)
        ]
        action.search = " ".join(words) or None
    return action


LIST = rule("list", _LIST_START.pattern + r"|^(?:(?:my|all|the)\s+)*(?:tasks|todos|to-dos|todo\s+list|to-do\s+list|list)\b", _read_list)


# ---------------------------------------------------------------- questions about one task
#
# "when's the vet appointment?", "is the rent paid?", "did I call the plumber?": answered from the
# list (its due date, done or not), never a change. Rows of ASK_ABOUT; a question about the list as
# a whole ("did I finish anything?") is left to LIST.

_WHOLE_LIST = re.compile(
    r"\b(?:anything|everything|something|nothing|tasks?|todos?|to-dos?|stuff|things|much|list|agenda|plans?|left|remaining)\b|"
    r"^(?:there|all|any|my\s+next|the\s+next|next)\b|\b(?:today|tonight|this\s+week|so\s+far)$"
)


def _ask(topic: str):
    def build(match: re.Match[str], reading: Reading) -> Action | None:
        text = reading.typed(match, "ref").strip()
        if not text or _WHOLE_LIST.search(text.lower()):
            return None
        refs = reading.refs_in(text)
        return Action("ask_task", refs=refs, topic=topic) if refs else None

    return build


_DONE_STATE = r"(?:" + DONE_WORDS + r"|booked|called|emailed|ordered|posted|submitted|filed|cleaned|written|taken|renewed|returned|collected|picked\s+up|washed|done\s+yet)"

ASK_ABOUT = [
    *rules_for(
        _ask("due"),
        when_is=r"^when(?:'s|\s+is|\s+are|\s+was|\s+were|'re)\s+(?P<ref>.+?)(?:\s+(?:due|scheduled|happening|set\s+for|planned|supposed\s+to\s+happen))?$",
        when_do_i=r"^when\s+(?:do|did|should|must|can|will)\s+(?:i|we)\s+(?:have\s+to\s+|need\s+to\s+|got\s+to\s+|get\s+to\s+)?(?P<ref>.+?)(?:\s+by)?$",
        when_am_i=r"^when\s+(?:am\s+i|are\s+we)\s+(?:supposed|meant|due|scheduled|planning|going)\s+to\s+(?P<ref>.+)$",
        when_does=r"^when\s+(?:does|do|will)\s+(?P<ref>.+?)\s+(?:expire|run\s+out|end|start|happen|close|need\s+to\s+be\s+(?:done|finished|paid|sent)|have\s+to\s+be\s+(?:done|finished|paid|sent))$",
        due_date_of=r"^(?:what(?:'s|\s+is)\s+)?(?:the\s+)?(?:due\s+date|deadline|date)\s+(?:for|of|on)\s+(?P<ref>.+)$",
        is_due=r"^(?:is|are)\s+(?P<ref>.+?)\s+due(?:\s+.+)?$",
    ),
    *rules_for(
        _ask("done"),
        is_it_done=r"^(?:is|are|was|were|has|have)\s+(?P<ref>.+?)\s+(?:been\s+|already\s+|actually\s+)*" + _DONE_STATE + r"(?:\s+(?:yet|already))?$",
        did_i=r"^(?:did|have|has)\s+(?:i|we)\s+(?:already\s+|actually\s+|ever\s+)*(?P<ref>[a-z']+\s+.+?)(?:\s+(?:yet|already))?$",
    ),
]
