"""The hostile files of issue 11, each refused by ``mipr review`` before parsing: exit 2, the cap named,
peak memory of the whole command under 300 MB. (Time is measured by ``bench/mipr_hostile.py``.)

- a .docx of about 113 KB whose XML expands to about 20 MB,
- a .docx zip bomb whose one XML part expands to 1 GiB (built here, in a temporary folder),
- a Markdown report of 20 MB.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import docx

MIB = 1024 * 1024
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.monotonic()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"code": done.returncode, "err": done.stderr, "seconds": time.monotonic() - start,
                  "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def run_review(path: Path) -> dict[str, object]:
    """``mipr review PATH`` in a fresh process: exit code, standard error, seconds and its peak RSS in KB."""
    command = [sys.executable, "-m", "mipr_rules_cli.cli", "review", str(path), "--as-of", "2025-12-01"]
    # cwd: not the source tree, whose mipr_rules/ would shadow the installed package under ``python -c``
    done = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True,
                          cwd=path.parent)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _parts_of_a_real_docx() -> dict[str, bytes]:
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_heading("Mock inspection report", 1)
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def docx_expanding_to(path: Path, paragraphs: int) -> Path:
    """A real .docx with ``paragraphs`` short paragraphs added to its document.xml (highly compressible)."""
    parts = _parts_of_a_real_docx()
    para = b"<w:p><w:r><w:t>Staff told us they felt supported.</w:t></w:r></w:p>"
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"</w:body>", para * paragraphs + b"</w:body>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def zip_bomb_docx(path: Path, expanded: int = 1024 * MIB) -> Path:
    """A .docx whose word/document.xml inflates to ``expanded`` bytes from about 1 MB, written entry by entry
    (a raw deflate stream of one full-flushed block repeated), with honest sizes and CRC."""
    chunk = b" " * MIB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeats = expanded // MIB
    crc = 0
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    bomb = (block * repeats) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    entries = [(n, d) for n, d in _parts_of_a_real_docx().items() if n != "word/document.xml"]
    with path.open("wb") as out:
        central = b""
        for name, data, raw, size, crc32 in [
            *((n, None, _deflate(d), len(d), zlib.crc32(d)) for n, d in entries),
            ("word/document.xml", None, bomb, repeats * MIB, crc),
        ]:
            del data
            offset = out.tell()
            encoded = name.encode()
            header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc32, len(raw), size, len(encoded), 0)
            out.write(header + encoded + raw)
            central += (
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    20,
                    20,
                    0,
                    8,
                    0,
                    0,
                    crc32,
                    len(raw),
                    size,
                    len(encoded),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + encoded
            )
        start = out.tell()
        out.write(central)
        count = len(entries) + 1
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), start, 0))
    return path


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def test_a_113_kb_docx_expanding_to_20_mb_is_refused_naming_the_cap(tmp_path: Path) -> None:
    path = docx_expanding_to(tmp_path / "expands.docx", 290_000)
    with zipfile.ZipFile(path) as archive:
        assert sum(i.file_size for i in archive.infolist()) > 20_000_000
    assert 50_000 < path.stat().st_size < 200_000
    result = run_review(path)
    assert result["code"] == 2 and "MIPR_REPORT_MAX_DOCX_XML_BYTES cap" in str(result["err"])
    assert "Traceback" not in str(result["err"]) and int(str(result["peak_kb"])) < 300 * 1024


def test_a_docx_zip_bomb_expanding_to_1_gib_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    path = zip_bomb_docx(tmp_path / "bomb.docx")
    assert path.stat().st_size < 5 * MIB
    with zipfile.ZipFile(path) as archive:  # a well-formed zip that really inflates to 1 GiB
        info = archive.getinfo("word/document.xml")
        assert info.file_size == 1024 * MIB
        with archive.open(info) as part:
            assert part.read(4096) == b" " * 4096
    result = run_review(path)
    assert result["code"] == 2 and "MIPR_REPORT_MAX_DOCX_XML_BYTES cap" in str(result["err"])
    assert int(str(result["peak_kb"])) < 300 * 1024


def test_a_20_mb_markdown_report_is_refused_by_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    line = "Staff told us they felt supported and people were safe. " * 20 + "\n\n"
    with path.open("w", encoding="utf-8") as out:
        out.write("# Mock inspection report: Huge\n\n")
        while out.tell() < 20_000_000:
            out.write(line)
    result = run_review(path)
    assert result["code"] == 2 and "MIPR_REPORT_MAX_MARKDOWN_BYTES cap" in str(result["err"])
    assert int(str(result["peak_kb"])) < 300 * 1024
