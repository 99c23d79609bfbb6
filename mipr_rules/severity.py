"""Severities of rules and results, least to most severe, and the one set of helpers that compare them."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["SEVERITIES", "at_or_above", "rank", "worst"]

SEVERITIES = ("info", "low", "medium", "high", "critical")
"""Every severity a rule may have, least severe first."""


def rank(severity: str) -> int:
    """Position of ``severity`` in ``SEVERITIES`` (0 for ``info``); -1 for a value that is not a severity."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def worst(severities: Iterable[str]) -> str | None:
    """The most severe of ``severities``; ``None`` when there are none."""
    found = list(severities)
    return max(found, key=rank) if found else None


def at_or_above(severities: Iterable[str], floor: str | None) -> bool:
    """Whether any of ``severities`` is at or above ``floor`` (never, when ``floor`` is ``None``)."""
    if floor is None:
        return False
    least = rank(floor)
    return any(rank(s) >= least for s in severities)
