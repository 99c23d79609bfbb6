"""Words for people: UK dates ("2 November 2026"), durations with the right plural, readable messages.

Messages are filled by the engine from rule templates with record keys and raw counts (the JSON contract
keeps them so); the text and HTML reports show them through ``readable_message``, which swaps record keys
for pseudonymous labels, hours for days, ISO dates for UK dates and fixes singulars ("1 day").
"""

from __future__ import annotations

import datetime as dt
import re

from mipr_rules.outputs.labels import subject_label

_UNITS = {"days": ("day", "days"), "working_days": ("working day", "working days"),
          "months": ("month", "months"), "weeks": ("week", "weeks")}


def uk_date(day: dt.date) -> str:
    """``2 November 2026``."""
    return f"{day.day} {day:%B %Y}"


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 day``, ``2 days``, ``0 days``."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def duration(count: int, unit: str = "days") -> str:
    """A duration in ``days``, ``working_days``, ``weeks`` or ``months`` (hours are shown as days)."""
    if unit == "hours":
        count, unit = count // 24, "days"
    one, many = _UNITS.get(unit, (unit.rstrip("s"), unit))
    return plural(count, one, many)


def relative(day: dt.date, as_of: dt.date) -> str:
    """``today``, ``tomorrow``, ``in 3 days``, ``yesterday``, ``5 days ago``."""
    delta = (day - as_of).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    return f"in {duration(delta)}" if delta > 0 else f"{duration(-delta)} ago"


_HOURS_AGO = re.compile(r"\b(\d+) hours ago\b")
_ONE = re.compile(r"\b1 (days|working days|months|weeks|hours|years)\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
_DOUBLED = re.compile(r"\b(\w+(?: \w+)?) (?=\1\b)", re.IGNORECASE)


def _hours(match: re.Match[str]) -> str:
    hours = int(match.group(1))
    return "less than a day ago" if hours < 24 else f"{duration(hours, 'hours')} ago"


def _iso(match: re.Match[str]) -> str:
    try:
        return uk_date(dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
    except ValueError:
        return match.group(0)


def readable_message(message: str, subject: str) -> str:
    """``message`` for a person to read: labels for record keys, days for hours, UK dates, right plurals."""
    text = message
    if subject and subject in text:
        owner = subject_label(subject)
        if "/" in subject:
            text = text.replace(subject, f"of {owner}")
        else:  # inside a sentence the kind is a common noun: "Death incident INC-0901"
            at_start = text.startswith(subject)
            text = text.replace(subject, owner[:1].lower() + owner[1:])
            if at_start:
                text = owner + text[len(owner):]
    text = _HOURS_AGO.sub(_hours, text)
    text = _ISO.sub(_iso, text)
    text = _ONE.sub(lambda m: "1 " + _UNITS.get(m.group(1).replace(" ", "_"), (m.group(1)[:-1],))[0], text)
    text = _SNAKE.sub(lambda m: m.group(0).replace("_", " "), text)
    text = _DOUBLED.sub("", text)
    return text[:1].upper() + text[1:]
