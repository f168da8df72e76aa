"""Adding: the words that ask for a new task, and the tasks named after them ("add buy milk
tomorrow and call mom friday, it's urgent").

Rows: ADD_COMMAND ("add ...", "remind me to ...", "urgent: ..."), NEED_TO ("I need to ...", which
may also be another request in disguise), BARE_TODO ("buy flowers for anna tomorrow").
"""

import re

from core import dates
from tasks import quick_add
from ..text import PLACEHOLDER_RE, as_title, restore_quotes, squash
from .actions import Action, AddItem, Clause, Clock
from .rules import Reading, rule, rules_for
from .vocabulary import TODO_VERBS, find_priorities, is_pleasantry, priority_word

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
_LEADING_JUNK = re.compile(r"^(?:(?:to|that\s+i\s+(?:need|have)\s+to|that|about|of|i\s+(?:need|have)\s+to|please|kindly|also|really)\s+)+")


def _is_item(text: str) -> bool:
    words = [w for w in re.findall(r"[a-z0-9⟦⟧']+", text.lower()) if w]
    return len(words) >= 2 or (bool(words) and words[0] in TODO_VERBS) or bool(PLACEHOLDER_RE.search(text))


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

    # "#home", "!high" and "every month on the 1st": read by the quick-add parser every door uses
    # (tasks.quick_add), then blanked out so nothing below reads them again.
    quick = quick_add.read_marks(content.low, clock.today, day_first=clock.day_first, only=("labels", "priority", "repeat"))
    repeat = content.orig[slice(*quick.repeat_span)].strip() if quick.repeat_span else None
    if quick.spans:
        content = Clause(quick_add.masked(content.orig, quick.spans), quick_add.masked(content.low, quick.spans))

    # Mark dates and priorities first so list splitting never cuts through "jan 15, 2027".
    hits = dates.find_dates(content.low, clock.today, day_first=clock.day_first)
    pri_hits = find_priorities(content.low, title_context=True)
    spans: list[tuple[int, int, str]] = []
    for i, hit in enumerate(hits):
        spans.append((hit.start, hit.end, f" ⟪d{i}⟫ "))
    for i, (start, end, _) in enumerate(pri_hits):
        if not any(s < end and start < e for s, e, _ in spans):
            spans.append((start, end, f" ⟪p{i}⟫ "))
    for start, end in dates.find_times(content.low):
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
        if not text or re.fullmatch(r"(?:it|this|that|one)", text.lower()) or is_pleasantry(text):
            # "..., it's urgent" or ", tomorrow": the modifiers belong to the item before.
            if items:
                items[-1].due = due or items[-1].due
                items[-1].priority = priority or items[-1].priority
            else:
                pending_marks = marks
            continue
        own_dates = items and due is not None and items[-1].due is not None  # "bread today and stamps on monday"
        if items and not own_dates and not _is_item(text) and not PLACEHOLDER_RE.search(text) and len(parts) == 2 and "and" in seps[index]:
            # "buy milk and eggs": a lone noun after "and" continues the previous title.
            prev = items[-1]
            prev.title = f"{prev.title} and {text}"
            prev.due = due or prev.due
            prev.priority = priority or prev.priority
            continue
        items.append(AddItem(title=as_title(restore_quotes(text, quoted)), due=due, priority=priority))
    if items:
        items[-1].description = description
        # Labels are the whole request's ("add milk and eggs #groceries"); a repeat or a "!high"
        # belongs to the task it follows.
        for item in items:
            item.labels = list(quick.labels)
        items[-1].recurrence = repeat
        items[-1].priority = quick.priority or items[-1].priority
        if pri_from_lead:
            for item in items:
                item.priority = item.priority or pri_from_lead
    return [i for i in items if i.title]


# ---------------------------------------------------------------- rules


def _add_what_follows(match: re.Match[str], reading: Reading) -> Action:
    items = parse_add(reading.after(match), reading.clock, reading.quoted)
    return Action("add", items=items) if items else Action("unclear_add")


