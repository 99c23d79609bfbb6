"""The 34 SAF quality statements and five key questions, as data (CQC's single assessment framework)."""

from __future__ import annotations

from mipr_rules.model.quality_statements import (
    BY_ID,
    KEY_QUESTIONS,
    QUALITY_STATEMENTS,
    key_question_of,
    statements_of,
)
from mipr_rules.model.vocabulary import KeyQuestion


def test_thirty_four_statements_grouped_as_cqc_does() -> None:
    assert len(QUALITY_STATEMENTS) == 34
    assert [len(statements_of(kq)) for kq in KEY_QUESTIONS] == [8, 6, 5, 7, 8]
    assert [kq.value for kq in KEY_QUESTIONS] == ["Safe", "Effective", "Caring", "Responsive", "Well-led"]
    assert len(BY_ID) == 34


def test_ids_run_from_one_within_each_key_question() -> None:
    assert [qs.id for qs in statements_of(KeyQuestion.CARING)] == ["C1", "C2", "C3", "C4", "C5"]
    assert QUALITY_STATEMENTS[0].id == "S1" and QUALITY_STATEMENTS[-1].id == "W8"


def test_names_are_cqc_names() -> None:
    assert BY_ID["S3"].name == "Safeguarding"
    assert BY_ID["E6"].name == "Consent to care and treatment"
    assert BY_ID["C5"].name == "Workforce wellbeing and enablement"
    assert BY_ID["R1"].name == "Person-centred care"
    assert BY_ID["W8"].name == "Environmental sustainability \u2013 sustainable development"
    assert key_question_of("W3") is KeyQuestion.WELL_LED
