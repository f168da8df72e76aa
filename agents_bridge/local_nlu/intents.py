"""From one chat message to a list of actions on the todo list.

The message is cleaned (typos, shorthand), quoted text is set aside as literal data, then it is
split into clauses ("add X and complete Y", "Add X. Then show Z") and each clause is read on its
own. Task references stay as words here; matching them to real tasks is the planner's job, which
does it through the list_tasks tool like an LLM would.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from . import dates as d
from .text import (
    PLACEHOLDER_RE,
    STOPWORDS,
    as_title,
    lower_same_length,
    protect_quotes,
    repair,
    restore_quotes,
    squash,
)


@dataclass
class Ref:
    """How the user pointed at one or more tasks."""

    text: str = ""  # the words, as typed (quotes restored)
    ids: list[int] = field(default_factory=list)
    pronoun: str | None = None  # "one" ("it") or "many" ("them", "both")
    ordinal: int | None = None  # "the first one" -> 0, "the last one" -> -1
    every: bool = False  # "all the milk tasks": every match, not one


@dataclass
class AddItem:
    title: str
    description: str = ""
    due: date | None = None
    priority: str | None = None


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


# ---------------------------------------------------------------- vocabulary

DONE_WORDS = (
    r"done|complete|completed|finished|finish|checked(?:\s+off)?|ticked(?:\s+off)?|resolved|closed|paid|sent|bought|"
    r"handled|sorted|fixed|taken\s+care\s+of|over|crossed\s+off|accomplished"
)
UNDONE_WORDS = (
    r"not\s+(?:yet\s+)?(?:done|complete|completed|finished)|undone|incomplete|uncompleted|unfinished|pending|open|"
    r"to\s*-?\s*do|active|unchecked|not\s+checked(?:\s+off)?"
)
PRIORITY_STATE = (
    r"(?:an?\s+)?(?:(?:high|low|medium|normal|top|highest|lowest)(?:[\s-]*priority)?|urgent|important|critical|"
    r"not\s+(?:urgent|important)|less\s+(?:urgent|important)|(?:a\s+)?(?:top\s+)?priority|low[\s-]*pri|high[\s-]*pri)"
)

_PREFIX = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|so|oh|oops|whoops|um+|uh+|well|also|and|then|now|please|kindly|actually|alright|"
    r"right|great|cool|wait|hmm+|ah|yes|yeah|yep|sorry|btw|and\s+then|after\s+that|next|finally|lastly|first|firstly|"
    r"secondly|thanks|thank\s+you|perfect|awesome|nice|good|plus|oh\s+and|ah\s+and|one\s+more\s+thing|"
    r"on\s+second\s+thought|scratch\s+that)\b[,!.:;]?\s*)+"
)
_POLITE = re.compile(
    r"^(?:(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+|kindly\s+|also\s+|just\s+|maybe\s+)*|"
    r"(?:i'd|i\s+would)\s+like\s+(?:you\s+)?to\s+|i\s+want\s+you\s+to\s+|i\s+need\s+you\s+to\s+|"
    r"(?:go\s+ahead\s+and|help\s+me|just|let's|lets|you\s+can|you\s+could|try\s+to|quickly)\s+|please\s+|kindly\s+)+"
)
_SUFFIX = re.compile(
    r"(?:(?:\s*,\s*|\s+)(?:please|thanks|thank\s+you|thx|for\s+me|right\s+now|now|ok\??|okay\??|if\s+you\s+can|"
    r"if\s+possible|when\s+you\s+can|too|as\s+well|also|actually|instead|after\s+all))+\s*[.!?]*\s*$|\s*[.!?]+\s*$"
)

_CMD_START = (
    r"(?:add|create|complete|mark|delete|remove|rename|move|reschedule|push|postpone|change|set|make|finish|show|list|"
    r"tell\s+me|reopen|uncheck|check\s+off|tick\s+off|get\s+rid\s+of|cancel|prioriti[sz]e|update|what|how\s+many|"
    r"remind\s+me|put|undo|give\s+me|display|find|search|erase|clear|drop|edit)\b"
)
_CLAUSE_SPLIT = re.compile(
    r"\s*(?:,\s*(?:and\s+then\s+|and\s+also\s+|and\s+|then\s+|also\s+|plus\s+)?|\s+(?:and\s+then|and\s+also|and|then|also|plus|"
    r"after\s+that|as\s+well\s+as)\s+)(?=" + _CMD_START + r")"
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+")


# ---------------------------------------------------------------- clause plumbing


@dataclass
class Clause:
    orig: str  # quotes replaced by placeholders, original casing
    low: str  # same text lowercased, same length

    def cut(self, start: int, end: int | None = None) -> "Clause":
        end = len(self.orig) if end is None else end
        return Clause(self.orig[start:end], self.low[start:end])

    def strip(self) -> "Clause":
        lead = len(self.orig) - len(self.orig.lstrip())
        trail = len(self.orig.rstrip())
        return self.cut(lead, trail)


def _clean_edges(clause: Clause) -> Clause:
    clause = clause.strip()
    for _ in range(3):
        changed = False
        for pattern in (_PREFIX, _POLITE):
            m = pattern.match(clause.low)
            if m and m.end() > 0:
                clause = clause.cut(m.end()).strip()
                changed = True
        m = _SUFFIX.search(clause.low)
        if m and m.start() > 0:
            clause = clause.cut(0, m.start()).strip()
            changed = True
        if not changed:
            break
    return clause


def split_clauses(text: str) -> list[Clause]:
    low = lower_same_length(text)
    clauses: list[Clause] = []
    pos = 0
    for m in list(_SENTENCE_SPLIT.finditer(low)) + [None]:
        end = m.start() if m else len(low)
        sentence = Clause(text[pos:end], low[pos:end])
        if m:
            pos = m.end()
        sub_pos = 0
        for sm in list(_CLAUSE_SPLIT.finditer(sentence.low)) + [None]:
            sub_end = sm.start() if sm else len(sentence.low)
            part = _clean_edges(sentence.cut(sub_pos, sub_end))
            if part.orig:
                clauses.append(part)
            if sm:
                sub_pos = sm.end()
    return clauses


# ---------------------------------------------------------------- priorities


_LOW_PRI = re.compile(
    r"\blow[\s-]*(?:priority|pri)\b|\bpriority\s*[:=]?\s*low\b|\b(?:it'?s\s+|its\s+|it\s+is\s+|is\s+|that'?s\s+)?not\s+(?:urgent|important|a\s+priority|a\s+big\s+deal|pressing)\b|"
    r"\bno\s+rush\b|\bno\s+hurry\b|\bwhenever(?:\s+(?:i|you)\s+(?:can|get\s+(?:a\s+)?(?:chance|time)|have\s+time))?\b|\bsome\s?day\b|"
    r"\beventually\b|\bwhen\s+i\s+(?:get\s+(?:a\s+)?(?:chance|time)|have\s+(?:the\s+)?time|can)\b|\blow-?key\b|\bp3\b|\blowest\s+priority\b"
)
_MED_PRI = re.compile(
    r"\b(?:medium|normal|mid|regular|average|default)[\s-]*(?:priority|pri)\b|\bpriority\s*[:=]?\s*(?:medium|normal)\b|\bp2\b"
)
_HIGH_PRI_SAFE = re.compile(
    r"\b(?:high|top|highest|max(?:imum)?)[\s-]*(?:priority|pri)\b|\bpriority\s*[:=]?\s*high\b|\bp1\b|\bas\s+soon\s+as\s+possible\b|\basap\b|\burgently\b"
)
_HIGH_PRI_WORD = re.compile(r"\b(?:very\s+|super\s+|really\s+|extremely\s+)?(?:urgent|important|critical|crucial)\b(?:!+)?")
_PRI_LEAD = re.compile(r"(?:,\s*|\s+-\s+|\(\s*|\s+)?(?:(?:it'?s|its|it\s+is|this\s+is|that'?s|which\s+is|is|make\s+it|mark\s+it|as|set\s+as|with|at)\s+)*$")


def find_priorities(low: str, *, title_context: bool) -> list[tuple[int, int, str]]:
    """Priority phrases as (start, end, level). In a title, a bare "important" in the middle
    ("review important documents") is part of the title, not a priority."""
    found: list[tuple[int, int, str]] = []
    taken = [False] * (len(low) + 1)

    def add(start: int, end: int, level: str) -> None:
        if any(taken[start:end]):
            return
        lead = _PRI_LEAD.search(low[:start])
        if lead and lead.start() < start:
            start = lead.start()
        for i in range(start, end):
            taken[i] = True
        found.append((start, end, level))

    for m in _LOW_PRI.finditer(low):
        add(m.start(), m.end(), "low")
    for m in _MED_PRI.finditer(low):
        add(m.start(), m.end(), "medium")
    for m in _HIGH_PRI_SAFE.finditer(low):
        add(m.start(), m.end(), "high")
    for m in _HIGH_PRI_WORD.finditer(low):
        if title_context:
            before = low[: m.start()].rstrip()
            after = low[m.end() :].lstrip()
            at_start = not before or before.endswith((":", ",", "-", "(", "⟧"))
            at_end = not re.sub(r"[\s.!?)⟪⟫pd0-9,]+", "", after) or after.startswith((":", ",", "!", ")", "-"))
            lead_word = re.search(r"(?:it'?s|its|it\s+is|this\s+is|that'?s|which\s+is|very|super|really|as|is)$", before)
            follows_task = re.match(r"(?:task|todo|item|one)\b", after)
            if not (at_start or at_end or lead_word or follows_task):
                continue
        add(m.start(), m.end(), "high")
    return sorted(found)


def priority_word(phrase: str) -> str | None:
    """The priority named by a short phrase like "urgent", "low priority", "not important"."""
    low = phrase.lower().strip()
    hits = find_priorities(low, title_context=False)
    if hits:
        return hits[0][2]
    if re.fullmatch(r"(?:an?\s+)?(?:top\s+)?priority|high|top|highest", low):
        return "high"
    if re.fullmatch(r"low|lowest|less\s+(?:urgent|important)", low):
        return "low"
    if re.fullmatch(r"medium|normal|mid|regular", low):
        return "medium"
    return None


# ---------------------------------------------------------------- adding


_ADD_LEAD = re.compile(
    r"^(?:(?:a|an|another|one\s+more|new|the|some|couple\s+of|few|\d+|two|three|four|five)\s+)*"
    r"(?:(?:new|more)\s+)?(?:(?P<pri>high|low|medium|urgent|important|top)(?:[\s-]+priority)?\s+)?"
    r"(?:task|todo|to-do|to\s+do|item|reminder|entry|note|thing)s?\b\s*(?:(?:called|named|titled|saying|that\s+says|for|to|about|:|-)\s*)?"
)
_LIST_FILLER = re.compile(
    r"\s*\b(?:to|on|onto|in|into)\s+(?:my|the|our)\s+(?:\w+\s+)?(?:list|tasks|todos|to-dos|agenda)\b|\s*\bfor\s+me\b|"
    r"\s*\b(?:to|on)\s+(?:the\s+)?list\b"
)
_DESC_MARKERS = [
    re.compile(r"\s+(?:with|and)\s+(?:a\s+|the\s+)?(?:note|notes|description|details|desc|comment)s?\s*(?::|saying|that\s+says|of|-)?\s*"),
    re.compile(r"\s*[;:]\s*(?:note|notes|description|details|desc)s?\s*[:\-]\s*"),
    re.compile(r"\s+(?:description|notes?|details)\s*:\s*"),
    re.compile(r"\s*:\s+|\s+[-–—]\s+"),
]
_ITEM_SPLIT_KEEP = re.compile(r"(\s*(?:,\s*(?:and\s+|&\s+|plus\s+)?|;\s*|\s+&\s+|\s+and\s+|\s+plus\s+))")
_TRAILING_JUNK = re.compile(
    r"(?:\s+(?:by|on|for|due|at|until|till|before|to|it'?s|its|it\s+is|which\s+is|that\s+is|is|as|with|priority|and|please|from))+\s*$"
)
_LEADING_JUNK = re.compile(r"^(?:(?:to|that\s+i\s+(?:need|have)\s+to|that|about|of|i\s+(?:need|have)\s+to)\s+)+")
_TODO_VERBS = frozenset(
    """buy call email mail text phone ring pay book schedule clean fix send write read finish prepare make get pick drop
    take bring return renew cancel submit file check review plan organize organise wash water feed walk cook bake order
    visit meet ask tell reply respond print sign update install backup back clear sort tidy vacuum mop iron fold pack
    unpack move repair paint replace change charge register apply practice practise study learn research draft edit
    finalize finalise post ship deliver collect grab fetch donate sell list invite thank congratulate confirm follow
    arrange set hang mow rake shovel recycle take throw vacuum dust defrost empty refill fill top service inspect
    test call ring contact message dm ping remind email run go do see watch listen start stop""".split()
)


def _is_item(text: str) -> bool:
    words = [w for w in re.findall(r"[a-z0-9⟦⟧']+", text.lower()) if w]
    return len(words) >= 2 or (bool(words) and words[0] in _TODO_VERBS) or bool(PLACEHOLDER_RE.search(text))


def parse_add(content: Clause, clock: Clock, quoted: list[str]) -> list[AddItem]:
    """The tasks named in the body of an "add" clause (several when listed with commas/and)."""
    pri_from_lead = None
    content = content.strip()
    lead = _ADD_LEAD.match(content.low)
    if lead and lead.end() > 0 and (lead.group(0).strip().endswith((":", "-")) or re.search(r"(?:task|todo|to-do|item|reminder|entry|note|thing)s?\b", lead.group(0))):
        if lead.group("pri"):
            pri_from_lead = priority_word(lead.group("pri"))
        content = content.cut(lead.end()).strip()
    content = content.cut(re.match(r"^[:\-\s]*", content.low).end())
    # Where the words "to my list" were, nothing remains.
    low, orig = content.low, content.orig
    for m in reversed(list(_LIST_FILLER.finditer(low))):
        low, orig = low[: m.start()] + low[m.end() :], orig[: m.start()] + orig[m.end() :]
    content = Clause(orig, low)

    description = ""
    for marker in _DESC_MARKERS:
        m = marker.search(content.low)
        if m and m.start() > 0 and re.search(r"\w", content.low[: m.start()]):
            head = content.low[: m.start()].strip()
            # "urgent: fix the server" or "low priority task: x" is a label, not a title.
            if priority_word(head) or re.fullmatch(r"(?:new\s+)?(?:task|todo|reminder|note)s?", head):
                continue
            description = restore_quotes(content.orig[m.end() :], quoted).strip()
            content = content.cut(0, m.start())
            break

    # Mark dates and priorities first so list splitting never cuts through "jan 15, 2027".
    hits = d.find_dates(content.low, clock.today, day_first=clock.day_first)
    pri_hits = find_priorities(content.low, title_context=True)
    spans: list[tuple[int, int, str]] = []
    for i, hit in enumerate(hits):
        spans.append((hit.start, hit.end, f" ⟪d{i}⟫ "))
    for i, (start, end, _) in enumerate(pri_hits):
        if not any(s < end and start < e for s, e, _ in spans):
            spans.append((start, end, f" ⟪p{i}⟫ "))
    for start, end in d.find_times(content.low):
        if not any(s < end and start < e for s, e, _ in spans):
            spans.append((start, end, " "))
    orig = content.orig
    for start, end, mark in sorted(spans, reverse=True):
        orig = orig[:start] + mark + orig[end:]

    pieces = _ITEM_SPLIT_KEEP.split(orig)
    parts, seps = pieces[0::2], [""] + pieces[1::2]
    items: list[AddItem] = []
    pending_marks: list[str] = []
    for index, part in enumerate(parts):
        marks = re.findall(r"⟪([dp]\d+)⟫", part)
        text = squash(re.sub(r"⟪[dp]\d+⟫", " ", part))
        text = _TRAILING_JUNK.sub("", text)
        lead_junk = _LEADING_JUNK.match(text.lower())
        if lead_junk:
            text = text[lead_junk.end() :]
        text = text.strip(" ,.;:!?-()")
        due = None
        priority = None
        for mark in pending_marks + marks:
            if mark[0] == "d":
                hit = hits[int(mark[1:])]
                due = hit.value or due
            else:
                priority = pri_hits[int(mark[1:])][2]
        pending_marks = []
        if not text or re.fullmatch(r"(?:it|this|that|one|please|thanks)", text.lower()):
            # "..., it's urgent" or ", tomorrow": the modifiers belong to the item before.
            if items:
                items[-1].due = due or items[-1].due
                items[-1].priority = priority or items[-1].priority
            else:
                pending_marks = marks
            continue
        if items and not _is_item(text) and not PLACEHOLDER_RE.search(text) and len(parts) == 2 and "and" in seps[index]:
            # "buy milk and eggs": a lone noun after "and" continues the previous title.
            prev = items[-1]
            prev.title = f"{prev.title} and {text}"
            prev.due = due or prev.due
            prev.priority = priority or prev.priority
            continue
        items.append(AddItem(title=as_title(restore_quotes(text, quoted)), due=due, priority=priority))
    if items:
        items[-1].description = description
        if pri_from_lead:
            for item in items:
                item.priority = item.priority or pri_from_lead
    return [i for i in items if i.title]


# ---------------------------------------------------------------- references


_ID_RE = re.compile(r"(?:#\s*|\b(?:task|item|number|no\.?|id|todo)\s*#?\s*)(\d+)\b")
_SINGLE_PRONOUNS = re.compile(
    r"(?:it|that|this|that\s+one|this\s+one|that\s+task|this\s+task|the\s+task|the\s+one|the\s+same\s+one|"
    r"that\s+last\s+one|the\s+last\s+task|the\s+new\s+one|the\s+one\s+i\s+just\s+added|the\s+one\s+you\s+just\s+added)"
)
_MANY_PRONOUNS = re.compile(
    r"(?:them|those|these|both|all\s+of\s+them|them\s+all|both\s+of\s+them|them\s+both|all\s+(?:the\s+)?(?:two|three|four|five)|"
    r"the\s+(?:two|three|four|five)(?:\s+(?:of\s+them|tasks|ones))?|those\s+(?:tasks|ones|two|three)|these\s+(?:tasks|ones|two|three)|"
    r"each\s+of\s+them|all\s+(?:of\s+)?(?:those|these)(?:\s+tasks)?|all\s+those|all\s+these|the\s+tasks|all|every\s+one\s+of\s+them|"
    r"everything(?:\s+on\s+(?:my|the)\s+list)?|all\s+(?:of\s+)?(?:my|the)\s+(?:tasks|todos)|all\s+tasks|every\s+(?:single\s+)?task)"
)
_ORDINALS = {
    "first": 0, "1st": 0, "top": 0, "former": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
    "fifth": 4, "5th": 4, "last": -1, "latter": -1, "bottom": -1, "final": -1,
}
_ORDINAL_RE = re.compile(
    r"(?:the\s+)?(?P<o>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|latter|former|top|bottom|final)"
    r"(?:\s+(?:one|task|item|of\s+them))?"
)
_REF_LEAD = re.compile(
    r"^(?:(?:the|my|a|that|this|your|our)\s+)*(?:(?:task|todo|to-do|item|one|reminder)s?\s+(?:called|named|titled|about|for|with|to|that\s+says|saying)\s+|"
    r"(?:one|task)\s+(?:about|for|with|called)\s+)?"
)
_REF_TAIL = re.compile(r"(?:\s+(?:task|todo|to-do|item|one|reminder|thing)s?)+$|\s+(?:on|from|off)\s+(?:my|the)\s+(?:\w+\s+)?list$|\s+(?:as\s+well|too|also|again)$")


def make_refs(text: str, quoted: list[str]) -> list[Ref]:
    """One or more task references from a phrase ("#3", "it", "buy milk and call mom")."""
    text = text.strip(" ,.!?:;")
    low = text.lower()
    if not low:
        return []
    ids = [int(x) for x in _ID_RE.findall(low)]
    bare = re.fullmatch(r"(?:(?:task|number|no\.?|#)\s*)?(\d+)(?:\s*(?:,|and|&)\s*#?\s*(\d+))*", low)
    if bare:
        ids = [int(x) for x in re.findall(r"\d+", low)]
    if ids and not re.sub(r"[#\d\s,&]|\band\b|\b(?:task|tasks|item|number|no|id)\b|\bthe\b", "", low).strip(" .s"):
        return [Ref(text=text, ids=ids)]
    if _SINGLE_PRONOUNS.fullmatch(low):
        return [Ref(text=text, pronoun="one")]
    if _MANY_PRONOUNS.fullmatch(low):
        return [Ref(text=text, pronoun="many")]
    m = _ORDINAL_RE.fullmatch(low)
    if m:
        return [Ref(text=text, ordinal=_ORDINALS[m.group("o")])]
    every = False
    em = re.match(r"^(?:all|every|each)\s+(?:of\s+)?(?:the\s+|my\s+)?", low)
    if em and re.search(r"\b(?:tasks|todos|ones|items)\b", low):
        every = True
        text, low = text[em.end() :], low[em.end() :]
    refs: list[Ref] = []
    for piece in re.split(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s+&\s+|\s+as\s+well\s+as\s+|\s+plus\s+)\s*", text):
        piece_low = piece.lower()
        if ids and _ID_RE.fullmatch(piece_low.strip()):
            refs.append(Ref(text=piece, ids=[int(x) for x in _ID_RE.findall(piece_low)]))
            continue
        lead = _REF_LEAD.match(piece_low)
        if lead:
            piece = piece[lead.end() :]
        piece = _REF_TAIL.sub("", piece)
        piece = restore_quotes(piece, quoted).strip(" ,.!?:;'\"")
        words = [w for w in re.findall(r"[a-z0-9']+", piece.lower()) if w not in STOPWORDS]
        if not words:
            if refs:
                continue
            if re.fullmatch(r"(?:it|that|this)", piece.lower()):
                refs.append(Ref(text=piece, pronoun="one"))
            continue
        if refs and len(words) == 1 and not refs[-1].ids and words[0] not in _TODO_VERBS and len(refs[-1].text.split()) > 1:
            # "call mom and dad": a lone word after "and" most likely belongs to the same title.
            refs[-1].text = f"{refs[-1].text} and {piece}"
            continue
        refs.append(Ref(text=piece, every=every))
    return refs


# ---------------------------------------------------------------- clause reading


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _m(pattern: str, text: str) -> re.Match[str] | None:
    # Our own cache: the patterns are many and long, and must not be evicted from re's small one.
    return _compiled(pattern).match(text)


def _grab(clause: Clause, m: re.Match[str], group: str) -> str:
    return clause.orig[m.start(group) : m.end(group)]


_HELP = re.compile(
    r"^(?:help(?:\s+me)?|\?+|what\s+can\s+(?:you|u)\s+(?:do|help\s+with)|what\s+do\s+you\s+do|how\s+does\s+(?:this|it)\s+work|"
    r"how\s+do\s+i\s+use\s+(?:this|you|it)|commands|what\s+are\s+(?:the|your)\s+commands|what\s+can\s+i\s+(?:say|ask|do)|"
    r"how\s+do\s+you\s+work|instructions|menu|options|what\s+are\s+you\s+able\s+to\s+do|usage|examples?)$"
)
_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|sup|hey\s+there|hello\s+there|hi\s+there|good\s+(?:morning|afternoon|evening|day)|"
    r"greetings|morning|evening|hola|bonjour|salut)(?:\s+(?:there|buddy|friend|assistant|bot))?$"
)
_THANKS = re.compile(
    r"^(?:thanks?(?:\s+(?:a\s+lot|so\s+much|again|mate|buddy))?|thank\s+(?:you|u)(?:\s+(?:so|very)\s+much|\s+again)?|"
    r"cheers|ta|much\s+appreciated|appreciate\s+it|great|perfect|awesome|nice|cool|ok|okay|k|kk|got\s+it|alright|good|"
    r"sounds\s+good|lol|haha+|great\s+thanks|wonderful|excellent|brilliant|fine|sure|noted|neat|amazing|love\s+it)$"
)
_YES = re.compile(
    r"^(?:y|yes|yeah|yep|yup|ya|yea|sure|ok|okay|confirm|confirmed|do\s+it|go\s+ahead|go\s+for\s+it|please\s+do|"
    r"absolutely|definitely|of\s+course|correct|right|affirmative|proceed|i'm\s+sure|im\s+sure|i\s+am\s+sure|"
    r"yes\s+please|yes\s+do\s+it|yes,?\s+delete\s+(?:them|it|everything|all)|sure\s+thing|why\s+not|"
    r"that's\s+right|sounds\s+good|fine|let's\s+do\s+it|yes\s+i'm\s+sure|yes\s+i\s+am\s+sure)$"
)
_NO = re.compile(
    r"^(?:n|no|nope|nah|no\s+thanks|no\s+thank\s+you|cancel|don't|do\s+not|dont|stop|never\s*mind|nevermind|forget\s+it|"
    r"keep\s+(?:them|it|everything)|not\s+now|no\s+way|abort|wait|hold\s+on|negative|leave\s+(?:it|them)|neither|"
    r"none|none\s+of\s+them|no\s+don't|no,?\s+keep\s+(?:them|it)|changed\s+my\s+mind|not\s+really)$"
)


def classify_small_talk(low: str) -> str | None:
    if re.fullmatch(r"\s*\?+\s*", low):
        return "help"
    low = re.sub(r"[\s!.,?]+$", "", low.strip())
    if _HELP.match(low):
        return "help"
    if not low:
        return "empty"
    if _GREETING.match(low):
        return "greet"
    if _THANKS.match(low):
        return "thanks"
    if re.match(r"^how\s+(?:are|r)\s+(?:you|u)|^how's\s+it\s+going|^how\s+is\s+it\s+going|^what'?s\s+up$", low):
        return "how_are_you"
    if re.match(r"^(?:who|what)\s+(?:are|r)\s+(?:you|u)\b|^are\s+you\s+(?:a\s+)?(?:bot|human|real|ai)", low):
        return "who"
    return None


_YES_LEAD = re.compile(
    r"^(?:y|yes|yeah|yep|yup|ya|yea|sure|ok|okay|confirm|confirmed|absolutely|definitely|of\s+course|correct|go\s+ahead)\b"
    r"(?:\s+(?:please|do\s+it|go\s+ahead|delete\s+(?:them|it|everything|all)(?:\s+of\s+them)?|i'm\s+sure|im\s+sure|i\s+am\s+sure|"
    r"confirm|confirmed|thanks|thank\s+you|sure|of\s+course|go\s+for\s+it|that's\s+right|absolutely|do\s+that|yes|proceed))*$"
)


def is_yes(low: str) -> bool:
    low = re.sub(r"\s+", " ", re.sub(r"[!.,;:]+", " ", low)).strip()
    return bool(_YES.match(low) or _YES_LEAD.match(low))


def is_no(low: str) -> bool:
    low = re.sub(r"\s+", " ", re.sub(r"[!.,;:]+", " ", low)).strip()
    if _NO.match(low) or re.fullmatch(r"(?:please\s+)?(?:don't|do\s+not)(?:\s+(?:do\s+(?:it|that)|delete\s+(?:them|it|anything|everything)))?", low):
        return True
    # "no, keep them for now": a refusal, as long as no new request follows it.
    return bool(re.match(r"^(?:no|nope|nah)\b", low)) and len(low.split()) <= 6 and not re.search(
        r"\b(?:add|create|delete|remove|complete|mark|show|list|rename|move|undo|back)\b", low
    )


_BULK_COMPLETED = re.compile(
    r"^(?:delete|remove|clear|clean\s+up|clean\s+out|erase|purge|get\s+rid\s+of|wipe|trash|drop|archive|nuke)\s+"
    r"(?:out\s+)?(?:all\s+)?(?:of\s+)?(?:the\s+|my\s+)?(?:old\s+)?(?:completed|done|finished|checked(?:\s+off)?|ticked(?:\s+off)?)"
    r"(?:\s+(?:tasks|todos|items|ones|stuff|things|to-dos))?(?:\s+(?:from|on)\s+(?:my|the)\s+list)?$|"
    r"^(?:delete|remove|clear|get\s+rid\s+of)\s+(?:all\s+)?(?:the\s+)?(?:tasks|todos|items|ones)\s+(?:that\s+are|i've|i\s+have|which\s+are)\s+"
    r"(?:already\s+)?(?:done|completed|finished)$|^clear\s+(?:completed|done|finished)$"
)
_BULK_ALL = re.compile(
    r"^(?:delete|remove|clear|erase|wipe|purge|get\s+rid\s+of|trash|nuke|empty|reset|clean\s+out)\s+(?:out\s+)?"
    r"(?:everything|all|all\s+(?:of\s+)?(?:my|the)\s+(?:tasks|todos|items|to-dos)|all\s+tasks|all\s+todos|every\s+(?:single\s+)?task|"
    r"(?:my|the)\s+(?:whole|entire|complete|full)\s+(?:todo\s+|to-do\s+|task\s+)?list|(?:my|the)\s+(?:todo\s+|to-do\s+|task\s+)?list|"
    r"all\s+(?:of\s+)?(?:them|it)|my\s+tasks|(?:the\s+|my\s+)?(?:whole|entire)\s+thing|(?:the\s+)?slate)"
    r"(?:\s+(?:on|from)\s+(?:my|the)\s+list)?$|"
    r"^(?:start\s+(?:over|fresh|from\s+scratch)|clean\s+slate|wipe\s+(?:it\s+)?(?:all|clean))$"
)


# "undo that", "take that back", "no, put it back": the last turn that changed tasks, whole.
_UNDO = re.compile(
    r"^(?:please\s+)?(?:undo|revert|reverse|take\s+(?:that|it|this|them)\s+back|(?:put|bring)\s+(?:it|that|them|those|everything|it\s+all)\s+back)"
    r"(?:\s+(?:that|it|the\s+last\s+(?:one|thing|change|turn)|this|please|again))?$"
)


def read_clause(clause: Clause, clock: Clock, quoted: list[str]) -> Action | None:
    """One clause to one action, or None when it is not a request we recognise."""
    low = clause.low
    if not low:
        return None

    if _UNDO.match(low):  # before "put it back" can read as reopening a task
        return Action("undo")
    if _BULK_COMPLETED.match(low):
        return Action("bulk_completed")
    if _BULK_ALL.match(low):
        return Action("bulk_all")

    # --- adding
    m = _m(
        r"^(?:(?:make|create|set(?:\s+up)?|open|start|put\s+in)\s+(?=(?:a|an|another|one\s+more|new)\s+(?:new\s+)?(?:task|todo|to-do|reminder|entry|item|note)s?\b)|"
        r"(?:add|create|insert|jot(?:\s+down)?|write\s+down|note\s+down|log|capture|new)\b(?!\s+(?:a\s+)?(?:note|description|details|comment)s?\s+(?:to|on|for)\b)|"
        r"(?:new\s+)?(?:task|todo|to-do|to\s+do|reminder|note\s+to\s+self)\s*[:\-]|"
        r"(?:remind\s+me|set\s+(?:a\s+|me\s+a\s+)?reminder)(?:\s+(?:to|about|that\s+i\s+(?:need|have)\s+to|of|that))?\b|"
        r"(?:remember|don't\s+(?:let\s+me\s+)?forget|do\s+not\s+(?:let\s+me\s+)?forget|dont\s+(?:let\s+me\s+)?forget)(?:\s+(?:to|about|that\s+i\s+(?:need|have)\s+to))?\b|"
        r"put\s+(?!.*\bback\b)(?=.*\b(?:list|todos?|tasks|agenda)\b)|put\s+down|stick\s+(?:in|on)|pencil\s+in|"
        r"(?=(?:urgent|important|high\s+priority|low\s+priority|asap|critical)\s*[:\-]\s*\w))",
        low,
    )
    if m:
        content = clause.cut(m.end())
        items = parse_add(content, clock, quoted)
        return Action("add", items=items) if items else Action("unclear_add")

    action = _read_update(clause, clock, quoted)
    if action:
        return action

    # "I need to ..." is either a command in disguise or a new task.
    m = _m(
        r"^(?:(?:i|we)(?:'ve)?\s+)?(?:really\s+)?(?P<verb>need|have|got|gotta|must|should|ought|want)\s+(?P<to>to\s+)?(?=\w)",
        low,
    )
    if m and m.group("verb") == "got" and not m.group("to"):
        # A bare "got" is past tense, "I got the stamps": a task reported done (below), unless it
        # names a day, "I got a dentist appointment tomorrow", which is something to come.
        items = parse_add(clause.cut(m.end()), clock, quoted)
        if not any(item.due for item in items):
            m = None
    if m:
        rest = clause.cut(m.end())
        inner = read_clause(rest, clock, quoted)
        if inner and inner.kind not in ("unknown", "add_bare", "complete_past"):
            return inner
        items = parse_add(rest, clock, quoted)
        return Action("add", items=items) if items else None

    action = _read_state_change(clause, clock, quoted)
    if action:
        return action

    action = _read_list(clause, clock, quoted)
    if action:
        return action

    # A bare imperative that reads like a todo ("buy flowers for anna tomorrow").
    first = re.match(r"^([a-z]+)", low)
    if first and first.group(1) in _TODO_VERBS and len(low.split()) >= 2 and not re.match(r"^[a-z]+\s+(?:me|us)\b", low):
        items = parse_add(clause, clock, quoted)
        if items:
            return Action("add_bare", items=items)

    # "I called the plumber": reporting a task as done.
    m = _m(
        r"^(?:(?:i|we)(?:'ve)?\s+)?(?:just\s+|already\s+|finally\s+|have\s+|'ve\s+)?(?P<verb>(?!(?:wanted|needed|started|tried|forgot|missed|planned|hoped|wondered|liked|loved|hated|decided|noticed|realized|realised|added|created|deleted|removed|renamed|moved|changed|updated|meant|expected|thought|felt|used|asked\s+you)\b)[a-z]{2,}[^e\W]ed|bought|paid|sent|did|made|wrote|got|took|went\s+to|ran|found|gave|met|told|saw|spoke\s+to|sold|built|drove|picked\s+up|brought|caught|fed|hung|swept|read)\s+(?P<rest>.+)$",
        low,
    )
    if m:
        refs = make_refs(clause.orig[m.start("verb") :], quoted)
        return Action("complete_past", refs=refs) if refs else None
    return None


def _read_state_change(clause: Clause, clock: Clock, quoted: list[str]) -> Action | None:
    low = clause.low

    def refs_of(m: re.Match[str], group: str = "ref") -> list[Ref]:
        return make_refs(_grab(clause, m, group), quoted)

    # mark X as done / not done / urgent ...
    m = _m(
        r"^(?:mark|set|flag|tag|move)\s+(?P<ref>.+?)\s+(?:as\s+|to\s+)?(?:being\s+)?(?P<state>" + UNDONE_WORDS + r"|" + DONE_WORDS + r")$",
        low,
    )
    if m:
        state = m.group("state")
        kind = "reopen" if re.fullmatch(UNDONE_WORDS, state) else "complete"
        return Action(kind, refs=refs_of(m))

    m = _m(
        r"^(?:complete|finish|finished|completed|check\s+off|tick\s+off|tick|cross\s+off|strike\s+off|strike|resolve|"
        r"done(?:\s+with)?|finished\s+with|completed|(?:i'm|im|i\s+am|we're|all)\s+(?:all\s+)?(?:done|finished)\s+with|"
        r"close\s+(?:out\s+)?(?=(?:task|#|\d)))(?![\w-])\s*[:\-]?\s*(?P<ref>.+)$",
        low,
    )
    if m:
        if re.match(r"^(?:complete|finish)\b", low) and d.find_dates(low, clock.today, day_first=clock.day_first):
            return None  # "finish the report by friday" is a new task, not a done one
        return Action("complete", refs=refs_of(m))
    m = _m(
        r"^(?:i|we)(?:'ve|\s+have)?\s+(?:just\s+|already\s+|finally\s+|now\s+)*(?:finished|completed|done|did|accomplished|wrapped\s+up|knocked\s+out|taken\s+care\s+of|took\s+care\s+of)\s+(?:with\s+)?(?P<ref>.+)$",
        low,
    )
    if m:
        return Action("complete", refs=refs_of(m))
    m = _m(r"^(?:got|get|have)\s+(?P<ref>.+?)\s+(?:done|finished|sorted|handled)$", low)
    if m:
        return Action("complete", refs=refs_of(m))
    m = _m(
        r"^(?P<ref>.+?)\s+(?:is\s+not|isn't|wasn't|was\s+not|aren't|are\s+not|is\s+still\s+not|isn't\s+actually|is\s+not\s+actually)\s+(?:actually\s+|really\s+)?(?:done|complete|completed|finished)(?:\s+yet)?$",
        low,
    )
    if m:
        return Action("reopen", refs=refs_of(m))
    m = _m(
        r"^(?P<ref>.+?)\s+(?:is|are|was|were|has\s+been|have\s+been|'s)\s+(?:all\s+|now\s+|finally\s+|already\s+)*(?:" + DONE_WORDS + r")$",
        low,
    )
    if m:
        return Action("complete", refs=refs_of(m))

    # reopening
    m = _m(
        r"^(?:reopen|re-open|unmark|uncheck|untick|uncomplete|un-complete|restore|revive|reactivate|unfinish|un-finish|un-check)\s+(?P<ref>.+)$",
        low,
    )
    if m:
        return Action("reopen", refs=refs_of(m))
    m = _m(r"^(?:put|bring|move)\s+(?P<ref>.+?)\s+back(?:\s+(?:on|to|onto)\s+(?:my|the)\s+(?:\w+\s+)?list|\s+to\s+(?:pending|open|todo|to\s+do))?$", low)
    if m:
        return Action("reopen", refs=refs_of(m))
    m = _m(
        r"^(?:i|we)\s+(?:didn't|did\s+not|haven't|have\s+not|never)\s+(?:actually\s+|really\s+|yet\s+)?(?:finish|finished|complete|completed|do|done)\s+(?P<ref>.+?)(?:\s+(?:yet|after\s+all|actually))?$",
        low,
    )
    if m:
        return Action("reopen", refs=refs_of(m))
    m = _m(
        r"^(?:i|we)\s+(?:didn't|did\s+not|haven't|have\s+not|never)\s+(?:actually\s+|really\s+|yet\s+)?(?P<ref>[a-z]+\s+.+?)(?:\s+(?:yet|after\s+all|actually))?$",
        low,
    )
    if m and not re.match(r"(?:need|want|mean|know|get|understand|say|ask)\b", m.group("ref")):
        return Action("reopen", refs=refs_of(m))

    # deleting
    m = _m(
        r"^(?:delete|remove|erase|drop|trash|bin|scrap|scratch|cancel|kill|discard|nuke|ditch|get\s+rid\s+of|forget\s+about|"
        r"throw\s+away|throw\s+out|take\s+off|take\s+out)\s+(?P<ref>.+?)(?:\s+(?:from|off)\s+(?:my|the)\s+(?:\w+\s+)?(?:list|tasks))?$",
        low,
    )
    if m:
        return Action("delete", refs=refs_of(m))
    m = _m(r"^take\s+(?P<ref>.+?)\s+(?:off|out\s+of)\s+(?:my|the)\s+(?:\w+\s+)?list$", low)
    if m:
        return Action("delete", refs=refs_of(m))
    m = _m(
        r"^(?P<ref>.+?)\s+(?:is|isn't|is\s+not|was)\s+(?:no\s+longer|not)\s+(?:needed|necessary|relevant|happening)(?:\s+anymore)?$|"
        r"^(?:i|we)\s+(?:don't|do\s+not|no\s+longer)\s+need\s+(?:to\s+)?(?P<ref2>.+?)(?:\s+anymore)?$",
        low,
    )
    if m:
        group = "ref" if m.group("ref") else "ref2"
        return Action("delete", refs=refs_of(m, group))

    # "buy milk done"
    m = _m(r"^(?P<ref>.+?)\s+(?:done|finished|completed|complete)$", low)
    if m and not re.match(r"^(?:what|which|show|list|how|have|did|any)\b", low):
        return Action("complete", refs=refs_of(m))
    return None


def _date_at_end(clause: Clause, clock: Clock) -> tuple[d.DateHit, str] | None:
    """The last date phrase when it ends the clause, with the text before it."""
    hits = d.find_dates(clause.low, clock.today, day_first=clock.day_first)
    if not hits:
        return None
    hit = hits[-1]
    if clause.low[hit.end :].strip(" .!?,") and not re.fullmatch(r"\s*(?:instead|please|then|too|as\s+well)\W*", clause.low[hit.end :]):
        return None
    return hit, clause.orig[: hit.start]


_TRAIL_PREP = re.compile(r"(?:\s+(?:to|until|till|for|by|on|back|out|due|the\s+due\s+date\s+to|date\s+to|so\s+it'?s|so\s+that\s+it'?s))+\s*$")


# "I can wait" is about the person, not a task named "I".
_NOT_A_PERSON = r"(?!(?:i|we|you|they|he|she)\s)"


def _read_update(clause: Clause, clock: Clock, quoted: list[str]) -> Action | None:
    low = clause.low

    def refs_from(text: str) -> list[Ref]:
        return make_refs(text, quoted)

    def new_text(m: re.Match[str], group: str = "new") -> str:
        return restore_quotes(_grab(clause, m, group), quoted).strip(" .!?\"'")

    # "update the gym task: due tomorrow, high priority"
    m = _m(r"^(?:update|edit|change|modify|set)\s+(?P<ref>.+?)\s*(?::|\s-\s|\s+with\s+)\s*(?P<new>.+)$", low)
    if m:
        action = Action("update", refs=refs_from(_grab(clause, m, "ref")))
        if _fill_attributes(action, clause.cut(m.start("new")), clock):
            return action

    # descriptions
    m = _m(
        r"^(?:add|put|attach|write|leave)\s+(?:a\s+|the\s+|some\s+)?(?:note|notes|description|details|comment)s?\s+(?:to|on|for)\s+(?P<ref>.+?)\s*(?::|\s-\s|saying|that\s+says|which\s+says)\s*(?P<new>.+)$",
        low,
    )
    if m:
        return Action("update", refs=refs_from(_grab(clause, m, "ref")), new_description=new_text(m))
    m = _m(
        r"^(?:set|change|update|edit|replace)\s+(?:the\s+)?(?:description|notes?|details)\s+(?:of|on|for|in)\s+(?P<ref>.+?)\s+(?:to|with)\s+(?:say\s+|read\s+)?(?P<new>.+)$",
        low,
    )
    if m:
        return Action("update", refs=refs_from(_grab(clause, m, "ref")), new_description=new_text(m))
    m = _m(r"^(?:set|change|update|edit)\s+(?P<ref>.+?)(?:'s)?\s+(?:description|notes?|details)\s*(?::|to|as)\s*(?P<new>.+)$", low)
    if m:
        return Action("update", refs=refs_from(_grab(clause, m, "ref")), new_description=new_text(m))
    m = _m(r"^(?:describe)\s+(?P<ref>.+?)\s+as\s+(?P<new>.+)$|^add\s+(?:the\s+)?note\s+(?P<new2>.+?)\s+to\s+(?P<ref2>.+)$", low)
    if m:
        if m.group("ref"):
            return Action("update", refs=refs_from(_grab(clause, m, "ref")), new_description=new_text(m))
        return Action("update", refs=refs_from(_grab(clause, m, "ref2")), new_description=new_text(m, "new2"))
    m = _m(r"^(?:clear|remove|delete|erase)\s+(?:the\s+)?(?:description|notes?|details)\s+(?:of|on|from|for)\s+(?P<ref>.+)$", low)
    if m:
        return Action("update", refs=refs_from(_grab(clause, m, "ref")), new_description="")

    # removing a due date
    m = _m(
        r"^(?:remove|clear|delete|drop|unset|take\s+off|get\s+rid\s+of)\s+(?:the\s+)?(?:due\s+date|deadline|due|date)\s+(?:from|of|on|for)\s+(?P<ref>.+)$|"
        r"^(?P<ref2>.+?)\s+(?:(?:has|needs|should\s+have)\s+no|(?:doesn't|does\s+not|don't|do\s+not)\s+(?:need|have)\s+(?:a|any)?)\s*"
        r"(?:due\s+date|deadline|date)(?:\s+(?:anymore|any\s+more))?$|"
        r"^(?:make|set)\s+(?P<ref3>.+?)\s+(?:to\s+)?(?:have\s+)?no\s+(?:due\s+date|deadline)$|"
        r"^no\s+(?:due\s+date|deadline|date)\s+(?:for|on)\s+(?P<ref4>.+)$|"
        r"^take\s+(?:the\s+)?(?:due\s+date|deadline|date)\s+off\s+(?:of\s+)?(?P<ref5>.+)$",
        low,
    )
    if m:
        group = next(g for g in ("ref", "ref2", "ref3", "ref4", "ref5") if m.group(g))
        return Action("update", refs=refs_from(_grab(clause, m, group)), clear_due=True)

    # renaming
    m = _m(
        r"^(?:rename|retitle|re-title|re-name)\s+(?P<ref>.+?)\s+(?:to|as|into)\s+(?P<new>.+)$|"
        r"^(?:rename|retitle)\s+(?P<ref5>#\s*\d+|(?:task|number)\s+\d+|it|that|this)\s+(?P<new5>.+)$|"
        r"^(?:rename|retitle)\s+(?P<ref6>.+?)\s+(?P<new6>⟦\d+⟧)$|"
        r"^(?:change|update|edit|set|modify|fix)\s+(?:the\s+)?(?:title|name|wording|text)\s+(?:of|on|for)\s+(?P<ref2>.+?)\s+to\s+(?P<new2>.+)$|"
        r"^(?P<ref3>.+?)\s+should\s+(?:be\s+)?(?:called|named|titled|say|read)\s+(?P<new3>.+)$|"
        r"^(?:call|name|title)\s+(?P<ref4>.+?\s+(?:task|one|item|todo|reminder))\s+(?P<new4>.+?)(?:\s+instead)?$",
        low,
    )
    if m:
        for rg, ng in (("ref", "new"), ("ref5", "new5"), ("ref6", "new6"), ("ref2", "new2"), ("ref3", "new3"), ("ref4", "new4")):
            if m.group(rg):
                title = as_title(new_text(m, ng))
                refs = refs_from(_grab(clause, m, rg))
                return Action("update", refs=refs, new_title=title) if title and refs else None

    # "the report can wait until monday": a new due date; "the garage can wait": lower priority
    m = _m(r"^" + _NOT_A_PERSON + r"(?P<ref>.+?)\s+can\s+(?:wait|be\s+(?:put\s+off|postponed|pushed\s+back))\s+(?:until|till|til|to)\s+", low)
    if m:
        found = _date_at_end(clause.cut(m.end()), clock)
        refs = refs_from(_grab(clause, m, "ref"))
        if found and not found[1].strip() and refs:
            hit = found[0]
            if hit.value is None:
                return Action("update", refs=refs, shift_days=hit.shift_days)
            return Action("update", refs=refs, new_due=hit.value)

    # priorities
    m = _m(
        r"^(?:change|set|update|make|switch|put)\s+(?:the\s+)?priority\s+(?:of|on|for)\s+(?P<ref>.+?)\s+(?:to|as|at)\s+(?P<p>.+)$|"
        r"^(?:set|make|change|give)\s+(?P<ref2>.+?)(?:'s)?\s+(?:a\s+)?priority\s+(?:to\s+|of\s+|as\s+)?(?P<p2>\w+)$|"
        r"^(?:make|set|mark|change|put|flag|switch|update|move|tag|bump)\s+(?P<ref3>.+?)\s+(?:as\s+|to\s+|at\s+|into\s+|up\s+to\s+|down\s+to\s+)?(?:being\s+)?(?P<p3>" + PRIORITY_STATE + r")$|"
        r"^(?P<ref4>.+?)\s+(?:is|are|'s|should\s+be|has\s+become|became|is\s+now)\s+(?:now\s+|really\s+|very\s+|super\s+)?(?P<p4>" + PRIORITY_STATE + r")(?:\s+(?:now|anymore|any\s+more|after\s+all))?$|"
        r"^(?P<ref5>.+?)\s+(?:isn't|is\s+not|aren't|are\s+not)\s+(?:really\s+|that\s+)?(?:urgent|important|a\s+priority|pressing)(?:\s+(?:anymore|any\s+more|after\s+all|now))?$|"
        r"^" + _NOT_A_PERSON + r"(?P<ref6>.+?)\s+can\s+(?:wait|be\s+(?:put\s+off|postponed|left\s+for\s+later|done\s+later))(?:\s+(?:a\s+bit|a\s+while|for\s+now|for\s+a\s+while|for))?$",  # "for now" arrives as "for"
        low,
    )
    if m:
        for rg, pg in (("ref", "p"), ("ref2", "p2"), ("ref3", "p3"), ("ref4", "p4")):
            if m.group(rg):
                level = priority_word(m.group(pg))
                if level:
                    return Action("update", refs=refs_from(_grab(clause, m, rg)), new_priority=level)
        for rg in ("ref5", "ref6"):
            if m.group(rg):
                return Action("update", refs=refs_from(_grab(clause, m, rg)), new_priority="low")
    m = _m(
        r"^(?:prioriti[sz]e|escalate|flag|star|bump\s+up|raise|increase|up)\s+(?:the\s+priority\s+(?:of|on|for)\s+)?(?P<ref>.+?)(?:'s\s+priority)?$|"
        r"^(?:raise|increase|bump\s+up|bump|up)\s+(?:the\s+)?priority\s+(?:of|on|for)\s+(?P<ref2>.+)$",
        low,
    )
    if m:
        return Action("update", refs=refs_from(_grab(clause, m, "ref" if m.group("ref") else "ref2")), new_priority="high")
    m = _m(
        r"^(?:de-?prioriti[sz]e|lower|decrease|reduce|drop|downgrade)\s+(?:the\s+)?(?:priority\s+(?:of|on|for)\s+)?(?P<ref>.+?)(?:'s\s+priority)?$",
        low,
    )
    if m and (re.match(r"^de-?prioriti", low) or "priority" in low):
        return Action("update", refs=refs_from(_grab(clause, m, "ref")), new_priority="low")

    # rescheduling: a verb, the task, then a date at the end
    m = _m(
        r"^(?:move|reschedule|re-schedule|push(?:\s+back)?|postpone|delay|defer|shift|bump|put\s+off|push\s+out|change|set|update|make|"
        r"due\s+date\s+(?:of|for)|(?:change|set|update|move)\s+(?:the\s+)?(?:due\s+date|deadline|date)\s+(?:of|for|on))\s+(?P<rest>.+)$",
        low,
    )
    if m:
        rest = clause.cut(m.start("rest"))
        found = _date_at_end(rest, clock)
        verb = low[: m.start("rest")].strip()
        if found:
            hit, before = found
            before = re.sub(r"^(?:the\s+)?(?:due\s+date|deadline|date)\s+(?:of|for|on)\s+", "", before, flags=re.I)
            before = _TRAIL_PREP.sub("", before.rstrip(" ,"))
            refs = refs_from(before)
            if refs:
                if hit.value is None:
                    return Action("update", refs=refs, shift_days=hit.shift_days)
                return Action("update", refs=refs, new_due=hit.value)
        elif re.match(r"^(?:postpone|delay|defer|put\s+off|push(?:\s+back)?)$", verb):
            refs = refs_from(_grab(clause, m, "rest"))
            if refs:
                return Action("update", refs=refs, shift_days=1)

    # "the report is due tomorrow", "make #4 due today"
    found = _date_at_end(clause, clock)
    if found:
        hit, before = found
        mm = re.match(
            r"^(?:(?:make|set|have)\s+)?(?P<ref>.+?)\s*(?:(?:is|'s|are)\s+(?:actually|really)\s*|(?:is|'s|are|should\s+be|will\s+be|needs\s+to\s+be\s+(?:done|finished)|has\s+to\s+be\s+(?:done|finished)|must\s+be\s+(?:done|finished)|is\s+now|now)\s*)?$",
            before.lower(),
        )
        has_due_word = re.search(r"\bdue\b|\bdeadline\b", clause.low)
        if mm and has_due_word and hit.value and not re.match(r"^(?:what|which|show|list|any|anything|is\s+there|how)\b", low):
            refs = refs_from(before[mm.start("ref") : mm.end("ref")])
            refs = [r for r in refs if r.text.lower() not in ("what", "anything", "what's")]
            if refs:
                return Action("update", refs=refs, new_due=hit.value)

    # "change call mom to call dad", "update the gym task: due tomorrow, high priority"
    m = _m(r"^(?:change|update|edit|modify|switch|set|make|turn)\s+(?P<ref>.+?)\s+(?:to|into)\s+(?P<new>.+)$", low)
    if m:
        new_clause = clause.cut(m.start("new"))
        action = Action("update", refs=refs_from(_grab(clause, m, "ref")))
        if _fill_attributes(action, new_clause, clock):
            return action
        title = as_title(new_text(m))
        if title and not re.match(r"^(?:done|complete|completed|finished)$", title.lower()):
            action.new_title = title
            return action
    m = _m(r"^(?:update|edit|change|modify|set)\s+(?P<ref>.+?)\s*(?::|\s-\s|\s+with\s+)\s*(?P<new>.+)$", low)
    if m:
        action = Action("update", refs=refs_from(_grab(clause, m, "ref")))
        if _fill_attributes(action, clause.cut(m.start("new")), clock):
            return action
    return None


def _fill_attributes(action: Action, clause: Clause, clock: Clock) -> bool:
    """Reads "due tomorrow, high priority" style attribute lists; True when the whole text was understood."""
    low = clause.low
    rest = low
    hits = d.find_dates(low, clock.today, day_first=clock.day_first)
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


# ---------------------------------------------------------------- listing

_LIST_START = re.compile(
    r"^(?:list|show|display|view|see|give\s+me|get\s+me|print|read\s+(?:me\s+)?|what|what's|which|any|anything|do\s+i\s+have|"
    r"have\s+i|am\s+i|do\s+i|is\s+my|are\s+my|are\s+there|is\s+there|is\s+anything|are\s+any|is\s+any|how\s+many|how\s+much|count|find|search|look\s+(?:up|for)|tell\s+me|let\s+me\s+see|my|"
    r"where|pending|completed|overdue|all|everything|remaining|upcoming|open|todo|to-do|tasks|agenda|status|did\s+i|can\s+i\s+see|"
    r"can\s+you\s+show|could\s+you\s+show|check|review|summar(?:y|ize|ise)|overview|remind\s+me\s+what)\b"
)
_TASKISH = re.compile(
    r"\b(?:tasks?|todos?|to-?dos?|list|lists|items?|things|stuff|anything|everything|left|pending|due|overdue|late|done|completed|"
    r"finished|finish|complete|urgent|priority|important|agenda|plate|remaining|open|upcoming|coming\s+up|today|tomorrow|this\s+week|schedule|do|"
    r"outstanding|missed|behind|summary|overview|status|progress)\b"
)


def _due_window(work: str, clock: Clock) -> tuple[date, date, str, tuple[int, int]] | None:
    """A span of due dates named in a list request: (first, last, how to say it, where it was)."""
    today = clock.today
    sunday = today + timedelta(days=6 - today.weekday())
    m = re.search(r"\b(?:(?:for\s+)?the\s+rest\s+of\s+(?:the|this)\s+week|this\s+week|for\s+the\s+week)\b", work)
    if m:
        return today, sunday, "this week", m.span()
    m = re.search(r"\bnext\s+week\b", work)
    if m:
        return sunday + timedelta(days=1), sunday + timedelta(days=7), "next week", m.span()
    m = re.search(r"\b(?:this|the)\s+weekend\b", work)
    if m:
        return max(today, sunday - timedelta(days=1)), sunday, "this weekend", m.span()
    for hit in d.find_dates(work, today, day_first=clock.day_first):
        m = re.match(r"(?:due\s+)?(?P<prep>before|by|until|till|til|no\s+later\s+than)\s", work[hit.start : hit.end])
        if m and hit.value and hit.value > today:
            last = hit.value - timedelta(days=1) if m.group("prep") == "before" else hit.value
            return today, last, f"{m.group('prep')} {d.short_day(hit.value)}", (hit.start, hit.end)
    return None


def _read_list(clause: Clause, clock: Clock, quoted: list[str]) -> Action | None:
    low = clause.low
    starts = _LIST_START.match(low)
    if not starts:
        if not re.match(r"^(?:(?:my|all|the)\s+)*(?:tasks|todos|to-dos|todo\s+list|to-do\s+list|list)\b", low):
            return None
    elif not _TASKISH.search(low) and not re.match(r"^(?:list|show|display|find|search|look|count|how\s+many)\b", low):
        return None

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
        hits = [h for h in d.find_dates(work, clock.today, day_first=clock.day_first) if h.value]
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
    done_words = re.search(r"\b(?:completed|done|finished|checked\s+off|ticked\s+off|did\s+i\s+(?:do|finish|complete)|accomplished|achieved|complete)\b", work)
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
    if action.status == "completed" and action.due_filter == "upcoming" and not action.day:
        # "what I finished this week" is about completion, not due dates
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


# ---------------------------------------------------------------- whole messages


def parse_message(text: str, clock: Clock) -> tuple[list[Action], list[str]]:
    """All the actions in one user message, in order, plus the literal quoted strings."""
    repaired = repair(text.strip())
    protected, quoted = protect_quotes(repaired)
    low = lower_same_length(protected)
    if is_yes(low):
        return [Action("small_talk", topic="yes")], quoted
    if is_no(low):
        return [Action("small_talk", topic="no")], quoted
    talk = classify_small_talk(low)
    if talk:
        return [Action("small_talk", topic=talk)], quoted
    actions: list[Action] = []
    for clause in split_clauses(protected):
        action = read_clause(clause, clock, quoted)
        if action is None:
            talk = classify_small_talk(clause.low)
            if talk in ("thanks", "greet") or is_yes(clause.low) or is_no(clause.low):
                continue
            # "add call mom and set up the printer": an unrecognised piece after an add is another task.
            if actions and actions[-1].kind in ("add", "add_bare"):
                items = parse_add(clause, clock, quoted)
                if items:
                    actions[-1].items.extend(items)
                    continue
            action = Action("unknown", topic=restore_quotes(clause.orig, quoted))
        actions.append(action)
    if not actions:
        actions.append(Action("small_talk", topic="empty"))
    return actions, quoted
