"""Due dates in everyday English, resolved against the user's "today".

Plain regular expressions plus python-dateutil's relativedelta: no dateparser, so a whole
turn stays in the low milliseconds.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "weds": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}
# Abbreviations that are also ordinary words only count after "on", "by", "next"...
_AMBIGUOUS_WEEKDAYS = {"sat", "sun", "wed", "mon"}
MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2, "couple of": 2, "a couple": 2,
    "a few": 3, "few": 3,
}


@dataclass(frozen=True)
class DateHit:
    start: int
    end: int
    value: date | None  # the resolved date
    shift_days: int | None = None  # "by 2 days": relative to the task's current date


_PREP = r"(?P<prep>(?:due(?:\s+(?:on|by|date(?:\s+(?:is|to|of))?))?|by|on|for|until|till|til|before|to|from|starting|no later than)\s+)?"
_NUM = r"(?P<n>\d{1,3}|a couple of|a couple|couple of|a few|few|an|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_MONTH = r"(?P<mon>january|february|march|april|may|june|july|august|september|sept|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)"
_WD = r"(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs|thur|weds|mon|tue|wed|thu|fri|sat|sun)"
_ORD = r"(?:st|nd|rd|th)?"

_CORES: list[tuple[str, str]] = [
    ("after_tomorrow", r"(?:the\s+)?day\s+after\s+tomorrow"),
    ("tomorrow", r"tomorrow(?:\s+(?:morning|afternoon|evening|night))?"),
    ("today", r"today|tonight|this\s+(?:morning|afternoon|evening)|later\s+today|(?:the\s+)?end\s+of\s+(?:the\s+)?day|eod"),
    ("yesterday", r"yesterday"),
    ("in_n", r"in\s+" + _NUM + r"\s+(?P<unit>days?|weeks?|months?|years?)"),
    ("n_from_now", _NUM + r"\s+(?P<unit>days?|weeks?|months?)\s+from\s+(?:now|today)"),
    ("eom_next", r"(?:the\s+)?end\s+of\s+next\s+month"),
    ("eom", r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|month[-\s]end|eom"),
    ("eow", r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?week|eow"),
    ("eoy", r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?year"),
    ("next_weekend", r"next\s+weekend"),
    ("weekend", r"(?:this\s+|the\s+)?weekend"),
    ("next_week", r"next\s+week"),
    ("next_month", r"next\s+month"),
    ("next_year", r"next\s+year"),
    ("weekday", r"(?P<mod>this\s+coming\s+|this\s+|next\s+|coming\s+)?" + _WD),
    ("iso", r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    ("month_day", _MONTH + r"\.?\s+(?:the\s+)?(?P<d>\d{1,2})" + _ORD + r"(?:,?\s+(?P<y>\d{4}))?"),
    ("day_month", r"(?:the\s+)?(?P<d>\d{1,2})" + _ORD + r"\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(?P<y>\d{4}))?"),
    ("numeric", r"(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?:[/.](?P<y>\d{4}|\d{2}))?"),
    ("day_of_month", r"the\s+(?P<d>\d{1,2})(?:st|nd|rd|th)"),
]
_PATTERNS = [
    (kind, re.compile(r"(?<![\w#/.-])" + _PREP + r"(?:" + core + r")(?![\w/])")) for kind, core in _CORES
]
_SHIFT = re.compile(
    r"(?<![\w])(?:by|for)\s+" + _NUM + r"\s+(?P<unit>days?|weeks?)(?![\w])"
)
_TIME_RES = [
    re.compile(r"\s*\b(?:at|@|by|around|before|after|from)?\s*\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)(?![\w])"),
    re.compile(r"\s*\b(?:at|@|around)\s+\d{1,2}(?::\d{2})?\b(?!\s*(?:days?|weeks?|[/.-]))"),
    re.compile(r"\s*\b\d{1,2}:\d{2}\b"),
    re.compile(r"\s*\b(?:at|around|by)\s+(?:noon|midnight|lunchtime)\b"),
    re.compile(r"\s*\bin\s+the\s+(?:morning|afternoon|evening)\b"),
]


def _number(word: str) -> int:
    word = re.sub(r"\s+", " ", word)
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word, 1)


def next_weekday(today: date, weekday: int, *, allow_today: bool = False) -> date:
    """The next date falling on `weekday` (0=Monday), strictly after today unless allowed."""
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and not allow_today:
        ahead = 7
    return today + timedelta(days=ahead)


def weekday_next_week(today: date, weekday: int) -> date:
    """'next monday': that day in the following Monday-to-Sunday week."""
    monday_next = today + timedelta(days=7 - today.weekday())
    return monday_next + timedelta(days=weekday)


def end_of_month(today: date) -> date:
    return today.replace(day=calendar.monthrange(today.year, today.month)[1])


def weekend(today: date) -> date:
    return today if today.weekday() >= 5 else next_weekday(today, 5)


def end_of_week(today: date) -> date:
    return next_weekday(today, 4, allow_today=True) if today.weekday() <= 4 else next_weekday(today, 6, allow_today=True)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _upcoming(today: date, month: int, day: int, year: int | None) -> date | None:
    """A month/day without a year means its next occurrence (today counts)."""
    if year is not None:
        if year < 100:
            year += 2000
        return _safe_date(year, month, day)
    found = _safe_date(today.year, month, day)
    if found is None or found < today:
        found = _safe_date(today.year + 1, month, day)
    return found


def _shift(today: date, n: int, unit: str) -> date:
    if unit.startswith("day"):
        return today + timedelta(days=n)
    if unit.startswith("week"):
        return today + timedelta(weeks=n)
    if unit.startswith("month"):
        return today + relativedelta(months=n)
    return today + relativedelta(years=n)


def _resolve(kind: str, m: re.Match[str], today: date, day_first: bool) -> date | None:
    g = m.groupdict()
    if kind == "after_tomorrow":
        return today + timedelta(days=2)
    if kind == "tomorrow":
        return today + timedelta(days=1)
    if kind == "today":
        return today
    if kind == "yesterday":
        return today - timedelta(days=1)
    if kind in ("in_n", "n_from_now"):
        return _shift(today, _number(g["n"]), g["unit"])
    if kind == "eom":
        return end_of_month(today)
    if kind == "eom_next":
        return end_of_month(today + relativedelta(months=1, day=1))
    if kind == "eow":
        return end_of_week(today)
    if kind == "eoy":
        return date(today.year, 12, 31)
    if kind == "weekend":
        return weekend(today)
    if kind == "next_weekend":
        return weekday_next_week(today, 5)
    if kind == "next_week":
        return weekday_next_week(today, 0)
    if kind == "next_month":
        return today + relativedelta(months=1, day=1)
    if kind == "next_year":
        return date(today.year + 1, 1, 1)
    if kind == "weekday":
        word = g["wd"]
        mod = (g.get("mod") or "").strip()
        if word in _AMBIGUOUS_WEEKDAYS and not mod and not g.get("prep"):
            return None
        wd = WEEKDAYS[word]
        if mod == "next":
            return weekday_next_week(today, wd)
        return next_weekday(today, wd, allow_today=mod == "this")
    if kind == "iso":
        return _safe_date(int(g["y"]), int(g["m"]), int(g["d"]))
    if kind in ("month_day", "day_month"):
        return _upcoming(today, MONTHS[g["mon"]], int(g["d"]), int(g["y"]) if g.get("y") else None)
    if kind == "numeric":
        if g["sep"] == "." and not g.get("prep") and not g.get("y"):
            return None  # "1.5" is a number more often than a date
        a, b = int(g["a"]), int(g["b"])
        if a > 12:
            day, month = a, b
        elif b > 12:
            month, day = a, b
        else:
            day, month = (a, b) if day_first else (b, a)
        if not (1 <= month <= 12):
            return None
        return _upcoming(today, month, day, int(g["y"]) if g.get("y") else None)
    if kind == "day_of_month":
        day = int(g["d"])
        found = _safe_date(today.year, today.month, day)
        if found is None or found < today:
            nxt = today + relativedelta(months=1, day=1)
            found = _safe_date(nxt.year, nxt.month, day)
        return found
    return None


def find_dates(text: str, today: date, *, day_first: bool = True) -> list[DateHit]:
    """Every date phrase in `text` (lowercase), left to right, without overlaps (longest wins)."""
    hits: list[DateHit] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            value = _resolve(kind, m, today, day_first)
            if value is not None:
                hits.append(DateHit(m.start(), m.end(), value))
    for m in _SHIFT.finditer(text):
        hits.append(DateHit(m.start(), m.end(), None, shift_days=_number(m.group("n")) * (7 if m.group("unit").startswith("week") else 1)))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[DateHit] = []
    for hit in hits:
        if kept and hit.value and kept[-1].value and kept[-1].end <= hit.start and not text[kept[-1].end : hit.start].strip(" ,"):
            # "thursday the 3rd", "friday, jan 15": one date said twice; the precise part wins.
            kept[-1] = DateHit(kept[-1].start, hit.end, hit.value)
            continue
        if kept and hit.start < kept[-1].end:
            if hit.end - hit.start > kept[-1].end - kept[-1].start and hit.start == kept[-1].start:
                kept[-1] = hit
            continue
        kept.append(hit)
    return kept


def find_times(text: str) -> list[tuple[int, int]]:
    """Clock times ("at 5pm"): tasks keep no time, so these are only cut out of titles."""
    spans = []
    for pattern in _TIME_RES:
        spans.extend((m.start(), m.end()) for m in pattern.finditer(text))
    return spans


def cut_spans(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return re.sub(r"\s+", " ", text).strip()


def day_first_for(timezone: str) -> bool:
    """Whether 05/01 means 5 January: month-first only in the Americas' US-style zones."""
    return not (timezone.startswith("America/") or timezone.startswith("US/") or timezone in ("Pacific/Honolulu",))


def short_day(value: date) -> str:
    """"Sat, Dec 5": how replies name a day that has no nearer word."""
    return f"{value.strftime('%a')}, {value.strftime('%b')} {value.day}"


def format_due(value: date | None, today: date) -> str:
    if value is None:
        return "no due date"
    delta = (value - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    text = short_day(value)
    if value.year != today.year:
        text += f", {value.year}"
    return text
