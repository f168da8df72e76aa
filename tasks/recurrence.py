"""Repeating tasks: phrases ("every month on the 1st") to RFC 5545 RRULEs, RRULEs to words, and
the dates a rule gives.

A task keeps its rule as RRULE text without DTSTART ("FREQ=WEEKLY;BYDAY=MO"): the start is the
task's due date, and each completion moves the due date to the rule's next date after it (from
the completion day instead with "every!"). python-dateutil's rrule does the date math.

Tasks have dates, not times, so the rule runs on naive midnights: a DST change in the person's
zone cannot move an occurrence. What the zone does decide is "today" (the first date of a rule
set without a due date, and the completion day of "every!"), which callers pass in as the
person's local date.

The phrase reader is a table (ROWS): each phrasing one named row, tried in order at the place
the phrase starts; a new phrasing is one row and one eval case.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil.rrule import rrulestr

from core.dates import MONTHS, NUMBER_WORDS, WEEKDAYS, find_dates, short_day
from core.errors import ApplicationError

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FREQS = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
# Parts of RFC 5545 a task's rule may use. Times (BYHOUR...) mean nothing for a task with a date.
ALLOWED_PARTS = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "COUNT", "UNTIL", "WKST")
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1}
MAX_RULE_CHARS = 255
# How far ahead a rule may look for its next date: a rule that has none within this many
# occurrences' search (BYMONTHDAY=31;BYMONTH=2) is refused rather than looping.
_HORIZON_YEARS = 30


class RecurrenceError(ApplicationError):
    """A repeat phrase or rule that cannot be read: the 400 says which part."""

    code = "invalid_recurrence"
    status = 400


@dataclass(frozen=True)
class Rule:
    """A task's repeat: the RRULE text and whether it counts from completion ("every!")."""

    rrule: str
    from_completion: bool = False

    @property
    def text(self) -> str:
        return describe(self.rrule, self.from_completion)


@dataclass(frozen=True)
class ParsedPhrase:
    rule: Rule
    start: date | None  # "starting <date>": the first date may not be before it
    span: tuple[int, int]  # where the phrase was in the text


# --- the phrase table ---

_WD = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs|thur|weds|mon|tue|wed|thu|fri|sat|sun)s?"
_WD_LIST = rf"(?P<days>{_WD}(?:\s*(?:,|and|&|,\s*and)\s*{_WD})*)"
_N = r"(?P<n>\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"


def _daynum(suffix: str = "") -> str:
    return rf"(?P<d{suffix}>\d{{1,2}})(?:st|nd|rd|th)?"


def _mon(suffix: str = "") -> str:
    return rf"(?P<mon{suffix}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"


_MONTH_WORD = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_ORD = r"(?P<ord>first|second|third|fourth|last|1st|2nd|3rd|4th)"
_UNIT = r"(?P<unit>day|week|month|year)s?"
# A date of the year: "dec 24", "24 dec", "the 24th of december".
_DATE_OF_YEAR = rf"(?:{_mon()}\s+{_daynum()}|(?:the\s+)?{_daynum('2')}\s+(?:of\s+)?{_mon('2')})"
# What may follow "every week" / "every month" / "every year" to pin the day.
_TAIL = (
    rf"(?:\s+on\s+(?:the\s+)?(?:{_ORD}\s+(?P<owd>{_WD})|(?P<lastday>last\s+day)|{_DATE_OF_YEAR}"
    rf"|{_daynum('3')}(?!\s*(?:[/.]|{_MONTH_WORD}))|{_WD_LIST}))?"
)


def _days(text: str) -> list[str]:
    words = re.findall(_WD, text)
    codes = []
    for word in words:
        code = DAY_CODES[WEEKDAYS[word.rstrip("s") if word.rstrip("s") in WEEKDAYS else word]]
        if code not in codes:
            codes.append(code)
    return sorted(codes, key=DAY_CODES.index)


