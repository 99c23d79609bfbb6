"""The report measures: flat, declared, documented facts; clean samples have no faults; planted faults show."""

from __future__ import annotations

import datetime as dt
import math
import re
from importlib import resources
from typing import Any

import attrs
import pluggy
import pytest

from mipr_rules import hookspecs
from mipr_rules.facts.base import RESERVED_FIELDS, FactCalculator, FactContext
from mipr_rules.mipr import plugin, read_report
from mipr_rules.mipr.measures import CALCULATORS, measure_report
from mipr_rules.mipr.measures.language import FAULT_FIELDS
from mipr_rules.mipr.measures.overview import TOTAL_FIELDS
from mipr_rules.mipr.measures.ratings import band_for
from mipr_rules.mipr.report import Finding, Priority, Recommendation, Report, StatementId, Timescale
from mipr_rules.mipr.samples import SAMPLES, sample_path
from mipr_rules.model.vocabulary import RatingValue

FACTS_DOC = resources.files("mipr_rules.mipr") / "FACTS.md"
CONTEXT = FactContext(as_of=dt.date(2025, 7, 1))
JSON_TYPES = {"integer": int, "number": float, "boolean": bool, "string": str}


def _facts(key: str) -> list[dict[str, Any]]:
    return measure_report(read_report(sample_path(key)), CONTEXT)


def _by_subject(facts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["subject"]: f for f in facts}


def test_calculators_satisfy_the_protocol_and_are_registered_by_the_plugin() -> None:
    for calculator in CALCULATORS:
        assert isinstance(calculator, FactCalculator)
        assert calculator.subject_type is Report
    pm = pluggy.PluginManager("mipr_rules")
    pm.add_hookspecs(hookspecs)
    pm.register(plugin)
    registered: list[Any] = []
    pm.hook.mipr_register_fact_calculators(register=registered.append)
    assert [c.name for c in registered] == [c.name for c in CALCULATORS]
    assert len({c.name for c in CALCULATORS}) == len(CALCULATORS)


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_facts_are_flat_declared_and_typed(key: str) -> None:
    declared = {t.name: t for c in CALCULATORS for t in c.fact_types}
    for fact in _facts(key):
        fact_type = declared[fact["type"]]
        assert isinstance(fact["subject"], str) and fact["subject"]
        for name, value in fact.items():
            if name in ("type", "subject"):
                continue
            assert name not in RESERVED_FIELDS
            assert name in fact_type.fields, f"{fact['type']}.{name} is not declared"
            expected = JSON_TYPES[fact_type.fields[name]]
            assert value is not None
            assert type(value) is expected or (expected is float and type(value) is int), (fact["type"], name)
            if isinstance(value, float):
                assert math.isfinite(value)


def test_every_fact_type_and_field_is_documented() -> None:
    text = FACTS_DOC.read_text(encoding="utf-8")
    for calculator in CALCULATORS:
        for fact_type in calculator.fact_types:
            section = re.search(rf"^## `{fact_type.name}`.*?(?=^## |\Z)", text, re.M | re.S)
            assert section, f"{fact_type.name} has no section in FACTS.md"
            for field in fact_type.fields:
                assert f"`{field}`" in section[0], f"{fact_type.name}.{field} is not documented"


def test_subjects_are_unique_within_a_report() -> None:
    facts = _facts("outstanding")
    assert len({(f["type"], f["subject"]) for f in facts}) == len(facts)


@pytest.mark.parametrize("key", ["outstanding", "good"])
def test_clean_reports_have_no_fault_measurements(key: str) -> None:
    facts = _facts(key)
    (report,) = [f for f in facts if f["type"] == "mipr_report"]
    for name in TOTAL_FIELDS:
        if name != "total_absolute_terms":
            assert report[f"total_{name}"] == 0, name
    assert report["texts_with_faults"] == 0
    assert report["has_executive_summary"] and report["has_methodology"] and report["scope_defined"]
    assert report["breakdown_complete"] and report["statements_without_finding"] == 0
    assert report["findings_without_evidence"] == 0 and report["shortfall_findings_without_risk"] == 0
    assert report["risks_without_recommendation"] == 0
    assert report["recommendations_without_owner"] == 0 and report["recommendations_without_timescale"] == 0
    assert report["recommendations_not_answering_finding"] == 0
    assert report["kq_rating_mismatches"] == 0 and report["kq_without_proposed_rating"] == 0
    for fact in facts:
        if fact["type"] == "mipr_text":
            assert not fact["has_faults"], fact
            assert all(fact[f] == 0 for f in FAULT_FIELDS), fact
        if fact["type"] == "mipr_finding":
            assert fact["evidence_items"] >= 2 and fact["source_types"] >= 2, fact["subject"]
        if fact["type"] == "mipr_key_question":
            assert fact["proposed_band_gap"] == 0
        if fact["type"] == "mipr_recommendation":
            assert fact["has_owner"] and fact["has_timescale"] and fact["answers_finding"]
            assert fact.get("priority_minus_severity", 0) >= 0


