"""``mipr draft-report``: a draft mock-inspection report in the MIPR Markdown format, written from the records.

The draft is a starting point for the consultant, never a finished report: statements the records inform
get the predicted score, the evidence the records hold and the open alerts as risks; statements they cannot
inform are present, unscored, marked "to be completed from observation and conversations" (``mipr review``
reads them as unscored findings, not assessed). Recommendations carry each rule's guidance; owner and
timescale are left for the consultant. Word output is the same Markdown through ``mipr_rules.mipr.word``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.predict.core import StatementScore
from mipr_rules.predict.report import OBSERVATION, PredictionReport
from mipr_rules.presentation.wording import uk_date
from mipr_rules.results import RuleHit
from mipr_rules.saf import KEY_QUESTIONS, QUALITY_STATEMENTS

CONSULTANT = "[to be completed by the consultant]"
"""What the draft writes where only the consultant can say."""
PRIORITY = {"critical": "urgent", "high": "high", "medium": "medium", "low": "low"}
"""Alert severity → recommendation priority."""
SOURCE_LABEL = "Documentation"
"""Evidence from records is documentation (the processes evidence category)."""

_RATES: dict[str, tuple[str, str, frozenset[str]]] = {
    "S6": ("training and supervision compliance", "staff_records",
           frozenset({"training_expired", "training_missing", "supervision_overdue", "supervision_never_held"})),
    "E1": ("care plans reviewed in time", "care_plans",
           frozenset({"care_plan_review_overdue", "care_plan_never_reviewed"})),
    "R4": ("complaints handled in time", "complaints",
           frozenset({"complaint_not_acknowledged", "complaint_response_overdue", "complaint_answered_late"})),
}
"""Statement → (what is measured, its denominator's record kind, the rules whose alerts count against it)."""


def _rate(statement: StatementScore) -> str | None:
    spec = _RATES.get(statement.statement)
    if spec is None:
        return None
    label, kind, rules = spec
    total = statement.evidence.get(kind, 0)
    if not total:
        return None
    failing = len({a.subject.split("/")[0] for a in statement.alerts if a.rule_id in rules})
    return f"{label}: {total - failing} of {total} ({round(100 * (total - failing) / total)}%) without an open alert"


def _evidence_lines(statement: StatementScore, location: Location) -> list[str]:
    lines = [f"- {SOURCE_LABEL}: {kind.replace('_', ' ')}, {count} record(s) held"
             for kind, count in statement.evidence.items() if count]
    if statement.statement in ("W5", "W7", "S7", "S8", "S5"):
        latest: dict[str, str] = {}
        for audit in location.audits:
            latest[audit.kind] = max(latest.get(audit.kind, ""), audit.completed.isoformat())
        lines += [f"- {SOURCE_LABEL}: {kind.replace('_', ' ')} audit, latest {day}"
                  for kind, day in sorted(latest.items())]
    if statement.statement in ("S1", "W5"):
        notified = sum(1 for i in location.incidents if i.cqc_notified is not None)
        lines.append(f"- {SOURCE_LABEL}: incidents, {len(location.incidents)} recorded, {notified} notified to CQC")
    return lines


def _finding(statement: StatementScore, location: Location, risks: list[tuple[str, RuleHit]]) -> list[str]:
    name = QUALITY_STATEMENTS[statement.statement][1]
    out = [f"### {statement.statement} {name}", ""]
    if statement.score is None:
        out += [f"{OBSERVATION[0].upper()}{OBSERVATION[1:]}. The records hold nothing that informs this quality "
                "statement: people's experience, staff and partners' feedback and observation will.", ""]
        return out
    out += [f"Score: {statement.score}", ""]
    rate = _rate(statement)
    summary = (f"Predicted from the records by saf-prediction-2024: {sum(statement.evidence.values())} record(s) "
               f"inform this statement and {len(statement.alerts)} readiness alert(s) are open.")
    out += [summary + (f" The records show {rate}." if rate else ""),
            ""]
    lines = _evidence_lines(statement, location)
    if lines:
        out += ["Evidence", "", *lines, ""]
    for risk_id, alert in risks:
        out += [f"Risk {risk_id}", "", "- Kind: actual", "- Affects: people, service", f"- Severity: {alert.severity}",
                f"- Description: {alert.message} (rule {alert.rule_id}, {alert.ruleset_id} {alert.ruleset_version})",
                ""]
    return out


def render_draft(prediction: PredictionReport, location: Location) -> str:
    """The draft report as MIPR Markdown (mipr_rules/mipr/MARKDOWN.md)."""
    statements = {s.statement: s for kq in prediction.key_questions for s in kq.statements}
    risks: dict[str, list[tuple[str, RuleHit]]] = {}
    count = 0
    for statement_id, statement in statements.items():
        for alert in sorted(statement.alerts, key=lambda a: a.sort_key):
            if alert.severity in PRIORITY:
                count += 1
                risks.setdefault(statement_id, []).append((f"RISK-{count}", alert))
    informed = [s for s in statements if statements[s].score is not None]
    observation = [s for s in statements if statements[s].score is None]
    out = [
        f"# Draft mock inspection report: {location.name}", "",
        f"- Location ID: {location.location_id}", f"- Location name: {location.name}",
        f"- Consultant: {CONSULTANT}", f"- Visit dates: {prediction.as_of.isoformat()}", "",
        "## Scope", "",
        f"- Services: {'; '.join(location.service_types) or 'Care home'}",
        f"- Quality statements: {', '.join(statements)}", "",
        "## Executive summary", "",
        f"This is a draft written by mipr-rules from the records as of {uk_date(prediction.as_of)}, before any "
        f"visit. The records inform {len(informed)} of the {len(statements)} quality statements; the other "
        f"{len(observation)} are {OBSERVATION}. Scores are predictions that the consultant confirms or changes.",
        "",
        "## Methodology", "",
        f"The records were read and checked by the readiness rules; each quality statement's score was predicted "
        f"by ruleset {prediction.ruleset.id} {prediction.ruleset.version} and the ratings worked out by "
        f"{prediction.rating_ruleset.id} {prediction.rating_ruleset.version}. The visit date above is the date of "
        "the records: the consultant replaces it with the visit dates, and confirms or changes each score from "
        "observation and conversations.", "",
    ]
    for kq in KEY_QUESTIONS:
        out += [f"## {kq}", ""]
        for prediction_kq in prediction.key_questions:
            if prediction_kq.key_question == kq:
                for statement in prediction_kq.statements:
                    out += _finding(statement, location, risks.get(statement.statement, []))
    ratings = [(k.key_question, k.predicted_rating) for k in prediction.key_questions if k.predicted_rating]
    overall = prediction.rating.overall
    out += ["## Proposed ratings", "", *(f"- {kq}: {rating}" for kq, rating in ratings)]
    if overall is not None and overall.rating is not None:
        out.append(f"- Overall: {overall.rating.value}")
    out += ["", "## Recommendations", ""]
    out += _recommendations(risks, prediction)
    return "\n".join(out).rstrip() + "\n"


def _recommendations(risks: dict[str, list[tuple[str, RuleHit]]], prediction: PredictionReport) -> list[str]:
    by_rule: dict[str, list[tuple[str, str, RuleHit]]] = {}
    for statement, items in risks.items():
        for risk_id, alert in items:
            by_rule.setdefault(alert.rule_id, []).append((statement, risk_id, alert))
    order = sorted(by_rule.values(), key=lambda items: min(i[2].sort_key for i in items))
    out: list[str] = []
    for number, group in enumerate(order, start=1):
        alert = group[0][2]
        source = alert.source
        guidance = f"{alert.title}: put right the {len(group)} case(s) the records show"
        cite = f" ({source.title}{', ' + source.section if source.section else ''})" if source.title else ""
        worst = min((i[2] for i in group), key=lambda a: a.sort_key)
        out += [f"Recommendation REC-{number}", "", f"- Action: {guidance}{cite}",
                f"- Priority: {PRIORITY[worst.severity]}", f"- Owner: {CONSULTANT}",
                f"- Findings: {', '.join(sorted({i[0] for i in group}))}",
                f"- Risks: {', '.join(i[1] for i in group)}", ""]
    return out


def write_draft(prediction: PredictionReport, location: Location, out: Path) -> None:
    """Write the draft to ``out``: ``.md`` (Markdown) or ``.docx`` (Word, needs the ``mipr`` extra)."""
    text = render_draft(prediction, location)
    suffix = out.suffix.lower()
    if suffix == ".md":
        out.write_text(text, encoding="utf-8")
    elif suffix == ".docx":
        from mipr_rules.mipr.markdown import markdown_blocks
        from mipr_rules.mipr.word import write_docx

        out.write_bytes(write_docx(markdown_blocks(text, out.with_suffix(".md").name)))
    else:
        raise InputError(f"{out}: expected a .md or .docx file name for --out")


def observation_only(prediction: PredictionReport) -> Sequence[str]:
    """The statements the draft leaves to observation and conversations."""
    return [s.statement for k in prediction.key_questions for s in k.statements if s.score is None]


