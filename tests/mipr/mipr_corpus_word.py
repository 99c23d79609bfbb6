"""Build the Word (.docx) edition of a corpus report from its Markdown, the way consultants write Word:
heading styles, List Bullet and List Number paragraphs, and real Word tables (evidence, ratings, action plans).

Run as a script to write every corpus report's .docx beside it: ``python tests/mipr/mipr_corpus_word.py DIR``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import docx

_NUMBERED = re.compile(r"^\d+\.\s+")


def docx_from_markdown(source: Path, target: Path) -> Path:
    """Write ``source`` (a corpus report in Markdown) to ``target`` as a Word document; return ``target``."""
    document = docx.Document()
    table: list[list[str]] = []

    def flush() -> None:
        if table:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, cell in enumerate(row):
                    grid.cell(r, c).text = cell
            table.clear()

    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            if not set(line) <= set("|-: "):
                table.append([c.strip() for c in line.strip().strip("|").split("|")])
            continue
        flush()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            document.add_heading(line[level:].strip(), level=level)
        elif line.startswith("- "):
            document.add_paragraph(line[2:], style="List Bullet")
        elif _NUMBERED.match(line):
            document.add_paragraph(_NUMBERED.sub("", line), style="List Number")
        elif line.strip():
            document.add_paragraph(line)
    flush()
    document.save(str(target))
    return target


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")
    for path in sorted((Path(__file__).parents[1] / "fixtures" / "mipr" / "corpus").glob("*.md")):
        print(docx_from_markdown(path, out / path.with_suffix(".docx").name))