def test_outstanding_and_good_samples_land_in_their_bands() -> None:
    outstanding = _by_subject(_facts("outstanding"))
    assert outstanding["report"]["proposed_overall"] == "Outstanding"
    assert outstanding["report"]["kq_band_outstanding"] == 3 and outstanding["report"]["kq_band_good"] == 2
    assert outstanding["report"]["scope_statements"] == 34 and outstanding["report"]["source_types_used"] == 7
    good = _by_subject(_facts("good"))
    assert good["report"]["kq_band_good"] == 5 and good["report"]["proposed_overall"] == "Good"
    assert good["finding:S6"]["score"] == 2 and good["finding:S6"]["has_risk"]


def test_planted_faults_of_the_requires_improvement_sample_show_up() -> None:
    facts = _by_subject(_facts("requires_improvement"))
    report = facts["report"]
    # 1. a spelling slip
    assert facts["text:finding:S8"]["spelling_errors"] == 1 and report["total_spelling_errors"] == 1
    # 2. an emotive phrase
    assert facts["text:finding:S5"]["emotive_terms"] == 1 and report["total_emotive_terms"] == 1
    # 3. a finding without evidence
    assert facts["finding:E2"]["evidence_items"] == 0 and facts["finding:E2"]["source_types"] == 0
    assert report["findings_without_evidence"] == 1
    # 4. a recommendation without an owner
    assert facts["recommendation:REC-3"]["has_owner"] is False and report["recommendations_without_owner"] == 1
    # 5. a quality statement in scope without a finding
    assert facts["statement:W3"]["has_finding"] is False and "score" not in facts["statement:W3"]
    assert report["statements_without_finding"] == 1 and report["breakdown_complete"] is False
    # 6. a proposed key-question rating inconsistent with its statement scores
    safe = facts["key_question:Safe"]
    assert (safe["score_sum"], safe["statements_scored"], safe["percentage"]) == (8, 4, 50.0)
    assert safe["band"] == "Requires improvement" and safe["proposed_rating"] == "Good"
    assert safe["proposed_band_gap"] == 1 and report["kq_rating_mismatches"] == 1
    # and nothing else is wrong with its language
    faulty = [s for s, f in facts.items() if f["type"] == "mipr_text" and f["has_faults"]]
    assert sorted(faulty) == ["text:finding:S5", "text:finding:S8"]
    assert report["texts_with_faults"] == 2


def test_risk_and_recommendation_facts_link_up() -> None:
    facts = _by_subject(_facts("requires_improvement"))
    assert facts["risk:RISK-3"]["severity_rank"] == 4 and facts["risk:RISK-3"]["actual"] is True
    assert facts["risk:RISK-3"]["has_recommendation"] and facts["risk:RISK-3"]["max_priority_rank"] == 4
    assert facts["risk:RISK-3"]["finding_score"] == 1
    rec = facts["recommendation:REC-1"]
    assert rec["timescale_days"] == 0 and rec["max_risk_severity"] == "critical"
    assert rec["priority_minus_severity"] == 0 and rec["lowest_finding_score"] == 1
    assert facts["recommendation:REC-4"]["findings_referenced"] == 2
    assert facts["recommendation:REC-4"]["timescale_days"] == 60
    assert facts["finding:S8"]["has_risk"] and facts["finding:S8"]["max_risk_severity_rank"] == 4


def _with(report: Report, **changes: Any) -> Report:
    return attrs.evolve(report, **changes)


