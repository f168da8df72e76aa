"""Quick add: one line ("pay rent every month on the 1st #home !high") to a task's fields.

The one parser of every door: the tasks page's quick-add field, POST /api/tasks/quick-add/ (and its
preview), and the offline agent model's add requests (agents_bridge.local_nlu) all read marks
with it, so what one understands the others do too.

A table, read in order (MARKS): each kind of mark is one row that finds its spans in the
lower-cased text; a later row never reads inside an earlier row's span. What is left, with clock
times cut out, is the title. Dates are core.dates' reader (the offline model's), repeats
tasks.recurrence's.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from core import dates

from . import recurrence
from .labels import LabelError, clean_names
from .models import Priority

# A label starts with a letter: "issue #42" keeps its number in the title.
_LABEL = re.compile(r"(?<![\w&#])#(?P<name>[^\W\d_][\w\-/.&+']*)")
_PRIORITY = re.compile(r"(?<![\w!])!(?P<p>high|medium|med|low|urgent|[123]|hi|lo)(?![\w])|(?<![\w!])(?P<bangs>!{1,3})(?=\s|$)")
PRIORITY_MARKS = {"high": "high", "hi": "high", "urgent": "high", "1": "high", "medium": "medium", "med": "medium", "2": "medium", "low": "low", "lo": "low", "3": "low"}
_BANGS = {"!!!": "high", "!!": "medium", "!": None}
TITLE_MAX = 255  # Task.title's length: a longer line is refused with a reason, never cut


@dataclass
class Marks:
    """What one line says besides its title; spans index the text it was read from."""

    labels: list[str] = field(default_factory=list)
    priority: str | None = None
    rule: recurrence.Rule | None = None
    start: date | None = None  # "starting <date>"
    repeat_span: tuple[int, int] | None = None
    due: date | None = None
    problems: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)

    def taken(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.spans)


def _labels(low: str, marks: Marks, today: date) -> None:
    for m in _LABEL.finditer(low):
        marks.labels.append(m.group("name").rstrip(".,;:!?"))
        marks.spans.append((m.start(), m.start() + 1 + len(marks.labels[-1])))


def _priority(low: str, marks: Marks, today: date) -> None:
    for m in _PRIORITY.finditer(low):
        if marks.taken(m.start(), m.end()):
            continue
        value = PRIORITY_MARKS.get(m.group("p") or "") or _BANGS.get(m.group("bangs") or "")
        if value:
            marks.priority = value
            marks.spans.append((m.start(), m.end()))


def _repeat(low: str, marks: Marks, today: date) -> None:
    try:
        found = recurrence.find_phrase(low, today)
    except recurrence.RecurrenceError as exc:
        marks.problems.append(exc.detail)
        return
    if found and not marks.taken(*found.span):
        marks.rule, marks.start, marks.repeat_span = found.rule, found.start, found.span
        marks.spans.append(found.span)


def _due(low: str, marks: Marks, today: date, *, day_first: bool = True) -> None:
    masked = _masked(low, marks.spans)
    for hit in dates.find_dates(masked, today, day_first=day_first):
        if hit.value is not None and marks.due is None:
            marks.due = hit.value
            marks.spans.append((hit.start, hit.end))


# (name, reader) in order: labels and priority first (a "#1" or "!high" is never a date), then
# the repeat phrase (its "starting"/"until" dates belong to it), then the due date.
MARKS: list[tuple[str, Callable[..., None]]] = [("labels", _labels), ("priority", _priority), ("repeat", _repeat), ("due", _due)]


def masked(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with these spans blanked out (same length, so offsets still agree)."""
    return _masked(text, spans)


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def read_marks(low: str, today: date, *, day_first: bool = True, only: tuple[str, ...] | None = None) -> Marks:
    """The marks in `low` (lower-cased text), by the rows of MARKS (or the ones named in `only`)."""
    marks = Marks()
    for name, reader in MARKS:
        if only is None or name in only:
            if name == "due":
                reader(low, marks, today, day_first=day_first)
            else:
                reader(low, marks, today)
    return marks


def _lower(text: str) -> str:
    low = text.lower()
    # A few characters change length when lower-cased ("İ"); spans must index both texts alike.
    return low if len(low) == len(text) else "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


@dataclass
class QuickAdd:
    title: str
    due_date: date | None
    recurrence: str
    recurrence_from_completion: bool
    recurrence_text: str
    labels: list[str]
    priority: str
    problems: list[str]

    def preview(self) -> dict:
        return {
            "title": self.title,
            "due_date": self.due_date,
            "recurrence": self.recurrence,
            "recurrence_text": self.recurrence_text,
            "labels": self.labels,
            "priority": self.priority,
            "problems": self.problems,
        }

    def service_fields(self) -> dict:
        """Keyword arguments for tasks.services.task_create (the owner and source aside)."""
        rule = recurrence.Rule(self.recurrence, self.recurrence_from_completion) if self.recurrence else None
        return {"title": self.title, "due_date": self.due_date, "recurrence": rule, "labels": self.labels, "priority": self.priority}


def parse(text: str, today: date, *, day_first: bool = True) -> QuickAdd:
    """One line to a task's fields; `problems` lists what could not be read (an empty title, a
    repeat phrase that is not a rule, a bad label name)."""
    low = _lower(text)
    marks = read_marks(low, today, day_first=day_first)
    spans = [*marks.spans, *dates.find_times(_masked(low, marks.spans))]
    title = dates.cut_spans(text, spans).strip(" ,;:-")
    title = re.sub(r"(?:\s+(?:on|by|due|at|from|and))+$", "", title, flags=re.I)
    title = title[:1].upper() + title[1:]
    problems = list(marks.problems)
    if not title:
        problems.append("The task needs a title besides the date, repeat, labels and priority.")
    elif len(title) > TITLE_MAX:
        problems.append(f"The title is {len(title)} characters long; at most {TITLE_MAX} fit.")
    try:
        labels = clean_names(marks.labels)
    except LabelError as exc:
        labels, problems = [], [*problems, exc.detail]
    due = marks.due
    rule_text = rule_words = ""
    from_completion = False
    if marks.rule is not None:
        start = marks.start or due or today
        due = recurrence.first_on_or_after(marks.rule.rrule, start)
        rule_text, rule_words, from_completion = marks.rule.rrule, marks.rule.text, marks.rule.from_completion
        if due is None:
            problems.append(f"“{rule_words}” has no date on or after {start.isoformat()}.")
    return QuickAdd(
        title=title,
        due_date=due,
        recurrence=rule_text,
        recurrence_from_completion=from_completion,
        recurrence_text=rule_words,
        labels=labels,
        priority=marks.priority or Priority.MEDIUM.value,
        problems=problems,
    )
