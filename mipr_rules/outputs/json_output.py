"""JSON output: ``--format json``. Every report exposes ``as_dict()``; keys are a documented contract."""

from __future__ import annotations

import json
from typing import Any

import attrs

from mipr_rules import hookimpl


@attrs.frozen
class JsonOutput:
    name: str = "json"
    description: str = "Machine-readable JSON (keys documented in docs/json.md)"

    def render(self, report: Any) -> str:
        return json.dumps(report.as_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


@hookimpl
def mipr_register_outputs(register: Any) -> None:
    register(JsonOutput())
