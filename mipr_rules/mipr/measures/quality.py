"""``mipr_quality``: what a reviewer weighs beyond the form of a report, measured for the whole report.

Coverage of the five key questions (and the exclusions the scope explains), boilerplate (the same
sentence under several findings), the specificity of evidence, the elements of the methodology, hedging,
the balance of strengths and shortfalls, the adverse events the findings describe (``signals.py``), and
what the reader kept but did not score (``Report.reading_notes``). It measures; the ``mipr-2025`` rules
decide.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import attrs

from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.mipr.measures.common import BOOL, INT, NUM, fact
from mipr_rules.mipr.measures.findings import source_types
from mipr_rules.mipr.measures.signals import events_in
from mipr_rules.mipr.measures.spelling import spelling_available
from mipr_rules.mipr.measures.text import sentences
from mipr_rules.mipr.report import Report, RiskKind, score_value
from mipr_rules.model.quality_statements import KEY_QUESTIONS, key_question_of

MIN_REPEATED_WORDS = 5
"""Shortest sentence (in words) counted when it is repeated under another finding."""

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_SPECIFIC = re.compile(rf"\d|\b(?:{_MONTHS})\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve)\b", re.I)
"""An evidence reference is specific when it gives a number, a date or a period."""

METHODOLOGY_ELEMENTS: dict[str, re.Pattern[str]] = {
    "dates": re.compile(
        rf"\d{{4}}-\d{{2}}-\d{{2}}|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+\d{{4}}", re.I
    ),
    "duration": re.compile(
        r"\b(?:\d+|one|two|three|four|five)[\s-]+(?:hours?|days?)\b|\bover\s+(?:\d+|two|three)\s+days", re.I
    ),
    "sampling": re.compile(
        r"\bsampl\w*|\bpathway[- ]track\w*|\bcase[- ]track\w*|\b\d+\s+(?:\w+\s+){0,2}"
        r"(?:care plans?|files?|records?|MAR|charts?|rotas?|audits?)",
        re.I,
    ),
    "people_spoken_to": re.compile(
        r"\bspoke\s+(?:with|to)\b|\binterview\w*|\btalked\s+(?:with|to)\b|\bconversations?\s+with", re.I
    ),
    "scoring_method": re.compile(r"\bscor\w+|\brating characteristics|\b1\s*(?:to|-|\u2013)\s*4\b|\bfour-point", re.I),
    "scope_rationale": re.compile(
        r"\bbecause\b|\bchosen\b|\bselected\b|\bexclud\w+|\bat the provider's request|\bfocus\w*\s+on", re.I
    ),
}
"""The elements of a transparent methodology, each found by a pattern in the methodology text."""

HEDGES = re.compile(
    r"(?<![\w'-])(?:generally|seemed|seems|seem|it appears|appeared to|appears to|apparently|somewhat|"
    r"to some extent|probably|possibly|it is likely|arguably)(?![\w'-])",
    re.I,
)
"""Hedging words that weaken a finding unless evidence follows."""

FACT_TYPE = FactType(
    "mipr_quality",
    "The report as a reviewer weighs it: coverage, boilerplate, specificity, method, hedging, balance, events",
    {
        "findings": INT,
        "key_questions_with_findings": INT,
        "key_questions_excluded": INT,
        "key_questions_excluded_without_reason": INT,
        "key_questions_missing": INT,
        "has_proposed_overall": BOOL,
        "risks": INT,
        "actual_risks": INT,
        "recommendations": INT,
        "repeated_sentences": INT,
        "findings_with_repeated_text": INT,
        "repeated_finding_share": NUM,
        "evidence_items": INT,
        "specific_evidence_items": INT,
        "specific_evidence_share": NUM,
        "methodology_elements": INT,
        **{f"methodology_gives_{name}": BOOL for name in METHODOLOGY_ELEMENTS},
        "hedging_terms": INT,
        "hedged_findings": INT,
        "hedged_finding_share": NUM,
        "single_source_findings": INT,
        "single_source_finding_share": NUM,
        "strength_findings": INT,
        "shortfall_findings": INT,
        "adverse_signals": INT,
        "findings_with_adverse_signals": INT,
        "unscored_sections": INT,
        "kloe_headings": INT,
        "statement_title_mismatches": INT,
        "non_cqc_label_spellings": INT,
        "unscored_findings": INT,
        "prose_words": INT,
        "spelling_checked": BOOL,
    },
)


def _normal(sentence: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", sentence.lower()).split())


@attrs.frozen
class QualityFacts:
    """Measures what a reviewer weighs over the whole report."""

    name: str = "mipr_quality"
    subject_type: type = Report
    fact_types: tuple[FactType, ...] = (FACT_TYPE,)

    def calculate(self, subject: Report, context: FactContext) -> Iterator[Fact]:
        """Yield the one ``mipr_quality`` fact."""
        report = subject
        covered = {key_question_of(f.statement) for f in report.findings}
        exclusions = report.scope.exclusions
        excluded = {kq for kq in exclusions if kq not in covered}
        missing = [kq for kq in KEY_QUESTIONS if kq not in covered and kq not in excluded]
        owners: dict[str, set[str]] = {}
        for finding in report.findings:
            for sentence in sentences(finding.narrative):
                normal = _normal(sentence)
                if len(normal.split()) >= MIN_REPEATED_WORDS:
                    owners.setdefault(normal, set()).add(finding.statement)
        repeated = {s: o for s, o in owners.items() if len(o) > 1}
        repeating = set().union(*repeated.values()) if repeated else set()
        references = [e.reference for f in report.findings for e in f.evidence]
        specific = sum(1 for r in references if _SPECIFIC.search(r))
        elements = {name: bool(p.search(report.methodology)) for name, p in METHODOLOGY_ELEMENTS.items()}
        hedges = [len(HEDGES.findall(f.narrative)) for f in report.findings]
        events = [len(events_in(f)) for f in report.findings]
        notes = Counter(n.kind for n in report.reading_notes)
        findings = len(report.findings)
        single = sum(1 for f in report.findings if f.evidence and source_types(f) == 1)
        words = len(report.executive_summary.split()) + len(report.methodology.split())
        words += sum(len(f.narrative.split()) for f in report.findings)
        yield fact(
            "mipr_quality",
            "quality",
            findings=findings,
            key_questions_with_findings=len(covered),
            key_questions_excluded=len(excluded),
            key_questions_excluded_without_reason=sum(1 for kq in excluded if not exclusions[kq].strip()),
            key_questions_missing=len(missing) + sum(1 for kq in excluded if not exclusions[kq].strip()),
            has_proposed_overall=report.proposed_ratings.overall is not None,
            risks=len(report.risks),
            actual_risks=sum(1 for r in report.risks if r.kind is RiskKind.ACTUAL),
            recommendations=len(report.recommendations),
            repeated_sentences=len(repeated),
            findings_with_repeated_text=len(repeating),
            repeated_finding_share=round(len(repeating) / findings, 3) if findings else None,
            evidence_items=len(references),
            specific_evidence_items=specific,
            specific_evidence_share=round(specific / len(references), 3) if references else None,
            methodology_elements=sum(elements.values()),
            **{f"methodology_gives_{name}": found for name, found in elements.items()},
            hedging_terms=sum(hedges),
            hedged_findings=sum(1 for h in hedges if h),
            single_source_findings=single,
            single_source_finding_share=round(single / findings, 3) if findings else None,
            hedged_finding_share=round(sum(1 for h in hedges if h) / findings, 3) if findings else None,
            strength_findings=sum(1 for f in report.findings if score_value(f.score) >= 3),
            shortfall_findings=sum(1 for f in report.findings if score_value(f.score) <= 2),
            adverse_signals=sum(events),
            findings_with_adverse_signals=sum(1 for e in events if e),
            unscored_sections=notes["unscored_section"],
            kloe_headings=notes["kloe_heading"],
            statement_title_mismatches=notes["statement_title_mismatch"],
            non_cqc_label_spellings=notes["non_cqc_spelling"],
            unscored_findings=notes["unscored_finding"],
            prose_words=words,
            spelling_checked=spelling_available(),
        )
