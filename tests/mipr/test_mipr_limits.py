"""Hostile report files fail fast, before parsing, with exit 2 and a message naming the cap."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import docx
from click.testing import CliRunner
from mipr_rules_cli.cli import cli


def _review(path: Path) -> tuple[int, str, float]:
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["review", str(path), "--as-of", "2025-07-01"])
    return result.exit_code, result.output, time.monotonic() - start


def _bomb(tmp_path: Path, paragraphs: int) -> Path:
    base = tmp_path / "base.docx"
    document = docx.Document()
    document.add_heading("Report", 1)
    document.save(str(base))
    target = tmp_path / "bomb.docx"
    para = b"<w:p><w:r><w:t>" + b"a" * 60 + b"</w:t></w:r></w:p>"
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"</w:body>", para * paragraphs + b"</w:body>")
            out.writestr(info.filename, data)
    return target


def test_a_docx_whose_xml_expands_far_beyond_its_size_is_refused_before_parsing(tmp_path: Path) -> None:
    path = _bomb(tmp_path, 300_000)  # about 200 KB that expands to about 25 MB of XML
    assert path.stat().st_size < 1_000_000
    code, output, seconds = _review(path)
    assert code == 2 and "MIPR_REPORT_MAX_DOCX_XML_BYTES cap" in output and seconds < 5


def test_a_docx_of_thousands_of_parts_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "parts.docx"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(2500):
            archive.writestr(f"word/media/image{index}.bin", b"")
    code, output, seconds = _review(path)
    assert code == 2 and "MIPR_REPORT_MAX_DOCX_PARTS cap" in output and seconds < 5


def test_a_huge_markdown_report_is_refused_by_size(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    path.write_text("# T\n\n" + ("word " * 200 + "\n\n") * 3000, encoding="utf-8")
    code, output, seconds = _review(path)
    assert code == 2 and "MIPR_REPORT_MAX_MARKDOWN_BYTES cap" in output and seconds < 5


def test_a_markdown_report_of_too_many_paragraphs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.md"
    path.write_text("# T\n\n" + "a\n\n" * 25_000, encoding="utf-8")
    code, output, seconds = _review(path)
    assert code == 2 and "MIPR_REPORT_MAX_PARAGRAPHS cap" in output and seconds < 5


def test_a_report_not_in_english_is_refused_not_failed_as_spelling() -> None:
    path = Path(__file__).parents[1] / "fixtures" / "mipr" / "corpus" / "ashgrove-spanish.md"
    code, output, seconds = _review(path)
    assert code == 2 and "does not appear to be in English" in output and seconds < 5
    assert "spelling" not in output
