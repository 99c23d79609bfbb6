"""``mipr review`` on the held-out-style corpus of ``tests/fixtures/mipr/corpus``: each report's expected
outcome per criterion, as an experienced reviewer would give it, pinned here.

Expectations are bands, not exact scores: a reviewer says "fails risk identification", not "scores 1.0".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from mipr_corpus_word import docx_from_markdown
from rich.console import Console

from mipr_rules.api import Session
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.mipr.review import ReviewReport

CORPUS = Path(__file__).parent.parent / "fixtures" / "mipr" / "corpus"
AS_OF = dt.date(2025, 12, 1)


@pytest.fixture(scope="module")
def engine() -> Iterator[Evaluator]:
    with Evaluator(processes=1) as evaluator:
        yield evaluator


def _review(engine: Evaluator, name: str) -> ReviewReport:
    return Session(evaluator=engine).review(CORPUS / name, as_of=AS_OF)


def _scores(result: ReviewReport) -> dict[str, int | None]:
    return {c.criterion.id.split(".", 1)[1]: c.score for c in result.criteria}


def _rules(result: ReviewReport, criterion: str) -> set[str]:
    (found,) = [c for c in result.criteria if c.criterion.id.endswith(criterion)]
    return {f.hit.rule_id for f in found.findings}


def test_safe_good_over_an_unreported_allegation_a_missed_dose_and_wrong_person_medicines_fails(
    engine: Evaluator,
) -> None:
    result = _review(engine, "ashgrove-contradiction.md")
    scores = _scores(result)
    assert scores["risk_identification"] == 1 and scores["proportionality"] == 1
    assert scores["cqc_alignment"] is not None and scores["cqc_alignment"] <= 2
    assert not result.proceeds_to_panel and result.overall.rating.value == "Inadequate"
    assert {"adverse_event_risk_understated", "adverse_event_only_potential_risk"} <= _rules(
        result, "risk_identification"
    )
    assert "adverse_event_under_good_score" in _rules(result, "proportionality")
    assert "key_question_rating_ignores_critical_event" in _rules(result, "cqc_alignment")
    # every contradiction names the finding and the sentence behind it
    events = {f.hit.subject: f for f in result.findings() if f.hit.rule_id == "adverse_event_under_good_score"}
    assert set(events) == {
        "signal:S3:safeguarding_unreported",
        "signal:S8:medication_missed",
        "signal:S8:medication_wrong_person",
    }
    assert "insulin dose was missed" in events["signal:S8:medication_missed"].sentences[0].text
    assert "given to the wrong person" in events["signal:S8:medication_wrong_person"].sentences[0].text


def test_the_same_report_with_honest_scores_and_risks_proceeds(engine: Evaluator) -> None:
    result = _review(engine, "ashgrove-honest.md")
    scores = _scores(result)
    assert scores["risk_identification"] == 4 and scores["proportionality"] == 4
    assert result.severe_faults == 0 and result.not_assessed == ()
    assert result.proceeds_to_panel and result.overall.rating.value == "Good"


def test_the_json_says_how_many_criteria_were_measured(engine: Evaluator) -> None:
    data = _review(engine, "ashgrove-contradiction.md").as_dict()
    assert data["overall"]["assessed"] == 13 and data["overall"]["not_assessed"] == 0
    assert data["overall"]["severe_faults"] >= 3
    assert {c["status"] for c in data["criteria"]} == {"assessed"}


def test_a_real_world_report_with_tables_bullets_an_appendix_and_consultant_spellings_is_scored(
    engine: Evaluator,
) -> None:
    result = _review(engine, "cedar-grove-real-world.md")
    kinds = {n.kind for n in result.report.reading_notes}
    assert {"kloe_heading", "non_cqc_spelling", "unscored_section"} <= kinds
    assert "E3" not in {f.statement for f in result.report.findings}  # KLOE E3, never SAF E3
    s3 = result.report.finding_for("S3")
    assert s3 is not None and len(s3.evidence) == 2 and "2 concerns in 2025" in s3.narrative
    assert len(result.report.recommendations) == 3
    scores = _scores(result)
    assert scores["cqc_alignment"] == 3  # marked down once for outdated terms and spellings, not refused
    assert result.proceeds_to_panel and result.overall.rating.value == "Good"


def test_the_same_report_in_word_with_real_tables_reads_the_same(engine: Evaluator, tmp_path: Path) -> None:
    path = docx_from_markdown(CORPUS / "cedar-grove-real-world.md", tmp_path / "cedar-grove.docx")
    word = Session(evaluator=engine).review(path, as_of=AS_OF)
    markdown = _review(engine, "cedar-grove-real-world.md")
    assert word.report.findings == markdown.report.findings
    assert word.report.recommendations == markdown.report.recommendations
    assert word.report.proposed_ratings == markdown.report.proposed_ratings
    assert _scores(word) == _scores(markdown)


def test_one_sentence_pasted_under_34_headings_is_inadequate(engine: Evaluator) -> None:
    result = _review(engine, "birch-lodge-pasted.md")
    assert result.overall.rating.value == "Inadequate" and not result.proceeds_to_panel
    assert "boilerplate_findings" in _rules(result, "evidence_based_findings")


def test_a_criterion_nothing_measures_is_not_assessed_shown_first_and_stops_the_report(
    engine: Evaluator, tmp_path: Path
) -> None:
    text = (CORPUS / "ashgrove-honest.md").read_text(encoding="utf-8")
    text = text[: text.index("## Recommendations")]
    for old, new in (("Score: 2", "Score: 3"), ("Score: 1", "Score: 3")):
        text = text.replace(old, new)
    cut = text.index("Risk RISK-1")
    text = text[:cut] + text[text.index("### S6") :]
    cut = text.index("Risk RISK-2")
    text = text[:cut] + text[text.index("## Effective") :]
    path = tmp_path / "no-recommendations.md"
    path.write_text(text, encoding="utf-8")
    result = Session(evaluator=engine).review(path, as_of=AS_OF)
    # no recommendation and no shortfall: nothing measures actionable feedback (proportionality is still
    # measured: the findings' own text describes events their scores of 3 ignore)
    assert result.not_assessed == ("methodology.actionable_feedback",)
    data = result.as_dict()
    statuses = {c["id"]: (c["status"], c["score"], c["rating"]) for c in data["criteria"]}
    assert statuses["methodology.actionable_feedback"] == ("not_assessed", None, None)
    assert data["overall"]["not_assessed"] == 1 and not data["proceeds_to_panel"]
    console = Console(record=True, width=200)
    result.render_text(console)
    lines = [line for line in console.export_text().splitlines() if line.strip()]
    assert lines[2].startswith("1 of 13 criteria not assessed")


def test_without_the_dictionary_spelling_is_not_checked_and_not_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    from mipr_rules.facts.base import FactContext
    from mipr_rules.mipr import read_report
    from mipr_rules.mipr.measures import quality, spelling

    monkeypatch.setattr(spelling, "spelling_available", lambda: False)
    monkeypatch.setattr(quality, "spelling_available", lambda: False)
    assert spelling.misspelt("Medicines were recieved late.") == []
    report = read_report(CORPUS / "ashgrove-honest.md")
    (fact,) = quality.QualityFacts().calculate(report, FactContext(as_of=AS_OF, parameters={}))
    assert fact["spelling_checked"] is False


def test_motives_and_remarks_about_nationality_are_flagged_with_their_sentence(
    engine: Evaluator, tmp_path: Path
) -> None:
    text = (CORPUS / "ashgrove-honest.md").read_text(encoding="utf-8")
    text = text.replace(
        "Staff we spoke with understood their safeguarding duties.",
        "Staff we spoke with understood their safeguarding duties. The night carer deliberately hid the "
        "allegation to protect herself. The overseas carers could not understand the safeguarding policy.",
    )
    text = text.replace(
        "Care plans recorded life histories",
        "The deputy does not care about activities. Care plans recorded life histories",
    )
    path = tmp_path / "remarks.md"
    path.write_text(text, encoding="utf-8")
    result = Session(evaluator=engine).review(path, as_of=AS_OF)
    found = {f.hit.rule_id: f for f in result.findings()}
    assert "overseas carers" in found["discriminatory_remark"].sentences[0].text
    assert "deliberately hid" in found["motive_claim"].sentences[0].text
    assert "does not care" in found["judgemental_language"].sentences[0].terms[0]
    assert _scores(result)["professional_tone"] == 1 and not result.proceeds_to_panel


def test_no_remark_in_plain_findings() -> None:
    from mipr_rules.mipr.measures.remarks import remarks_in

    assert remarks_in("Two of the 8 staff said the training was hard to follow. Staff spoke Polish and English.") == []
    assert remarks_in('One relative said, "The foreign staff cannot understand me."') == []
