"""Words the rules share: done and not-done states, priorities, verbs that start a todo, and
the pleasantries said in passing."""

import re

# Said in passing, never a task nor part of a title: "thanks a lot", "cheers mate", "much appreciated",
# "that'd be great", "you're a star". Read at the edges of a clause and as whole items of an add.
PLEASANTRY = (
    r"(?:(?:many|big|huge)\s+)?(?:thanks|thank\s+(?:you|u)|thankyou|thx|cheers|ta|tysm)"
    r"(?:\s+(?:a\s+lot|a\s+bunch|a\s+million|a\s+ton|heaps|loads|lots|so\s+much|very\s+much|in\s+advance|again|mate|buddy|pal|man|love|"
    r"hun|dude|friend|all|for\s+(?:that|this|the\s+help|your\s+help|helping))|!)*|"
    r"(?:much|really|greatly|very\s+much)\s+appreciated|(?:i\s+)?(?:really\s+|truly\s+)?appreciate\s+(?:it|that|this|you)(?:\s+a\s+lot)?|"
    r"(?:that|this|it)(?:\s+would|'d|\s+will|'ll)\s+be\s+(?:great|lovely|awesome|amazing|perfect|brilliant|fab|fantastic|super|helpful|nice)|"
    r"you'?re\s+(?:a\s+star|the\s+best|a\s+lifesaver|a\s+gem|awesome|amazing|great|brilliant)|you\s+rock|bless\s+(?:you|ya)|"
    r"please|pls|plz|kindly|if\s+you\s+(?:can|could|don'?t\s+mind|would|wouldn'?t\s+mind)|when\s+you\s+(?:can|get\s+a\s+chance)|"
    # closings: "that's all for now", "bye"
    r"(?:that'?s|that\s+is|that'?ll\s+be)\s+(?:all|it|everything)(?:\s+for\s+(?:now|today))?|(?:good)?bye(?:\s+for\s+now)?|"
    r"see\s+(?:you|ya)(?:\s+later)?|nothing\s+else|all\s+good"
)
PLEASANTRY_RE = re.compile(r"(?:" + PLEASANTRY + r")(?:\s*[,!.]+\s*(?:" + PLEASANTRY + r"))*[\s!.,:)]*")


def is_pleasantry(text: str) -> bool:
    """Only pleasantries ("thanks a lot!", "cheers mate, much appreciated")."""
    return bool(PLEASANTRY_RE.fullmatch(text.strip().lower()))

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

TODO_VERBS = frozenset(
    """buy call email mail text phone ring pay book schedule clean fix send write read finish prepare make get pick drop
    take bring return renew cancel submit file check review plan organize organise wash water feed walk cook bake order
    visit meet ask tell reply respond print sign update install backup back clear sort tidy vacuum mop iron fold pack
    unpack move repair paint replace change charge register apply practice practise study learn research draft edit
    finalize finalise post ship deliver collect grab fetch donate sell list invite thank congratulate confirm follow
    arrange set hang mow rake shovel recycle take throw vacuum dust defrost empty refill fill top service inspect
    test call ring contact message dm ping remind email run go do see watch listen start stop""".split()
)



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

