"""Registers the report calculators with mipr-rules (built in: listed in ``plugins.DEFAULT_PLUGINS``)."""

from __future__ import annotations

from typing import Any

from mipr_rules import hookimpl
from mipr_rules.mipr.measures import CALCULATORS


@hookimpl
def mipr_register_fact_calculators(register: Any) -> None:
    for calculator in CALCULATORS:
        register(calculator)
