"""Word (.docx) reports: the Markdown convention written with Word styles, read and written with python-docx.

``#``/``##``/``###`` headings are paragraphs in the ``Heading 1``/``Heading 2``/``Heading 3`` styles (``Title``
counts as Heading 1), bullets are paragraphs in a ``List…`` style or with list numbering, and every
other non-empty paragraph is a paragraph. Headings 4-9 are read as paragraphs; tables are read row by row
(``outline.table_blocks``: evidence tables, action plans, rating tables, anything else as text).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mipr_rules.errors import ConfigError, InputError
from mipr_rules.mipr import limits
from mipr_rules.mipr.outline import BLOCK_LABEL, SCORE_LINE, Block, Kind, read_outline, table_blocks
from mipr_rules.mipr.report import Report

if TYPE_CHECKING:
    from docx.text.paragraph import Paragraph

_HEADING_STYLE = re.compile(r"^Heading ([1-9])$")
_FIELD_LABEL = re.compile(r"^([A-Za-z][A-Za-z -]*?:)(\s.*)$")
FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0)
"""Timestamp written into generated documents so that the same report always gives the same bytes."""


def _docx() -> Any:
    """The python-docx package, or a ConfigError saying how to install it."""
    try:
        import docx
    except ImportError:
        raise ConfigError("Word reports need python-docx, a core dependency; reinstall mipr-rules") from None
    return docx


def _kind(paragraph: Paragraph, place: str) -> tuple[Kind, int]:
    style = paragraph.style.name if paragraph.style is not None else ""
    heading = _HEADING_STYLE.match(style or "")
    if heading or style == "Title":
        level = int(heading[1]) if heading else 1
        return Kind.HEADING, level
    p_pr = paragraph._p.pPr
    if (style or "").startswith("List") or (p_pr is not None and p_pr.numPr is not None):
        return Kind.BULLET, 0
    return Kind.PARAGRAPH, 0


def docx_blocks(path: Path, name: str) -> list[Block]:
    """The headings, paragraphs and bullets of a .docx file, each placed as ``name: paragraph N``."""
    limits.check_docx(path)
    docx = _docx()
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception:  # python-docx raises PackageNotFoundError, BadZipFile, KeyError...
        raise InputError(f"{name}: not a Word .docx document") from None
    blocks: list[Block] = []
    number = 0
    chars = 0
    for child in document.element.body.iterchildren():
        limits.check_blocks(len(blocks), name)
        limits.check_text(chars, name)
        if child.tag == qn("w:tbl"):
            rows = [[cell.text for cell in row.cells] for row in Table(child, document).rows]
            blocks.extend(table_blocks(rows, f"{name}: table after paragraph {number}"))
            continue
        if child.tag != qn("w:p"):
            continue
        number += 1
        paragraph = Paragraph(child, document)
        text = " ".join(paragraph.text.split("\n")).strip()
        if not text:
            continue
        place = f"{name}: paragraph {number}"
        kind, level = _kind(paragraph, place)
        if kind is Kind.BULLET and text[:2] in ("- ", "* ", "• "):
            text = text[2:].strip()
        blocks.append(Block(kind, text, place, level))
        chars += len(text)
    return blocks


def read_docx(path: Path | str, name: str | None = None) -> Report:
    """Read a Word report; errors are one line naming ``name: paragraph N``."""
    path = Path(path)
    label = name or str(path)
    return read_outline(docx_blocks(path, label), label)


def write_docx(blocks: Sequence[Block]) -> bytes:
    """A .docx rendering of ``blocks`` (e.g. ``markdown_blocks(render_markdown(report), …)``).

    Labels (``Score:``, ``Evidence``, ``Risk R1``, ``Action:``...) are bold. The output is byte-for-byte
    reproducible: document properties and zip entry times are fixed.
    """
    document = _docx().Document()
    for block in blocks:
        if block.kind is Kind.HEADING:
            document.add_heading(block.text, level=block.level)
            continue
        paragraph = document.add_paragraph(style="List Bullet" if block.kind is Kind.BULLET else None)
        if BLOCK_LABEL.match(block.text):
            paragraph.add_run(block.text).bold = True
        elif (label := _FIELD_LABEL.match(block.text)) and (block.kind is Kind.BULLET or SCORE_LINE.match(block.text)):
            paragraph.add_run(label[1]).bold = True
            paragraph.add_run(label[2])
        else:
            paragraph.add_run(block.text)
    properties = document.core_properties
    properties.author = properties.last_modified_by = "mipr-rules"
    properties.created = properties.modified = FIXED_TIME
    properties.revision = 1
    raw = io.BytesIO()
    document.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry dated ``FIXED_TIME``, in the same order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
