"""Talk that is not a request: help, greetings, thanks, "how are you", "who are you"; and "undo".

SMALL_TALK is read against a whole message (or a clause that no request rule took); UNDO is a
clause rule.
"""

import re

from .actions import Action
from .rules import rule

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
_HOW_ARE_YOU = re.compile(r"^how\s+(?:are|r)\s+(?:you|u)|^how's\s+it\s+going|^how\s+is\s+it\s+going|^what'?s\s+up$")
_WHO = re.compile(r"^(?:who|what)\s+(?:are|r)\s+(?:you|u)\b|^are\s+you\s+(?:a\s+)?(?:bot|human|real|ai)")

# (topic, pattern), in order: the first that matches names the topic (planner phrasing.SMALL_TALK answers it).
SMALL_TALK = [("help", _HELP), ("greet", _GREETING), ("thanks", _THANKS), ("how_are_you", _HOW_ARE_YOU), ("who", _WHO)]


def classify_small_talk(low: str) -> str | None:
    if re.fullmatch(r"\s*\?+\s*", low):
        return "help"
    low = re.sub(r"[\s!.,?]+$", "", low.strip())
    if not low:
        return "empty"
    return next((topic for topic, pattern in SMALL_TALK if pattern.match(low)), None)


UNDO = rule(
    "undo",
    # "undo that", "take that back", "no, put it back": the last turn that changed tasks, whole.
    r"^(?:please\s+)?(?:undo|revert|reverse|take\s+(?:that|it|this|them)\s+back|(?:put|bring)\s+(?:it|that|them|those|everything|it\s+all)\s+back)"
    r"(?:\s+(?:that|it|the\s+last\s+(?:one|thing|change|turn)|this|please|again))?$",
    lambda match, reading: Action("undo"),
)