def _need_to(match: re.Match[str], reading: Reading) -> Action | None:
    rest = reading.after(match)
    if match.group("verb") == "got" and not match.group("to"):
        # A bare "got" is past tense, "I got the stamps": a task reported done (state.REPORTED_DONE),
        # unless it names a day, "I got a dentist appointment tomorrow", which is something to come.
        if not any(item.due for item in parse_add(rest, reading.clock, reading.quoted)):
            return None
    inner = reading.read_again(rest)
    if inner and inner.kind not in ("unknown", "add_bare", "complete_past"):
        return inner
    items = parse_add(rest, reading.clock, reading.quoted)
    return Action("add", items=items) if items else None


def _bare_todo(match: re.Match[str], reading: Reading) -> Action | None:
    low = reading.clause.low
    if match.group("verb") not in TODO_VERBS or len(low.split()) < 2 or re.match(r"^[a-z]+\s+(?:me|us)\b", low):
        return None
    items = parse_add(reading.clause, reading.clock, reading.quoted)
    return Action("add_bare", items=items) if items else None


ADD_COMMAND = rule(
    "add",
    r"^(?:(?:make|create|set(?:\s+up)?|open|start|put\s+in)\s+(?=(?:a|an|another|one\s+more|new)\s+(?:new\s+)?(?:task|todo|to-do|reminder|entry|item|note)s?\b)|"
    r"(?:add|create|insert|jot(?:\s+down)?|write\s+down|note\s+down|log|capture|new)\b(?!\s+(?:a\s+)?(?:note|description|details|comment)s?\s+(?:to|on|for)\b)|"
    r"(?:new\s+)?(?:task|todo|to-do|to\s+do|reminder|note\s+to\s+self)\s*[:\-]|"
    r"(?:remind\s+me|set\s+(?:a\s+|me\s+a\s+)?reminder)(?:\s+(?:to|about|that\s+i\s+(?:need|have)\s+to|of|that))?\b|"
    r"(?:remember|don't\s+(?:let\s+me\s+)?forget|do\s+not\s+(?:let\s+me\s+)?forget|dont\s+(?:let\s+me\s+)?forget)(?:\s+(?:to|about|that\s+i\s+(?:need|have)\s+to))?\b|"
    r"put\s+(?!.*\bback\b)(?=.*\b(?:list|todos?|tasks|agenda)\b)|put\s+down|stick\s+(?:in|on)|pencil\s+in|"
    r"(?=(?:urgent|important|high\s+priority|low\s+priority|asap|critical)\s*[:\-]\s*\w))",
    _add_what_follows,
)
# "I need to ..." is either a command in disguise ("I need to move the dentist to friday") or a new task.
NEED_TO = rule(
    "need_to",
    r"^(?:(?:i|we)(?:'ve)?\s+)?(?:really\s+)?(?P<verb>need|have|got|gotta|must|should|ought|want)\s+(?P<to>to\s+)?(?=\w)",
    _need_to,
)
BARE_TODO = rule("bare_todo", r"^(?P<verb>[a-z]+)", _bare_todo)  # "buy flowers for anna tomorrow"


# ---------------------------------------------------------------- titles typed literally

# Marks of a title typed as it should stay (code, commands, versions): with any of them the words
# after "add" are one title, kept as typed; no clause, list or note splitting, no quote handling.
_LITERAL_MARKS = re.compile(r"--|[()\[\]{}<>`=|\\]|[\"“”][^\"“”]*[\"“”][^;]*;|;[^;]*[\"“”][^\"“”]*[\"“”]")


