"""The sample report printed by headless Chromium (``--print-to-pdf``): A4, page headers, no split rows;
and its screenshot against the reference."""

from __future__ import annotations

import os
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdf
from PIL import Image, ImageChops

REFERENCE = Path(__file__).parent.parent / "fixtures" / "screenshots" / "sample-report.png"
"""The sample report as Chromium drew it (regenerate: MIPR_UPDATE_SCREENSHOTS=1 pytest tests/outputs)."""


class _Rows(HTMLParser):
    """The text of each table cell, per body row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_printed_pdf_is_a4_headed_and_splits_no_row(chromium: Any, sample_html: Path) -> None:
    pdf = sample_html.with_suffix(".pdf")
    done = chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", sample_html.as_uri())
    assert pdf.exists(), done.stderr[-500:]
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) > 1  # long enough to have page breaks to get wrong
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert abs(width - 595) < 2 and abs(height - 842) < 2  # A4 in points
    pages = [_squash(page.extract_text()) for page in reader.pages]
    for number, text in enumerate(pages, 1):
        assert text.startswith(_squash("Sunrise House · as of 2 November 2026")), f"page {number} has no header"
    parser = _Rows()
    parser.feed(sample_html.read_text(encoding="utf-8"))
    assert len(parser.rows) > 10
    page, position = 0, 0
    for row in parser.rows:
        start, end = _squash(row[0] + row[1])[:40], _squash(row[-1])[-12:]
        while pages[page].find(start, position) < 0:
            page, position = page + 1, 0
            assert page < len(pages), f"row not found whole on any page: {row[1][:60]!r}"
        position = pages[page].index(start, position)
        assert pages[page].find(end, position) >= 0, f"row split across pages {page + 1}-{page + 2}: {row[1][:60]!r}"


def test_screenshot_of_the_sample_report_matches_the_reference(chromium: Any, sample_html: Path) -> None:
    shot = sample_html.with_suffix(".png")
    done = chromium("--window-size=1280,1400", f"--screenshot={shot}", sample_html.as_uri())
    assert shot.exists(), done.stderr[-500:]
    if os.environ.get("MIPR_UPDATE_SCREENSHOTS") or not REFERENCE.exists():
        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        REFERENCE.write_bytes(shot.read_bytes())
    with Image.open(shot) as taken, Image.open(REFERENCE) as reference:
        assert taken.size == reference.size == (1280, 1400)
        diff = ImageChops.difference(taken.convert("RGB"), reference.convert("RGB")).convert("L")
        changed = sum(diff.histogram()[49:])
        if changed / (1280 * 1400) >= 0.01:
            taken.save(REFERENCE.with_suffix(".new.png"))
            raise AssertionError(
                f"{changed} pixels differ from {REFERENCE}; the new screenshot is {REFERENCE.with_suffix('.new.png')}: "
                "if the change is intended, MIPR_UPDATE_SCREENSHOTS=1 pytest tests/outputs updates the reference"
            )
        # the first do-first badge (critical, dark red) is above the fold
        top = taken.convert("RGB").crop((0, 0, 1280, 700))
        assert any(colour == (139, 0, 0) for _, colour in top.getcolors(maxcolors=1 << 20) or [])