def _num(word: str | None) -> int:
    if not word:
        return 1
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def _monthday(day: int) -> dict[str, str]:
    """The 29th-31st fall back to the month's last day in shorter months (as Todoist does),
    written the RFC 5545 way: the last of those days the month has."""
    if day > 28:
        return {"BYMONTHDAY": ",".join(str(d) for d in range(28, day + 1)), "BYSETPOS": "-1"}
    return {"BYMONTHDAY": str(day)}


def _check_day(day: int, month: int | None = None) -> None:
    limit = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}.get(month or 0, 31)
    if not 1 <= day <= limit:
        where = f" in {MONTH_NAMES[month - 1]}" if month else " in a month"
        raise RecurrenceError(f"There is no day {day}{where}.")


def _tail(g: dict, freq: str) -> dict[str, str]:
    """The parts the optional 'on ...' after a unit pins."""
    g = {**g, "mon": g.get("mon") or g.get("mon2"), "d": g.get("d") or g.get("d2") or g.get("d3")}
    if g.get("ord") and g.get("owd"):
        return {"FREQ": "MONTHLY", "BYDAY": f"{ORDINALS[g['ord']]}{_days(g['owd'])[0]}"}
    if g.get("mon"):
        day = int(g["d"])
        _check_day(day, MONTHS[g["mon"]])
        return {"FREQ": "YEARLY", "BYMONTH": str(MONTHS[g["mon"]]), **_monthday(day)}
    if g.get("d"):
        _check_day(int(g["d"]))
        return {"FREQ": "MONTHLY", **_monthday(int(g["d"]))}
    if g.get("days"):
        return {"FREQ": "WEEKLY", "BYDAY": ",".join(_days(g["days"]))}
    if g.get("lastday"):
        return {"FREQ": "MONTHLY", "BYMONTHDAY": "-1"}
    return {}


def _unit_rule(g: dict) -> dict[str, str]:
    freq = FREQS[g["unit"]]
    parts = {"FREQ": freq, **_tail(g, freq)}
    if g.get("other"):
        parts["INTERVAL"] = "2"
    elif g.get("n"):
        parts["INTERVAL"] = str(_num(g["n"]))
    return parts


# (name, pattern after "every"/"every!", builder of the RRULE parts). Read in this order at the
# phrase's start; the first that matches wins, so longer phrasings come before their prefixes.
Row = tuple[str, str, Callable[[dict], dict[str, str]]]
ROWS: list[Row] = [
    ("weekday", r"(?:week|work|business)\s*days?", lambda g: {"FREQ": "WEEKLY", "BYDAY": "MO,TU,WE,TH,FR"}),
    ("weekend", r"weekends?(?:\s+day)?", lambda g: {"FREQ": "WEEKLY", "BYDAY": "SA,SU"}),
    ("last_day", r"(?:the\s+)?last\s+day\s+of\s+(?:the|each|every)\s+month|month\s+on\s+the\s+last\s+day|month[-\s]end",
     lambda g: {"FREQ": "MONTHLY", "BYMONTHDAY": "-1"}),
    ("nth_weekday", rf"(?:the\s+)?{_ORD}\s+(?P<owd>{_WD})(?:\s+of\s+(?:the|each|every)\s+month)?", lambda g: _tail(g, "MONTHLY")),
    ("other_weekday", rf"(?P<other>other|second|2nd)\s+{_WD_LIST}", lambda g: {"FREQ": "WEEKLY", "INTERVAL": "2", "BYDAY": ",".join(_days(g["days"]))}),
    ("weekdays", _WD_LIST, lambda g: {"FREQ": "WEEKLY", "BYDAY": ",".join(_days(g["days"]))}),
    ("units", rf"(?:(?P<other>other)\s+|{_N}\s+){_UNIT}{_TAIL}", _unit_rule),
    ("unit", rf"{_UNIT}{_TAIL}", _unit_rule),
    ("date_of_year", _DATE_OF_YEAR, lambda g: _tail(g, "YEARLY")),
    ("day_of_month", rf"(?:the\s+)?{_daynum()}(?:\s+(?:day\s+)?of\s+(?:the|each|every)\s+month)?(?!\s*(?:[/.]|{_MONTH_WORD}))",
     lambda g: _tail({"d": g["d"]}, "MONTHLY")),
]
# One-word forms: "daily", "weekly on monday", "monthly on the 15th", "fortnightly".
ADVERBS = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year", "annually": "year", "fortnightly": "week"}

