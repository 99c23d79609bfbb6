"""The change cursor: the high-water mark of ``updated_at`` an incremental read starts after.

A cursor is an ISO 8601 date-time (``2024-06-01T09:30:00.123456``, with an offset if the database's
``updated_at`` columns carry one). A read returns the cursor to pass next time: the largest ``updated_at``
in the database when the read began, taken in the same transaction as the rows read.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mipr_rules.errors import InputError


def parse_cursor(value: str | dt.datetime | dt.date, where: str) -> dt.datetime:
    """A cursor from text (ISO date or date-time) or a date; an ``InputError`` naming ``where`` otherwise."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{where}: expected a date-time (YYYY-MM-DDTHH:MM:SS)") from None


def format_cursor(value: dt.datetime) -> str:
    """The cursor as text."""
    return value.isoformat()


def database_time(value: Any, where: str) -> dt.datetime | None:
    """An ``updated_at`` value as the driver returned it (SQLite gives text) as a date-time."""
    if value is None:
        return None
    if isinstance(value, (str, dt.date)):
        return parse_cursor(value, where)
    raise InputError(f"{where}: expected a date-time column")


def _comparable(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def latest(values: Iterable[dt.datetime | None]) -> dt.datetime | None:
    """The latest of some date-times (``None`` ignored); aware ones compare by their UTC time."""
    present = [value for value in values if value is not None]
    return max(present, key=_comparable) if present else None


def read_cursor_file(path: str) -> dt.datetime | None:
    """The cursor stored in ``path``; ``None`` if the file does not exist yet (the first read)."""
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the cursor file ({exc.strerror})") from None
    return parse_cursor(text, f"{path}: cursor file") if text else None


def write_cursor_file(path: str, value: dt.datetime) -> None:
    """Store ``value`` in ``path`` atomically (a crash leaves the old cursor, never half a new one)."""
    target = Path(path)
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent or ".", prefix=f".{target.name}.", delete=False
        ) as handle:
            handle.write(format_cursor(value) + "\n")
        os.replace(handle.name, target)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the cursor file ({exc.strerror})") from None
