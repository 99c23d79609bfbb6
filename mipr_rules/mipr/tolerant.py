"""Reading reports as consultants write them: spellings, KLOE-era headings and tables, recognised not refused.

The outline reader (``outline.py``) follows the convention of ``MARKDOWN.md``; this module holds what it
needs to accept the variations real reports have: rating and key-question words in any case, with or
without a hyphen (``Requires Improvement``, ``Well Led``: read, and noted as not CQC's spelling), section
names consultants use (``Summary``, ``Is the service safe?``), KLOE-era finding headings (``E3 Nutrition``,
recognised as the 2014-2023 key line of enquiry E3, never read as SAF E3), finding titles that do not match
their quality-statement id, and Word or Markdown tables turned into the blocks the convention expects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mipr_rules.model.quality_statements import BY_ID, QUALITY_STATEMENTS
from mipr_rules.model.vocabulary import KeyQuestion, RatingValue

_RATINGS = {r.value.lower(): r for r in RatingValue}
_KEY_QUESTIONS = {kq.value.lower().replace("-", " "): kq for kq in KeyQuestion}


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[-_\u2010-\u2014]", " ", text).lower().split())


def rating(text: str) -> tuple[RatingValue | None, bool]:
    """The rating ``text`` names in any case, with or without a hyphen, and whether it is CQC's spelling."""
    found = _RATINGS.get(_normal(text.strip().rstrip(".")))
    return found, found is not None and text.strip().rstrip(".") == found.value


def key_question(text: str) -> tuple[KeyQuestion | None, bool]:
    """The key question ``text`` names (``Well Led``, ``Is the service safe?``), and whether CQC spells it so.

    Headings in capitals (``SAFE``, ``WELL-LED``) are CQC's spelling in another case, not a different word.
    """
    name = text.strip().rstrip("?").strip()
    lowered = _normal(name)
    lowered = re.sub(r"^(?:is the service|are services|is it)\s+", "", lowered)
    found = _KEY_QUESTIONS.get(lowered)
    if found is None:
        return None, False
    exact = name.lower() == found.value.lower() or re.sub(r"^(?i:is the service)\s+", "", name).lower() == (
        found.value.lower()
    )
    return found, exact


SECTION_ALIASES: dict[str, str] = {
    "summary": "Executive summary",
    "executive summary": "Executive summary",
    "overview": "Executive summary",
    "methodology": "Methodology",
    "method": "Methodology",
    "methods": "Methodology",
    "our approach": "Methodology",
    "how we carried out the inspection": "Methodology",
    "scope": "Scope",
    "scope of the inspection": "Scope",
    "proposed ratings": "Proposed ratings",
    "proposed rating": "Proposed ratings",
    "ratings": "Proposed ratings",
    "summary of ratings": "Proposed ratings",
    "ratings summary": "Proposed ratings",
    "recommendations": "Recommendations",
    "recommendations for improvement": "Recommendations",
    "action plan": "Recommendations",
    "actions": "Recommendations",
    "improvement plan": "Recommendations",
    "areas for improvement": "Recommendations",
}
"""Section names consultants use → the convention's section."""


def section(text: str) -> str | None:
    """The convention's section ``text`` names (key questions included), or None."""
    lowered = _normal(text.rstrip(":"))
    if lowered in SECTION_ALIASES:
        return SECTION_ALIASES[lowered]
    kq, _ = key_question(text)
    return None if kq is None else kq.value