_START = re.compile(r"(?<![\w#])(?P<head>every!|every|each|(?P<adverb>" + "|".join(ADVERBS) + r"))(?![\w])")
_COMPILED = [(name, re.compile(r"\s*!?\s+" + pattern + r"(?![\w])"), build) for name, pattern, build in ROWS]
_ADVERB_TAIL = re.compile(_TAIL + r"(?![\w])")
_AFTER_DONE = re.compile(r"\s+(?:after\s+(?:it\s+is|it's|it\s+was)\s+(?:done|completed|finished)|after\s+completion|from\s+completion)(?![\w])")
_BOUND = re.compile(r"\s+(?P<kw>starting(?:\s+on|\s+from)?|beginning(?:\s+on)?|from|until|till|ending(?:\s+on)?|through|up\s+to)\s+")


def find_phrase(text: str, today: date) -> ParsedPhrase | None:
    """The first repeat phrase in `text` (lowercase), with its 'starting' and 'until' dates.
    RecurrenceError when "every ..." is there but the rest cannot be read."""
    for start in _START.finditer(text):
        parts, end = _read_at(text, start)
        if parts is None:
            continue
        from_completion = start.group("head") == "every!" or text[start.end() : start.end() + 2].lstrip().startswith("!")
        # The words `describe` gives "every!": "every 3 days after it is done" reads back as it shows.
        after_done = _AFTER_DONE.match(text, end)
        if after_done:
            from_completion, end = True, after_done.end()
        starting, until, end = _bounds(text, end, today)
        if until is not None:
            parts["UNTIL"] = until.strftime("%Y%m%d")
        rule = Rule(_join(parts), from_completion)
        validate(rule.rrule)
        return ParsedPhrase(rule, starting, (start.start(), end))
    return None


# After "daily", "weekly"...: the end of the phrase. Anything else means the word is part of a
# title ("weekly planning every monday").
_ADVERB_END = re.compile(r"\s*(?:$|[#!,.;:)]|(?:starting|beginning|from|until|till|ending|through|on|at|by|due|tomorrow|today)\b)")


def _read_at(text: str, start: re.Match) -> tuple[dict[str, str] | None, int]:
    adverb = start.group("adverb")
    if adverb:
        m = _ADVERB_TAIL.match(text, start.end())
        if not _ADVERB_END.match(text, m.end()):
            return None, start.end()
        g = {**m.groupdict(), "unit": ADVERBS[adverb]}
        parts = _unit_rule(g)
        if adverb == "fortnightly":
            parts["INTERVAL"] = "2"
        return parts, m.end()
    for _name, pattern, build in _COMPILED:
        m = pattern.match(text, start.end())
        if m:
            return build(m.groupdict()), m.end()
    return None, start.end()


def _bounds(text: str, end: int, today: date) -> tuple[date | None, date | None, int]:
    starting = until = None
    for _ in range(2):
        m = _BOUND.match(text, end)
        if not m:
            break
        rest = text[m.end() :]
        following = _BOUND.search(rest)  # "starting jan 1 until mar 31": read one date at a time
        hits = find_dates(rest[: following.start()] if following else rest, today)
        if not hits or hits[0].start != 0 or hits[0].value is None:
            raise RecurrenceError(f"“{m.group('kw')} {text[m.end():].split(' ')[0]}”: a date must follow “{m.group('kw')}”.")
        if m.group("kw").startswith(("until", "till", "ending", "through", "up")):
            until = hits[0].value
        else:
            starting = hits[0].value
        end = m.end() + hits[0].end
    return starting, until, end


