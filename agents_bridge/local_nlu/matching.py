"""Which task did the user mean? Tolerant matching of their words against task titles.

Words are compared by stem ("buying" ~ "buy"), by prefix ("groceries" ~ "grocery") and with
RapidFuzz's Damerau-Levenshtein distance for typos ("mlik" ~ "milk"). When two tasks fit the
words equally well the caller asks the user instead of guessing.
"""

from dataclasses import dataclass
from typing import Any

from .text import content_stems, similar_words, squash

MIN_COVERAGE = 0.5  # at least half of the user's words must appear in the task
TIE_MARGIN = 0.08


@dataclass
class Pick:
    status: str  # "found" | "ambiguous" | "missing"
    tasks: list[dict[str, Any]]


def search_terms(text: str) -> list[str]:
    """Stems to hand to list_tasks(search=...): every word must appear, so stems beat full words."""
    return content_stems(text)


def score(ref_text: str, task: dict[str, Any]) -> tuple[float, float]:
    """(score, coverage) of how well the user's words describe the task."""
    ref = content_stems(ref_text)
    if not ref:
        return 0.0, 0.0
    title = content_stems(task.get("title") or "")
    description = content_stems(task.get("description") or "")
    in_title = sum(1 for r in ref if any(similar_words(r, t) for t in title))
    in_desc = sum(1 for r in ref if not any(similar_words(r, t) for t in title) and any(similar_words(r, t) for t in description))
    coverage = (in_title + 0.5 * in_desc) / len(ref)
    precision = (sum(1 for t in title if any(similar_words(r, t) for r in ref)) / len(title)) if title else 0.0
    value = 0.7 * coverage + 0.3 * precision
    if squash((task.get("title") or "").lower()) == squash(ref_text.lower()):
        value += 0.5
    return value, coverage


def pick(ref_text: str, tasks: list[dict[str, Any]], *, prefer_completed: bool | None = None, every: bool = False) -> Pick:
    ranked = []
    for task in tasks:
        value, coverage = score(ref_text, task)
        if coverage >= MIN_COVERAGE:
            ranked.append((value, task))
    if not ranked:
        return Pick("missing", [])
    ranked.sort(key=lambda pair: -pair[0])
    top = ranked[0][0]
    if every:
        return Pick("found", [task for value, task in ranked if value >= top - 0.35])
    ties = [task for value, task in ranked if value >= top - TIE_MARGIN]
    if len(ties) > 1 and prefer_completed is not None:
        preferred = [task for task in ties if bool(task.get("completed")) == prefer_completed]
        if preferred:
            ties = preferred
    if len(ties) == 1:
        return Pick("found", ties)
    return Pick("ambiguous", ties[:5])


def choose_among(answer: str, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The candidates an answer like "the dentist one" or "mom" points at (best ones only)."""
    ranked = []
    for task in candidates:
        value, coverage = score(answer, task)
        if coverage > 0:
            ranked.append((value, task))
    if not ranked:
        return []
    ranked.sort(key=lambda pair: -pair[0])
    top = ranked[0][0]
    return [task for value, task in ranked if value >= top - 0.01]
