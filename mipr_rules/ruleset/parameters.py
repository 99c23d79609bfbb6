"""Parameter values checked against their declarations: one path for defaults, ``--config``, the API and tests.

A declaration gives ``type`` and, optionally, ``items`` (the type of a list's items or a mapping's
values) and ``minimum``/``maximum`` (bounds of a number, or of each number in a list or mapping).
Every value must also be of a plausible size, declared or not: numbers finite and within
``±LARGEST_NUMBER``, text at most ``LONGEST_TEXT`` characters, lists and mappings at most ``MOST_ITEMS``
entries, dates between ``EARLIEST_DATE`` and ``LATEST_DATE``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from difflib import get_close_matches
from typing import Any

from mipr_rules.errors import ConfigError, MiprRulesError
from mipr_rules.ruleset.schema import Parameter, Ruleset

SCALAR_TYPES = ("integer", "number", "boolean", "string", "date")
"""Types a list item or mapping value (``items``) may have."""
LARGEST_NUMBER = 10**12
"""Largest magnitude of any numeric parameter value (the engine compares doubles)."""
LONGEST_TEXT = 1_000
"""Longest text parameter value, in characters."""
MOST_ITEMS = 1_000
"""Most items in a list or mapping parameter."""
EARLIEST_DATE = dt.date(1900, 1, 1)
"""Earliest date parameter value."""
LATEST_DATE = dt.date(2199, 12, 31)
"""Latest date parameter value."""

Fail = Callable[..., Exception]
"""Called with the message, returns the exception to raise."""


def _kind_of(value: Any) -> str:
    return type(value).__name__


def _shown(value: float) -> str:
    return f"{value:g}" if abs(value) < 10**15 else "the value"


def _check_scalar(kind: str, value: Any, param: Parameter, fail: Fail, what: str) -> None:
    if kind in ("integer", "number"):
        ok = isinstance(value, int) if kind == "integer" else isinstance(value, (int, float))
        if not ok or isinstance(value, bool):
            raise fail(f"{what}expected {kind}, got {_kind_of(value)}")
        if not math.isfinite(value):
            raise fail(f"{what}expected a finite {kind}")
        if param.minimum is not None and value < param.minimum:
            raise fail(f"{what}{_shown(value)} is below the minimum {param.minimum:g}")
        if param.maximum is not None and value > param.maximum:
            raise fail(f"{what}{_shown(value)} is above the maximum {param.maximum:g}")
        if abs(value) > LARGEST_NUMBER:
            raise fail(f"{what}expected a {kind} of at most {LARGEST_NUMBER:g} in size")
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise fail(f"{what}expected boolean (true or false), got {_kind_of(value)}")
    elif kind == "string":
        if not isinstance(value, str):
            raise fail(f"{what}expected string, got {_kind_of(value)}")
        if len(value) > LONGEST_TEXT:
            raise fail(f"{what}text longer than {LONGEST_TEXT} characters")
    elif kind == "date":
        day = value
        if isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                raise fail(f"{what}expected date (YYYY-MM-DD)") from None
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise fail(f"{what}expected date (YYYY-MM-DD), got {_kind_of(value)}")
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise fail(f"{what}date outside {EARLIEST_DATE} to {LATEST_DATE}")


def check_parameter(param: Parameter, value: Any, fail: Fail) -> None:
    """Raise ``fail(message)`` unless ``value`` is a valid value of ``param`` (type, items, bounds, size)."""
    if param.type in SCALAR_TYPES:
        _check_scalar(param.type, value, param, fail, "")
    elif param.type == "list":
        if not isinstance(value, list):
            raise fail(f"expected list, got {_kind_of(value)}")
        if len(value) > MOST_ITEMS:
            raise fail(f"more than {MOST_ITEMS} items")
        for index, item in enumerate(value):
            if isinstance(item, (list, dict)):
                raise fail(f"item {index}: expected {param.items or 'a number, text, date or true/false'}, got "
                           f"{_kind_of(item)}")
            if param.items:
                _check_scalar(param.items, item, param, fail, f"item {index}: ")
    elif param.type == "mapping":
        if not isinstance(value, dict):
            raise fail(f"expected mapping, got {_kind_of(value)}")
        if len(value) > MOST_ITEMS:
            raise fail(f"more than {MOST_ITEMS} entries")
        for key, item in value.items():
            if not isinstance(key, str) or len(key) > 200:
                raise fail("mapping keys must be text of at most 200 characters")
            if isinstance(item, (list, dict)):
                raise fail(f"{key}: expected {param.items or 'a number, text, date or true/false'}, got "
                           f"{_kind_of(item)}")
            if param.items:
                _check_scalar(param.items, item, param, fail, f"{key}: ")
    else:
        raise fail(f"unknown parameter type {param.type!r}")


def check_parameter_value(
    kind: str, value: Any, minimum: float | None, maximum: float | None, fail: Fail, items: str | None = None
) -> None:
    """``check_parameter`` for a declaration given field by field."""
    check_parameter(Parameter(default=None, description="", type=kind, minimum=minimum, maximum=maximum,
                              items=items), value, fail)


def validate_overrides(
    ruleset: Ruleset,
    overrides: Mapping[str, Any] | None,
    where: str,
    error: Callable[[str], MiprRulesError] = ConfigError,
) -> dict[str, Any]:
    """``overrides`` checked against ``ruleset``'s declarations; the one check for ``--config`` and the API.

    Errors read ``{where}.{name}: …``: an unknown name suggests the closest declared one; a wrong type
    or a value out of bounds names the expected type or the bound, never the ruleset file.
    """
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise error(f"{where}: expected a mapping of parameter name → value, got {_kind_of(overrides)}")
    for name, value in overrides.items():
        plain = isinstance(name, str) and name.isprintable() and len(name) <= 100
        shown = name if plain else repr(name)[:100]
        here = f"{where}.{shown}"
        if name not in ruleset.parameters:
            close = get_close_matches(name, list(ruleset.parameters), n=1) if isinstance(name, str) else []
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise error(f"{here}: ruleset {ruleset.id} has no parameter {shown!r}{hint}" if plain
                        else f"{here}: ruleset {ruleset.id} has no such parameter{hint}")
        param = ruleset.parameters[name]
        check_parameter(param, value, lambda msg, here=here: error(f"{here}: {msg}"))
    return dict(overrides)
