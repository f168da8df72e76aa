"""How the person points at tasks: ids ("#3"), pronouns ("it", "them"), ordinals ("the last one")
or words ("buy milk and call mom"). Matching words to real tasks is the planner's job."""

import re

from ..text import STOPWORDS, restore_quotes
from .actions import Ref
from .vocabulary import TODO_VERBS


_ID_RE = re.compile(r"(?:#\s*|\b(?:task|item|number|no\.?|id|todo)\s*#?\s*)(\d+)\b")
_SINGLE_PRONOUNS = re.compile(
    r"(?:it|that|this|that\s+one|this\s+one|that\s+task|this\s+task|the\s+task|the\s+one|the\s+same\s+one|"
    r"that\s+last\s+one|the\s+last\s+task|the\s+new\s+one|the\s+one\s+i\s+just\s+added|the\s+one\s+you\s+just\s+added)"
)
_MANY_PRONOUNS = re.compile(
    r"(?:them|they|those|these|both|(?:both|all|each)\s+of\s+(?:them|those|these)(?:\s+(?:tasks|ones|two|three))?|all\s+(?:of\s+)?(?:the\s+)?(?:two|three|four|five)(?:\s+of\s+them)?|all\s+of\s+them|them\s+all|both\s+of\s+them|them\s+both|all\s+(?:the\s+)?(?:two|three|four|five)|"
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
# How many tasks a plural pronoun names ("both", "all three"), when it says.
_PRONOUN_COUNT = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5}
# "the vet task's name", "the rent task's due date": the task, not its field.
_POSSESSIVE_FIELD = re.compile(
    r"(?:'s|’s|s'|')\s+(?:(?:due\s+)?date|deadline|due|title|name|wording|text|priority|notes?|description|details|status)$"
)
_REF_TAIL = re.compile(r"(?:\s+(?:task|todo|to-do|item|one|reminder|thing)s?)+$|\s+(?:on|from|off)\s+(?:my|the)\s+(?:\w+\s+)?list$|\s+(?:as\s+well|too|also|again)$")


def make_refs(text: str, quoted: list[str]) -> list[Ref]:
    """One or more task references from a phrase ("#3", "it", "buy milk and call mom")."""
    text = text.strip(" ,.!?:;")
    possessive = _POSSESSIVE_FIELD.search(text.lower())
    if possessive:
        text = text[: possessive.start()]
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
        count = next((n for word, n in _PRONOUN_COUNT.items() if re.search(rf"\b{word}\b", low)), None)
        return [Ref(text=text, pronoun="many", count=count)]
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
        if refs and len(words) == 1 and not refs[-1].ids and words[0] not in TODO_VERBS and len(refs[-1].text.split()) > 1:
            # "call mom and dad": a lone word after "and" most likely belongs to the same title.
            refs[-1].text = f"{refs[-1].text} and {piece}"
            continue
        refs.append(Ref(text=piece, every=every))
    return refs
