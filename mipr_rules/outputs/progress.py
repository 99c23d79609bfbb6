"""Progress of long runs on a terminal's standard error: a bar with counts and the time left.

Shown only when standard error is a terminal (as ``rich`` detects it) and the output is not JSON (or
another machine format); never when ``MIPR_RULES_NO_PROGRESS`` is set. Elsewhere ``progress`` gives a
tracker that does nothing, so callers need no conditions of their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

NO_PROGRESS_ENV = "MIPR_RULES_NO_PROGRESS"
"""Set to anything to never show progress bars."""
PEOPLE_FORMATS = ("text", "html")
"""Output formats for people; a bar is never shown with any other (JSON, JUnit…)."""


class Tracker(Protocol):
    """Counts work done."""

    def advance(self, count: int = 1) -> None:
        """``count`` more items done."""

    def total(self, total: int | None) -> None:
        """How many items there are, once known."""


class _Silent:
    def advance(self, count: int = 1) -> None:
        """Nothing to show."""

    def total(self, total: int | None) -> None:
        """Nothing to show."""


class _Bar:
    def __init__(self, progress: Progress, task: int) -> None:
        self._progress, self._task = progress, task

    def advance(self, count: int = 1) -> None:
        self._progress.advance(self._task, count)  # type: ignore[arg-type]

    def total(self, total: int | None) -> None:
        self._progress.update(self._task, total=total)  # type: ignore[arg-type]


def stderr_console() -> Console:
    """A console on standard error, detecting the terminal, its width and colours as rich does."""
    return Console(stderr=True)


def wanted(fmt: str = "text", console: Console | None = None) -> bool:
    """Whether a progress bar should be shown for output format ``fmt``."""
    if os.environ.get(NO_PROGRESS_ENV) or fmt not in PEOPLE_FORMATS:
        return False
    return (console or stderr_console()).is_terminal


@contextmanager
def progress(description: str, total: int | None = None, fmt: str = "text") -> Iterator[Tracker]:
    """A progress bar for ``description`` (removed when done), or a silent tracker when none is wanted."""
    console = stderr_console()
    if not wanted(fmt, console):
        yield _Silent()
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("·"),
        TimeElapsedColumn(),
        TextColumn("· left"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    with bar:
        yield _Bar(bar, bar.add_task(description, total=total))
