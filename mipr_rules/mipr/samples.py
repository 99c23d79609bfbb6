"""The bundled example reports (``mipr_rules/samples/mipr``) and how their Markdown and Word forms are made.

Each example is written by hand in YAML; its ``.md`` is ``render_markdown`` of it and its ``.docx`` is
``write_docx`` of that Markdown, so the three read to the same ``Report``.
``tests/mipr/generate_samples.py`` writes them; a test checks the committed files are up to date.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from mipr_rules.mipr.markdown import markdown_blocks, render_markdown
from mipr_rules.mipr.reading import read_report
from mipr_rules.mipr.word import write_docx

SAMPLES = {
    "outstanding": "willow-court-outstanding",
    "good": "meadowbank-good",
    "requires_improvement": "oakfield-requires-improvement",
}
"""Example reports by the rating they should reach: file stem under ``samples/mipr``."""


def samples_dir() -> Path:
    """The folder of the bundled example reports."""
    return Path(str(resources.files("mipr_rules") / "samples" / "mipr"))


def sample_path(key: str, suffix: str = ".yaml") -> Path:
    """Path of one example (``outstanding``, ``good``, ``requires_improvement``) in one format."""
    return samples_dir() / f"{SAMPLES[key]}{suffix}"


def generated_files(yaml_path: Path) -> dict[str, bytes]:
    """The ``.md`` and ``.docx`` renderings of the YAML report at ``yaml_path``."""
    markdown = render_markdown(read_report(yaml_path))
    docx = write_docx(markdown_blocks(markdown, yaml_path.with_suffix(".md").name))
    return {".md": markdown.encode("utf-8"), ".docx": docx}
