"""MIPR: the mock-inspection report side of C-CAF's Mock Inspection Peer Review.

- ``report``: the report model; ``quality_statements``: the 34 SAF statements as data.
- ``read_report(path)``: YAML/JSON (``report.schema.json``), Markdown (``MARKDOWN.md``) or Word .docx.
- ``measures``: fact calculators measuring a report (``FACTS.md``); the ``mipr-2025`` ruleset judges them.
"""

from mipr_rules.mipr.reading import read_report
from mipr_rules.mipr.report import Report

__all__ = ["Report", "read_report"]
