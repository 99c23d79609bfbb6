"""Terminal output: ``--format text`` (rich). Reports draw themselves with ``render_text(console)``."""

from __future__ import annotations

import io
import os
from typing import Any

import attrs
from rich.console import Console

from mipr_rules import hookimpl


def console_for(stream: io.StringIO) -> Console:
    """A console writing to ``stream``: colour only when asked for (``FORCE_COLOR``), width 110."""
    return Console(
        file=stream,
        width=int(os.environ.get("COLUMNS", 110)),
        force_terminal=bool(os.environ.get("FORCE_COLOR")),
        no_color=bool(os.environ.get("NO_COLOR")),
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