# --- RRULE text ---


def _split(rrule: str) -> dict[str, str]:
    text = rrule.strip().upper()
    text = text.removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for item in filter(None, text.split(";")):
        key, sep, value = item.partition("=")
        if not sep or not value:
            raise RecurrenceError(f"“{item}” is not a rule part (KEY=VALUE).")
        if key not in ALLOWED_PARTS:
            raise RecurrenceError(f"“{key}” is not supported in a task's rule; use {', '.join(ALLOWED_PARTS)}.")
        parts[key] = value
    return parts


def _join(parts: dict[str, str]) -> str:
    return ";".join(f"{key}={parts[key]}" for key in ALLOWED_PARTS if key in parts)


def validate(rrule: str) -> str:
    """The rule in canonical form; RecurrenceError naming what is wrong."""
    parts = _split(rrule)
    if parts.get("FREQ") not in FREQS.values():
        raise RecurrenceError(f"FREQ must be one of {', '.join(FREQS.values())} (a task repeats by days at the finest).")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RecurrenceError("A rule takes COUNT or UNTIL, not both.")
    text = _join(parts)
    if len(text) > MAX_RULE_CHARS:
        raise RecurrenceError(f"The rule is longer than {MAX_RULE_CHARS} characters.")
    try:
        rule = rrulestr(text, dtstart=datetime(2000, 1, 1))
        rule.after(datetime(2000, 1, 1), inc=True)
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise RecurrenceError(f"The rule “{rrule.strip()[:80]}” cannot be read: {exc}.") from None
    return text


def _rule(rrule: str, start: date):
    return rrulestr(rrule, dtstart=datetime.combine(start, time()))


def first_on_or_after(rrule: str, start: date) -> date | None:
    """The rule's first date on or after `start` (the due date a rule is set from)."""
    found = _rule(rrule, start).after(datetime.combine(start, time()), inc=True)
    return found.date() if found else None


def next_after(rule: Rule, *, due: date | None, today: date) -> date | None:
    """The due date after completing one occurrence; None when the rule has ended.

    From the due date (Todoist's rule), counting on from it; with "every!" from `today`, the
    completion day in the person's zone. When the task was left overdue, the next date is the
    first one after today, so ticking it off never leaves it overdue.
    """
    anchor = today if rule.from_completion or due is None else due
    candidate = _rule(rule.rrule, anchor).after(datetime.combine(anchor, time()), inc=False)
    if candidate is not None and candidate.date() <= today and anchor < today:
        candidate = _rule(rule.rrule, anchor).after(datetime.combine(today, time()), inc=False)
    if candidate is None or candidate.year > today.year + _HORIZON_YEARS:
        return None
    return candidate.date()


# --- words ---


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _day_words(byday: str) -> str | None:
    codes = byday.split(",")
    if codes == list(DAY_CODES[:5]):
        return "weekday"
    if all(c in DAY_CODES for c in codes):
        return _and([DAY_NAMES[DAY_CODES.index(c)] for c in codes])
    return None


def _monthday_words(parts: dict[str, str]) -> str | None:
    days = parts.get("BYMONTHDAY")
    if days is None:
        return None
    if days == "-1":
        return "the last day"
    values = days.split(",")
    if parts.get("BYSETPOS") == "-1" and values == [str(d) for d in range(28, int(values[-1]) + 1)] and len(values) > 1:
        return f"the {_ordinal(int(values[-1]))} (or the month's last day)"
    if len(values) == 1 and values[0].isdigit():
        return f"the {_ordinal(int(values[0]))}"
    return None