def test_recommendation_measures_of_unusual_cases() -> None:
    report = read_report(sample_path("good"))
    recs = (
        Recommendation(
            "A",
            "Do it.",
            Priority.LOW,
            timescale=Timescale.parse("2025-06-07"),
            findings=(StatementId("S1"), StatementId("W8")),
            risks=("RISK-1", "RISK-9"),
        ),
        Recommendation("B", "Do it.", Priority.URGENT, owner="  "),
    )
    facts = _by_subject(measure_report(_with(report, recommendations=recs), CONTEXT))
    a, b = facts["recommendation:A"], facts["recommendation:B"]
    assert a["timescale_days"] == 30 and a["unknown_findings"] == 1 and a["unknown_risks"] == 1
    assert a["answers_finding"] and a["answers_risk"] and a["priority_minus_severity"] == 1 - 3
    assert b["has_owner"] is False and b["has_timescale"] is False and "timescale_days" not in b
    assert b["answers_finding"] is False and "priority_minus_severity" not in b
    assert facts["report"]["recommendations_not_answering_finding"] == 1


def test_rating_words_as_scores_and_findings_out_of_scope() -> None:
    report = read_report(sample_path("good"))
    findings = (
        Finding(StatementId("S1"), RatingValue.OUTSTANDING, "We found a strong learning culture."),
        Finding(StatementId("S2"), 1, "We found significant shortfalls."),
    )
    facts = _by_subject(measure_report(_with(report, findings=findings, risks=()), CONTEXT))
    assert facts["finding:S1"]["score"] == 4 and facts["finding:S1"]["score_is_rating_word"]
    assert facts["finding:S2"]["in_scope"] is False and facts["report"]["findings_out_of_scope"] == 1
    assert facts["report"]["shortfall_findings_without_risk"] == 1
    # (4 + 1) / 8 = 62.5%, rounded half up to 63: the Good band (CQC does not say how it rounds)
    safe = facts["key_question:Safe"]
    assert (safe["percentage"], safe["percentage_rounded"], safe["band"]) == (62.5, 63, "Good")


@pytest.mark.parametrize(
    ("percentage", "band"),
    [
        (25, "Inadequate"),
        (38, "Inadequate"),
        (39, "Requires improvement"),
        (62, "Requires improvement"),
        (63, "Good"),
        (87, "Good"),
        (88, "Outstanding"),
        (100, "Outstanding"),
    ],
)
def test_saf_bands(percentage: int, band: str) -> None:
    assert band_for(percentage, {}).value == band


def test_kq_percentage_rounds_half_up_and_bands_follow_parameters() -> None:
    report = read_report(sample_path("outstanding"))
    scores = [4, 4, 4, 4, 4, 4, 3, 1]  # 28 / 32 = 87.5% -> 88 -> Outstanding
    findings = tuple(Finding(StatementId(f"S{i}"), s, "We found it.") for i, s in enumerate(scores, start=1))
    changed = _with(report, findings=findings, risks=())
    safe = _by_subject(measure_report(changed, CONTEXT))["key_question:Safe"]
    assert (safe["percentage"], safe["percentage_rounded"], safe["band"]) == (87.5, 88, "Outstanding")
    assert safe["scores_of_1"] == 1
    stricter = FactContext(as_of=CONTEXT.as_of, parameters={"saf_kq_outstanding_min": 90})
    assert _by_subject(measure_report(changed, stricter))["key_question:Safe"]["band"] == "Good"


def test_a_report_without_summary_methodology_scope_or_evidence_is_measured_not_refused() -> None:
    report = read_report(sample_path("good"))
    bare = _with(
        report,
        executive_summary="",
        methodology="",
        scope=type(report.scope)(),
        findings=tuple(attrs.evolve(f, evidence=()) for f in report.findings),
    )
    facts = _by_subject(measure_report(bare, CONTEXT))
    assert facts["report"]["has_executive_summary"] is False and facts["report"]["has_methodology"] is False
    assert facts["report"]["scope_defined"] is False and facts["report"]["breakdown_complete"] is False
    assert facts["report"]["evidence_items"] == 0 and "dominant_source_share" not in facts["report"]
    assert "text:executive_summary" not in facts and not any(s.startswith("statement:") for s in facts)
