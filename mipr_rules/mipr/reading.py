"""Read a mock-inspection report from YAML, JSON, Markdown or Word, by file extension."""

from __future__ import annotations

from pathlib import Path

from mipr_rules.errors import InputError
from mipr_rules.loading import load_data_file, read_text
from mipr_rules.mipr import limits
from mipr_rules.mipr.markdown import read_markdown
from mipr_rules.mipr.report import Report
from mipr_rules.mipr.structure import structure_report
from mipr_rules.mipr.word import read_docx

FORMATS = {
    ".yaml": "YAML",
    ".yml": "YAML",
    ".json": "JSON",
    ".md": "Markdown",
    ".markdown": "Markdown",
    ".docx": "Word",
}
"""File extensions read, and their format."""


def read_report(path: Path | str) -> Report:
    """The report in ``path``; ``InputError`` with a one-line message naming the file and place otherwise."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml", ".json", ".md", ".markdown"):
        limits.check_size(path, limits.MAX_MARKDOWN_BYTES, "MIPR_REPORT_MAX_MARKDOWN_BYTES")
    if suffix in (".yaml", ".yml", ".json"):
        return structure_report(load_data_file(path), str(path))
    if suffix in (".md", ".markdown"):
        return read_markdown(read_text(path), str(path))
    if suffix == ".docx":
        return read_docx(path)
    expected = ", ".join(sorted(FORMATS))
    raise InputError(f"{path}: unsupported report file type {suffix or '(none)'}; expected {expected}")
