"""Text helpers for the offline model: typo repair, quoting, light stemming, titles."""

import functools
import re

from rapidfuzz.distance import DamerauLevenshtein

# Whole-word repairs of the shorthand and typos people type into a chat box.
# Keys are lowercase; the replacement keeps the sentence otherwise untouched.
WORD_FIXES = {
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow", "tomorow": "tomorrow", "tommorow": "tomorrow",
    "tommorrow": "tomorrow", "tomorroww": "tomorrow", "2moro": "tomorrow", "2morrow": "tomorrow", "tomrrow": "tomorrow",
    "tonite": "tonight", "2day": "today", "todya": "today", "tday": "today",
    "pls": "please", "plz": "please", "plse": "please", "thx": "thanks", "ty": "thanks", "thnx": "thanks", "thanx": "thanks",
    "u": "you", "ur": "your", "wat": "what", "whats": "what's", "wats": "what's", "im": "i'm",
    "ive": "i've", "dont": "don't", "didnt": "didn't", "isnt": "isn't", "wasnt": "wasn't", "cant": "can't", "its": "it's",
    "thats": "that's", "lets": "let's", "asap!": "asap", "w/": "with",
    "wednsday": "wednesday", "wensday": "wednesday", "thrusday": "thursday", "thurday": "thursday", "firday": "friday",
    "fridya": "friday", "saterday": "saturday", "satuday": "saturday", "munday": "monday", "tuseday": "tuesday",
    "tusday": "tuesday", "sunay": "sunday",
    "tomorrows": "tomorrow's", "prio": "priority", "pri": "priority", "hi-pri": "high priority",
    "compelte": "complete", "comlete": "complete", "complte": "complete", "compete": "complete", "copmlete": "complete",
    "delet": "delete", "deleet": "delete", "dlete": "delete", "detele": "delete", "remvoe": "remove", "reomve": "remove",
    "rmeove": "remove", "remoev": "remove", "mrak": "mark", "makr": "mark", "amrk": "mark", "shwo": "show", "sohw": "show",
    "hsow": "show", "lsit": "list", "lits": "list", "renmae": "rename", "reanme": "rename", "resechedule": "reschedule",
    "reschedual": "reschedule", "finsihed": "finished", "finshed": "finished", "fnished": "finished", "doen": "done",
}
# Misspelt command verbs only count at the start of a clause ("ad buy bread").
LEADING_FIXES = {"ad": "add", "addd": "add", "dd": "add", "creat": "create", "craete": "create", "mkae": "make",
                 "chnage": "change", "chaneg": "change", "updte": "update", "udpate": "update", "mvoe": "move",
                 "moev": "move"}

_WORD_RE = re.compile(r"[A-Za-z0-9/'!-]+")


def repair(text: str) -> str:
    """Fixes shorthand and common typos word by word, keeping everything else as typed."""

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        low = word.lower()
        if low in WORD_FIXES:
            return WORD_FIXES[low]
        return word

    text = _WORD_RE.sub(fix, text)
    first = re.match(r"\s*([A-Za-z]+)\b", text)
    if first and first.group(1).lower() in LEADING_FIXES:
        text = text[: first.start(1)] + LEADING_FIXES[first.group(1).lower()] + text[first.end(1) :]
    return text


# Quoted text is the user's literal data (a title, a note): it is set aside before any parsing
# so a title like "delete all tasks" is never read as a command.
_QUOTE_RES = [
    re.compile(r"[\"“”]([^\"“”]+)[\"“”]"),
    re.compile(r"(?<![\w])['‘]([^'‘’\n]+?)['’](?![\w])"),
]
PLACEHOLDER_RE = re.compile(r"⟦(\d+)⟧")


def protect_quotes(text: str) -> tuple[str, list[str]]:
    quoted: list[str] = []

    def keep(match: re.Match[str]) -> str:
        quoted.append(match.group(1).strip())
        return f"⟦{len(quoted) - 1}⟧"

    for pattern in _QUOTE_RES:
        text = pattern.sub(keep, text)
    return text, quoted


def restore_quotes(text: str, quoted: list[str]) -> str:
    return PLACEHOLDER_RE.sub(lambda m: quoted[int(m.group(1))], text)


