"""Parameter mutations: the ruleset with one parameter's default changed, to check that tests notice.

"Changing any one threshold makes at least one of its test cases fail": each mutation moves one
parameter just past its default (±1 for numbers, a day either side for dates, each list item dropped in
turn, each number in a mapping ±1, booleans flipped), staying within the parameter's minimum and maximum.
Text, and mappings of text, are choices among values only their reader knows (a rounding mode, a ruleset
id, event names), so they have no "nearby" value and are not mutated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import attrs

from mipr_rules.ruleset.schema import Parameter, Ruleset


@attrs.frozen
class Mutation:
    """One parameter changed."""

    parameter: str
    """The parameter."""
    description: str
    """What changed, e.g. ``care_plan_review_days: 28 → 29``."""
    ruleset: Ruleset
    """The ruleset with the changed default."""


def _in_range(param: Parameter, value: float) -> bool:
    return (param.minimum is None or value >= param.minimum) and (param.maximum is None or value <= param.maximum)


def _values(param: Parameter) -> Iterator[tuple[Any, str]]:
    default = param.default
    if param.type in ("integer", "number"):
        for value in (default + 1, default - 1):
            if _in_range(param, value):
                yield value, f"{default} → {value}"
    elif param.type == "boolean":
        yield not default, f"{default} → {not default}"
    elif param.type == "date":
        day = default if isinstance(default, dt.date) else dt.date.fromisoformat(str(default))
        for delta in (1, -1):
            value = day + dt.timedelta(days=delta)
            yield (value if isinstance(default, dt.date) else value.isoformat()), f"{day} → {value}"
    elif param.type == "list":
        for index, item in enumerate(default):
            yield default[:index] + default[index + 1:], f"without {item!r}"
    elif param.type == "mapping":
        for key, item in default.items():
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                for value in (item + 1, item - 1):
                    yield {**default, key: value}, f"{key}: {item} → {value}"


def mutations(ruleset: Ruleset) -> Iterator[Mutation]:
    """Every single-parameter mutation of ``ruleset`` (of one that extends another: only the parameters it
    adds or changes; the inherited ones are the extended ruleset's own tests' business)."""
    for name, param in ruleset.parameters.items():
        if ruleset.extends and ruleset.origins.get(f"parameter:{name}") == ruleset.extends:
            continue
        for value, text in _values(param):
            changed = {**ruleset.parameters, name: attrs.evolve(param, default=value)}
            yield Mutation(name, f"{name}: {text}", attrs.evolve(ruleset, parameters=changed))