# KLOE-era adult social care key lines of enquiry (CQC, "Key lines of enquiry for adult social care
# services", 2017): id → words of its topic. Used only to recognise a heading as a KLOE.
KLOE_TOPICS: dict[str, tuple[str, ...]] = {
    "S1": ("safeguard", "abuse", "discrimination"),
    "S2": ("risk", "risks", "risk management"),
    "S3": ("staffing", "staff", "recruitment", "deployment"),
    "S4": ("medicines", "medication"),
    "S5": ("infection", "hygiene", "cleanliness"),
    "S6": ("lessons", "learning", "incidents", "things go wrong"),
    "E1": ("needs", "choices", "assessment"),
    "E2": ("skills", "knowledge", "training", "competence"),
    "E3": ("eat", "drink", "nutrition", "hydration", "diet", "meals"),
    "E4": ("agencies", "organisations", "working together", "work together"),
    "E5": ("healthier", "healthcare", "health"),
    "E6": ("premises", "adaptation", "design", "environment"),
    "E7": ("consent", "capacity", "mca", "dols", "deprivation of liberty"),
    "C1": ("kindness", "respect", "compassion", "caring"),
    "C2": ("views", "involved", "decisions", "express"),
    "C3": ("privacy", "dignity", "independence"),
    "R1": ("personalised", "person centred", "preferences", "activities"),
    "R2": ("concerns", "complaints"),
    "R3": ("end of life", "dying", "palliative"),
    "W1": ("vision", "strategy", "culture"),
    "W2": ("governance", "roles", "quality performance", "regulatory"),
    "W3": ("engage", "engagement", "involve", "equality"),
    "W4": ("continuous learning", "improvement", "innovation", "sustainability"),
    "W5": ("partnership", "other agencies"),
}
"""The 24 KLOE-era ASC key lines of enquiry (S1-S6, E1-E7, C1-C3, R1-R3, W1-W5), by topic words."""

_STOP = frozenset(["and", "the", "with", "for", "care", "people", "their", "staff", "service", "services", "how"])


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]+", _normal(text)) if len(w) >= 4 and w not in _STOP}


def title_fits(statement: str, title: str) -> bool:
    """Whether a finding heading's title fits its SAF statement (empty titles fit)."""
    if not title.strip():
        return True
    return bool(_stems(title) & _stems(BY_ID[statement].name))


def is_kloe(identifier: str, title: str) -> bool:
    """Whether ``identifier`` and ``title`` read as a KLOE-era key line of enquiry."""
    if "kloe" in title.lower():
        return True
    topics = KLOE_TOPICS.get(identifier)
    if topics is None:
        return False
    lowered = _normal(title)
    return any(re.search(rf"\b{re.escape(t)}", lowered) for t in topics)


def statement_by_title(title: str) -> str | None:
    """The SAF statement whose name ``title`` is (any case, hyphens as spaces), or None."""
    lowered = _normal(title.rstrip(":"))
    return next((qs.id for qs in QUALITY_STATEMENTS if _normal(qs.name) == lowered), None)


# --- tables --------------------------------------------------------------------------------------------
_EVIDENCE_HEADS = ("reference", "evidence", "detail", "details", "description", "what we reviewed")
_REC_COLUMNS = {
    "action": "Action",
    "recommendation": "Action",
    "priority": "Priority",
    "owner": "Owner",
    "responsible": "Owner",
    "lead": "Owner",
    "who": "Owner",
    "timescale": "Timescale",
    "by when": "Timescale",
    "due": "Timescale",
    "deadline": "Timescale",
    "findings": "Findings",
    "finding": "Findings",
    "quality statement": "Findings",
    "quality statements": "Findings",
    "risks": "Risks",
    "risk": "Risks",
}
_REC_ID_COLUMNS = ("id", "ref", "no", "no.", "#", "number", "reference")