def _literal_title(match: re.Match[str], reading: Reading) -> Action | None:
    typed = reading.clause.orig[match.start("title") :].strip()
    if not _LITERAL_MARKS.search(typed) or re.fullmatch(r"[\"“”'‘][^\"“”'‘’]*[\"“”'’]", typed):
        return None  # a plain add ("add milk; eggs"), or one quoted title
    due = None
    hits = dates.find_dates(typed.lower(), reading.clock.today, day_first=reading.clock.day_first)
    if hits and hits[-1].value and not typed[hits[-1].end :].strip(" .!") and hits[-1].start > 0 and typed[hits[-1].start - 1].isspace():
        # "add fix login (prod) tomorrow": a date said after the title is still a date
        due, typed = hits[-1].value, typed[: hits[-1].start].rstrip()
    title = typed[0].upper() + typed[1:] if typed[:1].islower() else typed
    return Action("add", items=[AddItem(title=title, due=due)]) if title else None


# Read on the whole message, before it is split into clauses (see intents/__init__.py).
LITERAL_TITLE = rule(
    "literal_title",
    r"^\s*(?:(?:please|kindly|(?:can|could|would)\s+you)\s+)*(?:add|create|new\s+task\s*:|todo\s*:|task\s*:)\s*"
    r"(?:(?:a\s+)?(?:new\s+)?(?:task|todo)\s+(?:called|named|titled)\s+|(?:a\s+)?(?:new\s+)?(?:task|todo)\s*:\s*)?(?P<title>\S.*)$",
    _literal_title,
)


# ---------------------------------------------------------------- statements of intent

_GERUND = re.compile(r"^([a-z]+)ing\b")


def _base_form(title: str) -> str:
    """ "booking the dentist" -> "book the dentist": the task, said as a todo."""
    m = _GERUND.match(title.lower())
    if not m:
        return title
    stem_ = m.group(1)
    for candidate in (stem_, stem_ + "e", stem_[:-1] if len(stem_) > 2 and stem_[-1] == stem_[-2] else None):
        if candidate and candidate in TODO_VERBS:
            break
    else:
        candidate = stem_[:-1] if len(stem_) > 2 and stem_[-1] == stem_[-2] and stem_[-1] not in "lsz" else stem_
    return candidate + title[m.end() :]


def _intent(match: re.Match[str], reading: Reading) -> Action | None:
    """ "argh, I always forget to stretch": offer the task ("Stretch"), not the sentence."""
    rest = reading.after(match, "task")
    inner = reading.read_again(rest)
    if inner and inner.kind in ("add", "complete", "reopen", "delete", "update", "list", "bulk_all", "bulk_completed"):
        return inner  # "I forgot to add the milk": a request after all
    trimmed = re.sub(r"(?:\s+(?:again|every\s+(?:single\s+)?time|all\s+the\s+time|lately|these\s+days|constantly|lol|haha))+\s*$", "", rest.low)
    rest = rest.cut(0, len(trimmed))
    items = parse_add(rest, reading.clock, reading.quoted)
    if not items:
        return None
    items = [AddItem(title=as_title(_base_form(items[0].title)), due=items[0].due, priority=items[0].priority)]
    return Action("offer_add", items=items)


_INTENT_LEAD = (
    r"^(?:i|we)(?:'ve|'d|\s+have)?\s+(?:(?:always|keep|never|totally|completely|often|sometimes|constantly|still|just|really|so|"
    r"forever|been|literally|seriously|honestly|also|do|did)\s+)*"
)
# "I always forget my keys" names no task: only "forget to ..." and "putting off <doing> ..." do.
INTENT = rules_for(
    _intent,
    intent_to=_INTENT_LEAD + r"(?:forget(?:ting)?|forgot|remember|(?:never|don't|can't|cannot|can\s+never|never\s+seem\s+to)\s+remember|"
    r"wish\s+(?:i|we)(?:'d|\s+would|\s+could)?\s+remember(?:ed)?|meaning|meant)\s+to\s+(?P<task>\w.*)$",
    intent_put_off=_INTENT_LEAD + r"(?:putting\s+off|put\s+off)\s+(?P<task>[a-z]+ing\b.*)$",
)
