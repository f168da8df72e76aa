"""Splitting a message into clauses ("add X and complete Y", "Add X. Then show Z") and trimming
the politeness around each ("could you please ...", "..., thanks")."""

import re

from ..text import lower_same_length
from .actions import Clause
from .vocabulary import PLEASANTRY

_PREFIX = re.compile(
    r"^(?:(?:" + PLEASANTRY + r")\b[,!.:;]*\s*|(?:oh\s+(?:no|dear|man|god|gosh|well)|hey|hi|hello|ok|okay|so|oh|oops|whoops|um+|uh+|well|also|and|then|now|please|kindly|actually|alright|"
    r"right|great|cool|wait|hmm+|ah|yes|yeah|yep|sorry|btw|and\s+then|after\s+that|next|finally|lastly|first|firstly|"
    r"secondly|thanks|thank\s+you|perfect|awesome|nice|good|plus|oh\s+and|ah\s+and|one\s+more\s+thing|"
    r"on\s+second\s+thought|scratch\s+that|argh+|ugh+|urgh+|gah+|damn|dang|darn|geez|jeez|sigh|man|"
    r"gosh|blimey|crikey|dammit|anyway|anyways|by\s+the\s+way|honestly|seriously|frankly|literally|tbh|lol|"
    r"to\s+be\s+honest)\b[,!.:;]?\s*)+"
)
_POLITE = re.compile(
    r"^(?:(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+|kindly\s+|also\s+|just\s+|maybe\s+)*|"
    r"(?:i'd|i\s+would)\s+like\s+(?:you\s+)?to\s+|i\s+want\s+you\s+to\s+|i\s+need\s+you\s+to\s+|"
    r"(?:go\s+ahead\s+and|help\s+me|just|let's|lets|you\s+can|you\s+could|try\s+to|quickly)\s+|please\s+|kindly\s+)+"
)
_SUFFIX = re.compile(
    r"(?:(?:\s*[,!.]\s*|\s+)(?:" + PLEASANTRY + r"|for\s+me|right\s+now|now|ok\??|okay\??|"
    r"if\s+possible|too|as\s+well|also|actually|instead|after\s+all))+\s*[.!?]*\s*$|\s*[.!?]+\s*$"
)

_CMD_START = (
    r"(?:add|create|complete|mark|delete|remove|rename|move|reschedule|push|postpone|change|set|make|finish|show|list|"
    r"tell\s+me|reopen|uncheck|check\s+off|tick\s+off|get\s+rid\s+of|cancel|prioriti[sz]e|update|what|how\s+many|"
    r"remind\s+me|put|undo|give\s+me|display|find|search|erase|clear|drop|edit)\b"
)
# A request may come politely inside a sentence: "I paid the gas bill, and could you please add ...".
_POLITE_LEAD = (
    r"(?:(?:(?:can|could|would|will)\s+(?:you|u)|(?:i'd|i\s+would)\s+like\s+(?:you\s+)?to|i\s+want\s+you\s+to|"
    r"i\s+need\s+you\s+to|please|kindly|also|just|now)\s+)*"
)
_CLAUSE_SPLIT = re.compile(
    r"\s*(?:,\s*(?:and\s+then\s+|and\s+also\s+|and\s+now\s+|and\s+|then\s+|also\s+|plus\s+|so\s+|but\s+|now\s+)?|"
    r"\s+(?:and\s+then|and\s+also|and\s+now|and|then|also|plus|after\s+that|as\s+well\s+as|so|but)\s+)(?=" + _POLITE_LEAD + _CMD_START + r")"
)
# "every! 3 days" (a repeat counted from completion, tasks.recurrence) is not the end of a sentence.
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?;])(?<!every!)\s+|\n+")



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