def table_rows(rows: Sequence[Sequence[str]]) -> list[tuple[str, str]]:
    """A table as ``(kind, text)`` lines: ``paragraph`` or ``bullet``, in the convention's forms.

    Evidence tables (a Source column and a reference column) become ``Evidence`` and ``Source: reference``
    bullets; action plans (Action and Priority columns) become Recommendation blocks; rating tables and
    other two-column tables of short labels become ``Label: value`` bullets; any other row is a paragraph
    of its cells joined with `` | `` (kept as text, never dropped).
    """
    cleaned = [[" ".join(c.split()) for c in row] for row in rows if any(c.strip() for c in row)]
    if not cleaned:
        return []
    head = [c.lower().rstrip(":") for c in cleaned[0]]
    body = cleaned[1:]
    if "source" in head and any(h in _EVIDENCE_HEADS for h in head):
        s = head.index("source")
        r = next(i for i, h in enumerate(head) if h in _EVIDENCE_HEADS)
        return [("paragraph", "Evidence")] + [
            ("bullet", f"{row[s]}: {row[r]}") for row in body if len(row) > max(s, r) and row[s]
        ]
    columns = {i: _REC_COLUMNS[h] for i, h in enumerate(head) if h in _REC_COLUMNS}
    if "Action" in columns.values() and "Priority" in columns.values():
        ident = next((i for i, h in enumerate(head) if h in _REC_ID_COLUMNS), None)
        out: list[tuple[str, str]] = []
        for number, row in enumerate(body, start=1):
            rec_id = row[ident].replace(" ", "-") if ident is not None and ident < len(row) and row[ident] else ""
            out.append(("paragraph", f"Recommendation {rec_id or f'T{number}'}"))
            out += [("bullet", f"{label}: {row[i]}") for i, label in columns.items() if i < len(row) and row[i]]
        return out
    if all(len(row) == 2 for row in cleaned) and all(len(row[0].split()) <= 4 for row in cleaned):
        first_is_head = head[0] in ("key question", "domain", "field", "item") or "rating" in head[1]
        rows_out = body if first_is_head else cleaned
        return [("bullet", f"{row[0].rstrip(':')}: {row[1]}") for row in rows_out if row[0] and row[1]]
    return [("paragraph", " | ".join(c for c in row if c)) for row in cleaned]


ENUM_SYNONYMS: dict[str, dict[str, str]] = {
    "priority": {
        "urgent": "urgent", "immediate": "urgent", "critical": "urgent", "very high": "urgent",
        "high": "high", "medium": "medium", "moderate": "medium", "normal": "medium", "low": "low", "minor": "low",
    },
    "severity": {
        "critical": "critical", "extreme": "critical", "catastrophic": "critical", "very high": "critical",
        "high": "high", "serious": "high", "severe": "high", "major": "high",
        "medium": "medium", "moderate": "medium", "low": "low", "minor": "low",
    },
    "kind": {
        "actual": "actual", "current": "actual", "existing": "actual", "real": "actual",
        "potential": "potential", "possible": "potential", "future": "potential", "likely": "potential",
    },
}  # fmt: skip
"""Words consultants use for a recommendation's priority and a risk's severity and kind → the convention's."""


def enum_value(field: str, text: str) -> str | None:
    """The convention's value of ``field`` that ``text`` names ("Very high", "Actual risk", "serious"), or None."""
    words = ENUM_SYNONYMS[field]
    lowered = _normal(re.sub(r"[^\w\s-]", " ", text)).replace(" priority", "").replace(" risk", "")
    if lowered in words:
        return words[lowered]
    for word in sorted(words, key=len, reverse=True):
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", lowered):
            return words[word]
    return None


_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}  # fmt: skip
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_UK = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_WORDS = re.compile(
    r"((?:\d{1,2}(?:st|nd|rd|th)?\s*(?:,|and|&|-|to)?\s*)+)(" + "|".join(_MONTHS) + r")\s+(\d{4})", re.I
)


def dates(text: str) -> list[str]:
    """ISO dates of ``text`` as consultants write them: 2025-10-14, 14/10/2025, 14 and 15 October 2025."""
    found = [f"{y}-{m}-{d}" for y, m, d in _ISO.findall(text)]
    found += [f"{y}-{int(m):02d}-{int(d):02d}" for d, m, y in _UK.findall(text)]
    for days, month, year in _WORDS.findall(text):
        found += [f"{year}-{_MONTHS[month.lower()]:02d}-{int(d):02d}" for d in re.findall(r"\d{1,2}", days)]
    return found
