"""Caps on a report file, checked before it is parsed, so that a hostile or broken file fails fast (exit 2).

A consultant's report is about 600-3,000 words: a few tens of KB of Markdown, a .docx of well under
1 MB of XML (images apart). The defaults leave room for reports ten to a hundred times that size while
refusing, in well under a second and before any parsing, files that would take minutes or gigabytes:
a .docx whose XML expands to hundreds of MB from a few KB (a "zip bomb"), or a Markdown file of tens of
MB. Each cap can be changed with an environment variable of the same name (``MIPR_REPORT_MAX_BYTES``...).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from mipr_rules.errors import InputError


def _cap(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value and value.isdigit() else default


MAX_REPORT_BYTES = _cap("MIPR_REPORT_MAX_BYTES", 20 * 1024 * 1024)
"""Largest report file (20 MiB: a Word report with photographs fits; a 20 MB Markdown report does not
need to, see ``MAX_MARKDOWN_BYTES``)."""
MAX_MARKDOWN_BYTES = _cap("MIPR_REPORT_MAX_MARKDOWN_BYTES", 2 * 1024 * 1024)
"""Largest Markdown, YAML or JSON report (2 MiB: about 300,000 words, a hundred times a long report)."""
MAX_DOCX_XML_BYTES = _cap("MIPR_REPORT_MAX_DOCX_XML_BYTES", 16 * 1024 * 1024)
"""Largest total expanded size of a .docx's XML parts, as its zip directory declares them (16 MiB; a long
report's document.xml is under 1 MiB). Python's zipfile never reads past a declared size."""
MAX_DOCX_PARTS = _cap("MIPR_REPORT_MAX_DOCX_PARTS", 2000)
"""Most parts (zip entries) in a .docx (2,000; Word writes a few dozen, plus one per image)."""
MAX_BLOCKS = _cap("MIPR_REPORT_MAX_PARAGRAPHS", 20000)
"""Most paragraphs, headings, bullets and table rows (20,000; a long report has a few hundred)."""


def check_size(path: Path, cap: int, name: str) -> None:
    """Refuse ``path`` if it is larger than ``cap`` bytes, naming the cap."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if size > cap:
        raise InputError(f"{path}: file is {size} bytes, above the {name} cap of {cap} bytes")


def check_docx(path: Path) -> None:
    """Refuse a .docx whose zip directory declares too many parts or too much XML, before parsing it."""
    check_size(path, MAX_REPORT_BYTES, "MIPR_REPORT_MAX_BYTES")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise InputError(f"{path}: not a Word .docx document") from None
    if len(entries) > MAX_DOCX_PARTS:
        raise InputError(f"{path}: {len(entries)} parts, above the MIPR_REPORT_MAX_DOCX_PARTS cap of {MAX_DOCX_PARTS}")
    xml = sum(e.file_size for e in entries if e.filename.endswith((".xml", ".rels")))
    if xml > MAX_DOCX_XML_BYTES:
        raise InputError(
            f"{path}: its XML expands to {xml} bytes, above the MIPR_REPORT_MAX_DOCX_XML_BYTES cap of "
            f"{MAX_DOCX_XML_BYTES}"
        )


MAX_TEXT_CHARS = _cap("MIPR_REPORT_MAX_TEXT_CHARS", 2 * 1024 * 1024)
"""Most characters of text in a Word report (2 Mi, as ``MAX_MARKDOWN_BYTES`` for Markdown)."""


def check_text(chars: int, where: str) -> None:
    """Refuse a Word report with more than ``MAX_TEXT_CHARS`` characters of text, naming the cap."""
    if chars > MAX_TEXT_CHARS:
        raise InputError(
            f"{where}: more than {MAX_TEXT_CHARS} characters of text, above the MIPR_REPORT_MAX_TEXT_CHARS cap"
        )


def check_blocks(count: int, where: str) -> None:
    """Refuse a document of more than ``MAX_BLOCKS`` paragraphs, naming the cap."""
    if count > MAX_BLOCKS:
        raise InputError(f"{where}: more than {MAX_BLOCKS} paragraphs, above the MIPR_REPORT_MAX_PARAGRAPHS cap")


_ENGLISH = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "a",
        "in",
        "was",
        "were",
        "we",
        "is",
        "are",
        "that",
        "for",
        "with",
        "on",
        "by",
        "at",
        "as",
        "it",
        "had",
        "have",
        "has",
        "be",
        "this",
        "from",
        "their",
        "they",
        "not",
        "people",
        "staff",
        "or",
        "an",
        "all",
        "there",
        "which",
        "who",
    ]
)
MIN_WORDS_FOR_LANGUAGE = 80
"""Fewest words of prose before the language of a report is judged."""
MIN_ENGLISH_SHARE = 0.12
"""Least share of common English words in a report's prose (English prose has about 0.35-0.45; Spanish,
French or Welsh prose under 0.05)."""


def check_english(text: str, where: str) -> None:
    """Refuse a report whose prose is not English (it would otherwise fail as spelling), naming why."""
    words = [w.lower() for w in text.split() if w.isalpha()]
    if len(words) < MIN_WORDS_FOR_LANGUAGE:
        return
    share = sum(1 for w in words if w in _ENGLISH) / len(words)
    if share < MIN_ENGLISH_SHARE:
        raise InputError(
            f"{where}: the report does not appear to be in English ({share:.0%} common English words in its "
            "prose); mipr-2025 reviews English reports (CQC's language)"
        )