def describe(rrule: str, from_completion: bool = False) -> str:
    """The rule in words: "every Monday", "every 2 weeks", "every month on the 1st"."""
    if not rrule:
        return ""
    try:
        parts = _split(rrule)
    except RecurrenceError:
        return "repeats (custom rule)"
    freq = parts.get("FREQ", "")
    n = int(parts.get("INTERVAL", "1") or 1)
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}.get(freq)
    if unit is None:
        return "repeats (custom rule)"
    every = f"every {unit}" if n == 1 else ("every other " + unit if n == 2 and unit == "week" else f"every {n} {unit}s")
    byday = parts.get("BYDAY")
    text = None
    if freq in ("WEEKLY", "DAILY") and byday and not set(parts) - {"FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT", "WKST"}:
        words = _day_words(byday)
        if words:
            text = f"every {words}" if n == 1 else (f"every other {words}" if n == 2 else f"every {n} weeks on {words}")
    elif freq == "MONTHLY" and byday and "BYMONTHDAY" not in parts:
        m = re.fullmatch(r"([+-]?\d)(MO|TU|WE|TH|FR|SA|SU)", byday)
        if m:
            nth = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}.get(int(m.group(1)))
            if nth:
                text = f"{every} on the {nth} {DAY_NAMES[DAY_CODES.index(m.group(2))]}"
    elif freq == "MONTHLY" and not byday and "BYMONTH" not in parts:
        day = _monthday_words(parts)
        text = f"{every} on {day}" if day else (every if "BYMONTHDAY" not in parts else None)
    elif freq == "YEARLY" and not byday:
        month = parts.get("BYMONTH")
        day = _monthday_words(parts)
        days = parts.get("BYMONTHDAY", "").split(",")
        if month and month.isdigit() and day and days[-1].isdigit():
            text = f"{every} on {MONTH_NAMES[int(month) - 1]} {days[-1]}"
            if len(days) > 1:
                text += " (or the month's last day)"
        elif not month and "BYMONTHDAY" not in parts:
            text = every
    elif not byday and set(parts) <= {"FREQ", "INTERVAL", "UNTIL", "COUNT", "WKST"}:
        text = every
    if text is None:
        text = f"{every} (custom rule)"
    if from_completion:
        text += " after it is done"
    if "UNTIL" in parts:
        until = parts["UNTIL"][:8]
        if until.isdigit():
            text += f" until {short_day(date(int(until[:4]), int(until[4:6]), int(until[6:8])))}, {until[:4]}"
    elif "COUNT" in parts:
        text += f", {parts['COUNT']} times"
    return text


# --- what the services and the API take ---


def as_typed(rrule: str, from_completion: bool, today: date) -> str:
    """The repeat as a person would type it ("every 3 days after it is done") when those words
    read back as the same rule, else its RRULE text: both say "every!", which RRULE cannot."""
    if not rrule:
        return ""
    words = describe(rrule, from_completion)
    try:
        same = parse(words, today).rule == Rule(rrule, from_completion)
    except RecurrenceError:
        same = False
    return words if same else rrule


def is_rule_text(value: str) -> bool:
    """RRULE text ("FREQ=...", "RRULE:FREQ=..."), which cannot say "every!", rather than words."""
    return re.match(r"(?i)\s*(rrule:)?\s*freq\s*=", value) is not None


def parse(value: str, today: date) -> ParsedPhrase:
    """A rule as a person or a client gives it: RRULE text ("FREQ=WEEKLY;BYDAY=MO", with or
    without "RRULE:") or a phrase ("every 3 days", "every! week", "every monday until dec 1").
    RecurrenceError says what was not understood."""
    text = " ".join(value.strip().split())
    if is_rule_text(text):
        return ParsedPhrase(Rule(validate(text.replace(" ", ""))), None, (0, len(text)))
    lowered = text.lower()
    if not lowered.startswith(("every", "each", *ADVERBS)):
        lowered = "every " + lowered  # "3 days", "monday": the field is about repeating anyway
    found = find_phrase(lowered, today)
    if found is None or found.span != (0, len(lowered)):
        rest = lowered[found.span[1] :].strip() if found else lowered
        raise RecurrenceError(f"Could not read “{rest or text}” as a repeat; try “every 3 days”, “every monday”, “every month on the 1st”.")
    return found
