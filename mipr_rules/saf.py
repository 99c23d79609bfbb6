"""The SAF quality statements as plain strings, for reports and alerts (CQC's single assessment framework).

Views of the one definition in ``mipr_rules.model.quality_statements``; ids S1…W8 are a convention.
"""

from __future__ import annotations

from mipr_rules.model import quality_statements as _model

QUALITY_STATEMENTS: dict[str, tuple[str, str]] = {
    qs.id: (qs.key_question.value, qs.name) for qs in _model.QUALITY_STATEMENTS
}
"""Statement id → (key question, CQC's name)."""

KEY_QUESTIONS: tuple[str, ...] = tuple(kq.value for kq in _model.KEY_QUESTIONS)
"""The key questions' names in CQC's order."""


def statement_name(statement_id: str | None) -> str:
    """CQC's name of a quality statement, or ``""``."""
    found = _model.BY_ID.get(statement_id or "")
    return found.name if found else ""
