"""The confirmation rules, in one place: what counts as "yes" or "no", the tool status that asks
for a confirmation, how many tasks one turn may delete or complete before it must ask, and the
shape of the question a turn leaves open for the next one.

Used by the tools (which refuse and ask), the offline model (which asks and reads the answer),
the chat turn (which keeps the open question on the conversation and tells the tools when the
person has said yes), the REST chat API and the chat page. Imports nothing from chat.

An open question is plain JSON data, kept on the conversation between turns
(`chat.Message.pending`, on the reply that asked), never read back out of the assistant's words:

    {"ask": "confirm", "tool": "delete_task", "count": 47, "task_ids": [...]}   # "Reply yes to confirm"
    {"ask": "choose", "action": "delete", "options": [{"task_id", "title"}], "request": "..."}  # which one?
    {"ask": "add", "title": "Water the plants"}                                   # "Should I add ...?"

("undo" needs nothing kept: the server undoes the conversation's last turn that changed tasks.)
"""

import re
from typing import Any

from django.conf import settings

NEEDS_CONFIRMATION = "needs_confirmation"  # the status of a tool result that asks the person first
BULK_TOOLS = ("delete_completed_tasks", "delete_all_tasks")  # ask every time (when anything would go)


def bulk_confirm_over() -> int:
    """How many deletes (or completions) one turn may make before it must ask (AGENT_BULK_CONFIRM_OVER)."""
    return settings.AGENT_BULK_CONFIRM_OVER


# ---------------------------------------------------------------- yes and no

_YES = re.compile(
    r"^(?:y|yes|yeah|yep|yup|ya|yea|sure|ok|okay|confirm|confirmed|do\s+it|go\s+ahead|go\s+for\s+it|please\s+do|"
    r"absolutely|definitely|of\s+course|correct|right|affirmative|proceed|i'm\s+sure|im\s+sure|i\s+am\s+sure|"
    r"yes\s+please|yes\s+do\s+it|yes,?\s+delete\s+(?:them|it|everything|all)|sure\s+thing|why\s+not|"
    r"that's\s+right|sounds\s+good|fine|let's\s+do\s+it|yes\s+i'm\s+sure|yes\s+i\s+am\s+sure)$"
)
_YES_LEAD = re.compile(
    r"^(?:y|yes|yeah|yep|yup|ya|yea|sure|ok|okay|confirm|confirmed|absolutely|definitely|of\s+course|correct|go\s+ahead)\b"
    r"(?:\s+(?:please|do\s+it|go\s+ahead|delete\s+(?:them|it|everything|all)(?:\s+of\s+them)?|i'm\s+sure|im\s+sure|i\s+am\s+sure|"
    r"confirm|confirmed|thanks|thank\s+you|sure|of\s+course|go\s+for\s+it|that's\s+right|absolutely|do\s+that|yes|proceed))*$"
)
_NO = re.compile(
    r"^(?:n|no|nope|nah|no\s+thanks|no\s+thank\s+you|cancel|don't|do\s+not|dont|stop|never\s*mind|nevermind|forget\s+it|"
    r"keep\s+(?:them|it|everything)|not\s+now|no\s+way|abort|wait|hold\s+on|negative|leave\s+(?:it|them)|neither|"
    r"none|none\s+of\s+them|no\s+don't|no,?\s+keep\s+(?:them|it)|changed\s+my\s+mind|not\s+really)$"
)
_DONT = re.compile(r"(?:please\s+)?(?:don't|do\s+not)(?:\s+(?:do\s+(?:it|that)|delete\s+(?:them|it|anything|everything)))?")
_NO_LEAD = re.compile(r"^(?:no|nope|nah)\b")
_NEW_REQUEST = re.compile(r"\b(?:add|create|delete|remove|complete|mark|show|list|rename|move|undo|back)\b")
# "delete them" straight after "Delete these 5 tasks? Reply yes to confirm." says yes too.
_DO_IT_AGAIN = re.compile(r"\s*(?:ok(?:ay)?,?\s+)?(?:delete|remove|clear)\s+(?:them|it|everything|all(?:\s+of\s+them)?)\W*")


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[!.,;:]+", " ", text.lower())).strip()


def is_yes(text: str) -> bool:
    """A plain "yes" ("yep, do it", "ok go ahead"), with nothing that takes it back or asks for more."""
    words = _words(text)
    return bool(_YES.match(words) or _YES_LEAD.match(words))


def is_no(text: str) -> bool:
    """A plain "no" ("nope", "never mind", "no, keep them for now") that makes no new request."""
    words = _words(text)
    if _NO.match(words) or _DONT.fullmatch(words):
        return True
    return bool(_NO_LEAD.match(words)) and len(words.split()) <= 6 and not _NEW_REQUEST.search(words)


def confirms(text: str) -> bool:
    """The answer to a "Reply yes to confirm" question says yes."""
    return is_yes(text) or bool(_DO_IT_AGAIN.fullmatch(text.lower()))


# ---------------------------------------------------------------- open questions


def confirm_question(tool: str, count: int, task_ids: list[int] | None = None) -> dict[str, Any]:
    question: dict[str, Any] = {"ask": "confirm", "tool": tool, "count": count}
    if task_ids is not None:
        question["task_ids"] = list(task_ids)
    return question


def confirmed_tool(pending: dict[str, Any] | None, text: str) -> str | None:
    """The tool a "Reply yes to confirm" question was about, when the person's answer says yes."""
    if pending and pending.get("ask") == "confirm" and confirms(text):
        return str(pending.get("tool") or "") or None
    return None


def awaits_confirmation(pending: dict[str, Any] | None) -> bool:
    return bool(pending) and pending.get("ask") == "confirm"
