"""Terminal output: ``--format text`` (rich). Reports draw themselves with ``render_text(console)``."""

from __future__ import annotations

import io
import os
import sys
from typing import IO, Any

import attrs
from rich.console import Console

from mipr_rules import hookimpl

DEFAULT_WIDTH = 110
"""Width of text written to a file or a pipe (``COLUMNS`` overrides it)."""


def console_for(stream: io.StringIO, target: IO[str] | None = None) -> Console:
    """A console writing to ``stream`` text meant for ``target`` (standard output by default).

    Colour and width are detected on ``target`` as rich does: a terminal gets colour (unless ``NO_COLOR``
    is set) and its own width; a file or pipe gets no colour (unless ``FORCE_COLOR`` is set) and
    ``COLUMNS`` or ``DEFAULT_WIDTH`` columns.
    """
    target = target or sys.stdout
    probe = Console(file=target)
    terminal = probe.is_terminal  # a TTY, or FORCE_COLOR (rich's rules, TERM=dumb and NO_COLOR included)
    columns = os.environ.get("COLUMNS", "")
    is_tty = bool(getattr(target, "isatty", lambda: False)())
    width = probe.width if is_tty else int(columns) if columns.isdigit() and int(columns) > 0 else DEFAULT_WIDTH
    return Console(
        file=stream,
        width=width,
        force_terminal=terminal,
        color_system="auto" if probe.color_system else None,  # the same detection, on the same TERM
        no_color=probe.no_color,
        highlight=False,
        soft_wrap=False,
    )


@attrs.frozen
class TextOutput:
    name: str = "text"
    description: str = "Readable terminal summary"

    def render(self, report: Any) -> str:
        stream = io.StringIO()
        report.render_text(console_for(stream))
        return stream.getvalue()


@hookimpl
def mipr_register_outputs(register: Any) -> None:
    register(TextOutput())
