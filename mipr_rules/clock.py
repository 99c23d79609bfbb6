"""The one clock: where mipr-rules reads today's date when no as-of date is given.

Commands call ``clock.today()`` only when ``--as-of`` is absent; nothing else reads the wall clock (DESIGN §2
"Time is an input"). Tests and embedding programs set it with ``clock.frozen(day)`` (a context manager) or
``clock.freeze(day)`` / ``clock.unfreeze()``; the pytest plugin's ``mipr_as_of`` fixture does exactly that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["freeze", "frozen", "today", "unfreeze"]

_frozen: dt.date | None = None


def today() -> dt.date:
    """Today's date, or the frozen date while one is set."""
    return _frozen if _frozen is not None else dt.date.today()


def freeze(day: dt.date | None) -> dt.date | None:
    """Make ``today()`` return ``day`` (``None``: the wall clock again); returns the previous frozen date."""
    global _frozen
    previous, _frozen = _frozen, day
    return previous


def unfreeze() -> None:
    """Make ``today()`` read the wall clock again."""
    freeze(None)


@contextmanager
def frozen(day: dt.date) -> Iterator[dt.date]:
    """While the block runs, ``today()`` returns ``day``; the previous setting is restored afterwards."""
    previous = freeze(day)
    try:
        yield day
    finally:
        freeze(previous)
