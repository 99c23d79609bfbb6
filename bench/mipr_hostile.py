"""Time and peak memory of ``mipr review`` refusing the hostile files of issue 11 (each its own process).

    python bench/mipr_hostile.py

Prints one line per file (seconds, peak RSS in MB, exit code, the cap named) and, last, the slowest and
the largest. The files are built in a temporary folder by the builders of tests/mipr/test_mipr_hostile_files.py.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "mipr"))

from test_mipr_hostile_files import docx_expanding_to, run_review, zip_bomb_docx


def main() -> None:
    """Build each hostile file, review it, print the figures."""
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        markdown = tmp / "huge.md"
        markdown.write_text(("Staff told us they felt supported. " * 30 + "\n\n") * 19_000, encoding="utf-8")
        files = {
            "docx expanding to 20 MB": docx_expanding_to(tmp / "expands.docx", 290_000),
            "docx zip bomb expanding to 1 GiB": zip_bomb_docx(tmp / "bomb.docx"),
            "Markdown of 20 MB": markdown,
        }
        worst_s = worst_mb = 0.0
        for label, path in files.items():
            result = run_review(path)
            seconds, mb = float(str(result["seconds"])), int(str(result["peak_kb"])) / 1024
            worst_s, worst_mb = max(worst_s, seconds), max(worst_mb, mb)
            cap = str(result["err"]).strip().rsplit("above the ", 1)[-1]
            size = path.stat().st_size / 1024
            print(f"{label}: {size:.0f} KB, {seconds:.2f} s, peak {mb:.0f} MB, exit {result['code']}, {cap}")
        print(f"hostile files: slowest {worst_s:.2f} s, largest peak {worst_mb:.0f} MB")


if __name__ == "__main__":
    main()