STOPWORDS = frozenset(
    """a an the my our your his her their its this that these those some any of to for on in at by with and or
    about task tasks todo todos to-do item items one ones thing things stuff entry reminder called named titled
    list please pls just also too again same is are was were be been it's thing's one's from up""".split()
)

# Irregular past tenses people use when reporting what they did ("I bought the milk").
IRREGULAR = {
    "bought": "buy", "paid": "pay", "sent": "send", "did": "do", "done": "do", "made": "make", "wrote": "write",
    "written": "write", "got": "get", "took": "take", "taken": "take", "went": "go", "gone": "go", "ran": "run",
    "found": "find", "gave": "give", "given": "give", "met": "meet", "told": "tell", "saw": "see", "seen": "see",
    "spoke": "speak", "spoken": "speak", "sold": "sell", "built": "build", "drove": "drive", "ate": "eat",
    "drank": "drink", "left": "leave", "brought": "bring", "caught": "catch", "taught": "teach", "fed": "feed",
    "hung": "hang", "won": "win", "swept": "sweep", "swam": "swim", "sang": "sing", "began": "begin", "chose": "choose",
    "forgot": "forget", "kept": "keep", "lent": "lend", "read": "read", "rode": "ride", "sat": "sit", "slept": "sleep",
    "spent": "spend", "stood": "stand", "threw": "throw", "understood": "understand", "woke": "wake", "wore": "wear",
    "children": "child", "people": "person", "men": "man", "women": "woman", "mice": "mouse", "teeth": "tooth",
    "feet": "foot", "geese": "goose",
}


def stem(word: str) -> str:
    """A light stemmer: enough that "buying milk" finds "Buy milk" and "the dishes" finds "Wash dish".

    The stem is also used as a substring search word, so it must stay a prefix of the word's other forms.
    """
    w = word.lower().strip("'’")
    if w.endswith("'s") or w.endswith("’s"):
        w = w[:-2]
    if w in IRREGULAR:
        return IRREGULAR[w]
    if len(w) <= 3:
        return w
    for suffix, keep in (("ies", "y"), ("ied", "y")):
        if w.endswith(suffix) and len(w) > 4:
            # "groceries" -> "grocer" keeps a prefix of both "grocery" and "groceries".
            return w[: -len(suffix)] if suffix == "ies" else w[: -len(suffix)] + keep
    if w.endswith("ing") and len(w) > 5:
        base = w[:-3]
        if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "lsz":
            base = base[:-1]  # "shopping" -> "shop"
        return base
    if w.endswith("ed") and len(w) > 4:
        base = w[:-2]
        if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "lsz":
            base = base[:-1]  # "planned" -> "plan"
        elif w.endswith("ied"):
            base = w[:-3] + "y"
        return base
    if w.endswith(("ches", "shes", "sses", "xes", "zes")) and len(w) > 4:
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        return w[:-1]
    return w


_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.lower())


def content_stems(text: str) -> list[str]:
    """The words that identify a task, stemmed, in order, without filler."""
    return list(_content_stems(text))


# Matching a reference against a listed task compares the same titles and words again on every
# model step of a turn (and every turn): both are pure, so they are worked out once per process.
@functools.lru_cache(maxsize=2048)  # keys are task texts of up to 4,000 characters
def _content_stems(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for tok in tokens(text):
        if tok in STOPWORDS:
            continue
        s = stem(tok)
        if s and s not in out:
            out.append(s)
    return tuple(out)


@functools.lru_cache(maxsize=65536)
def similar_words(a: str, b: str) -> bool:
    """Same stem, one a prefix of the other, or one typo apart (longer words)."""
    if a == b:
        return True
    shorter = min(len(a), len(b))
    if shorter >= 3 and (a.startswith(b) or b.startswith(a)) and abs(len(a) - len(b)) <= 3:
        return True
    if shorter >= 4:
        limit = 1 if shorter < 8 else 2
        return DamerauLevenshtein.distance(a, b, score_cutoff=limit) <= limit
    return False


def as_title(text: str) -> str:
    """Tidy a phrase into a task title: trim filler punctuation and capitalise the first letter."""
    text = re.sub(r"\s+", " ", text).strip(" \t\n,;:-–—.!?")
    text = re.sub(r"\s+([,;:.!?])", r"\1", text)
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def lower_same_length(text: str) -> str:
    """Lowercase that never changes the length, so match offsets still index the original."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
