"""MIPR: the mock-inspection report side of C-CAF's Mock Inspection Peer Review.

- ``report``: the report model; ``quality_statements``: the 34 SAF statements as data.
- ``read_report(path)``: YAML/JSON (``report.schema.json``), Markdown (``MARKDOWN.md``) or Word .docx.
- ``measures``: fact calculators measuring a report (``FACTS.md``); the ``mipr-2025`` ruleset judges them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mipr_rules.mipr.reading import read_report
    from mipr_rules.mipr.report import Report

__all__ = ["Report", "read_report"]


def __getattr__(name: str) -> Any:
    """``Report`` and ``read_report``, imported on first use: importing a submodule (the built-in plugins do,
    on every ``mipr`` command) does not load the Markdown and Word readers."""
    value: Any
    if name == "read_report":
        from mipr_rules.mipr import reading

        value = reading.read_report
    elif name == "Report":
        from mipr_rules.mipr import report

        value = report.Report
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
