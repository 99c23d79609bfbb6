"""Regenerate docs/facts.md, the fact reference, from the built-in fact calculators.

Run from the repository root: ``python tools/make_fact_docs.py``.
"""

from __future__ import annotations

from pathlib import Path

from mipr_rules import plugins
from mipr_rules.facts.reference import fact_reference, render_markdown

OUT = Path(__file__).resolve().parents[1] / "docs" / "facts.md"


def main() -> None:
    calculators = plugins.fact_calculators(plugins.make_plugin_manager(load_entry_points=False)).values()
    OUT.write_text(render_markdown(fact_reference(calculators)), encoding="utf-8")


if __name__ == "__main__":
    main()
