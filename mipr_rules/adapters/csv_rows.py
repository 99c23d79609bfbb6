"""Reading one CSV file record by record, so that a malformed row is skipped alone, with its line number.

A record normally is one physical line. A quoted cell may span lines only in the columns the layout
allows (free text such as descriptions), and only for up to ``MAX_RECORD_LINES`` lines. A record that
is not well formed (a quote not closed, text after a closing quote, a cell longer than ``MAX_FIELD``, a
line break where none is allowed, the wrong number of cells) is reported at its first physical line,
and reading resumes at the next line: one bad quote never swallows the rows after it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterator

import attrs

MAX_FIELD = 131_072
"""Longest cell accepted, in characters (the ``csv`` module's default field size limit)."""
MAX_RECORD_LINES = 100
"""Most physical lines one record (a quoted cell with line breaks) may span."""

_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")


@attrs.frozen
class Record:
    """One record of a CSV file: its cells, or why it is malformed."""

    line: int
    """Its first physical line (1-based)."""
    cells: tuple[str, ...] = ()
    """The cells (empty if malformed)."""
    problem: str | None = None
    """Why it is malformed (never its content)."""
    column: int | None = None
    """Index of the cell the problem is in, where known."""


def _long_cell(text: str) -> int | None:
    """Index of the first cell of ``text`` (one record's lines) longer than ``MAX_FIELD``, by a quote-aware count."""
    index = length = 0
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            index, length = index + 1, 0
            continue
        elif char in "\r\n" and not quoted:
            return None
        length += 1
        if length > MAX_FIELD:
            return index
    return None


def records(text: str, multiline: Collection[str] = ()) -> Iterator[Record]:
    """The records of ``text``, the header row first, blank lines left out.

    Every record must have as many cells as the header; ``multiline`` names the columns whose cells may
    contain line breaks.
    """
    width: int | None = None
    allowed: set[int] = set()
    lines = _LINE.findall(text)
    count = len(lines)
    start = 0  # index of the first line of the record being read

    def feed(begin: int) -> Iterator[str]:
        k = begin
        while k < count and k - start < MAX_RECORD_LINES:
            yield lines[k]
            k += 1

    pos = 0
    while pos < count:
        reader = csv.reader(feed(pos), strict=True)
        base = pos
        pos = count
        while True:
            start = base + reader.line_num
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                long = _long_cell("".join(lines[start : start + MAX_RECORD_LINES]))
                if long is not None:
                    yield Record(start + 1, problem=f"cell longer than {MAX_FIELD} characters", column=long)
                elif "end of data" in str(exc):
                    yield Record(start + 1, problem="quote not closed")
                else:
                    yield Record(start + 1, problem="not valid CSV (a quote inside a cell that is not quoted?)")
                pos = start + 1
                break
            end = base + reader.line_num
            if not row:
                continue
            long = next((i for i, cell in enumerate(row) if len(cell) > MAX_FIELD), None)
            if long is not None:
                yield Record(start + 1, problem=f"cell longer than {MAX_FIELD} characters", column=long)
                continue
            if end - start > 1:
                broken = [i for i, cell in enumerate(row) if ("\n" in cell or "\r" in cell) and i not in allowed]
                if broken or (width is not None and len(row) != width):
                    yield Record(
                        start + 1, problem="quote not closed on this line", column=broken[0] if broken else None
                    )
                    pos = start + 1
                    break
            if width is None:
                width = len(row)
                allowed = {i for i, name in enumerate(row) if name.strip() in multiline}
            elif len(row) != width:
                yield Record(start + 1, problem=f"{len(row)} cells, the header has {width} columns")
                continue
            yield Record(start + 1, tuple(row))
