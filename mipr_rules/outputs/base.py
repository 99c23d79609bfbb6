"""The output protocol."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Output(Protocol):
    """Renders a report (readiness, timeline, review...) for people or machines."""

    name: str
    """Name used with ``--format``."""
    description: str
    """One line for ``mipr plugins``."""

    def render(self, report: Any) -> str:
        """The report as text (terminal text, JSON, HTML...)."""
        ...
