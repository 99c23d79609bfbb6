"""Markdown reports (the convention in ``MARKDOWN.md``): reading into a ``Report`` and writing one out."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mipr_rules.mipr import limits
from mipr_rules.mipr.outline import (
    BLOCK_LABEL,
    SCORE_LINE,
    SECTION_METHODOLOGY,
    SECTION_RATINGS,
    SECTION_RECOMMENDATIONS,
    SECTION_SCOPE,
    SECTION_SUMMARY,
    Block,
    Kind,
    read_outline,
    table_blocks,
)
from mipr_rules.mipr.report import EVIDENCE_SOURCE_LABELS, Report, Risk
from mipr_rules.model.quality_statements import BY_ID
from mipr_rules.model.vocabulary import KeyQuestion

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_BULLET = re.compile(r"^\s{0,8}(?:[-*+\u2022]|\d{1,2}[.)])\s+(.*)$")
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|?\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_RULE = re.compile(r"^ {0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")


def markdown_blocks(text: str, name: str) -> list[Block]:
    """Cut Markdown into headings, paragraphs (wrapped lines joined) and bullets (with continuations).

    HTML comments and thematic breaks (``---``) are skipped. Headings of level 4 or more are read as
    paragraphs of the section they are in; numbered lists are bullets; pipe tables are read as Word tables
    are (``outline.table_blocks``).
    """
    blocks: list[Block] = []
    lines: list[str] = []
    kind = Kind.PARAGRAPH
    start = 0
    in_comment = False
    table: list[list[str]] = []
    table_start = 0

    def flush_table() -> None:
        nonlocal table
        if table:
            blocks.extend(table_blocks(table, f"{name}:{table_start}"))
        table = []

    def flush() -> None:
        nonlocal lines
        if lines:
            blocks.append(Block(kind, " ".join(lines), f"{name}:{start}"))
        lines = []

    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not in_comment and (row := _TABLE_ROW.match(raw)) is not None:
            flush()
            if not table:
                table_start = number
            if not _TABLE_RULE.match(raw):
                table.append([cell.strip() for cell in row[1].rstrip("|").split("|")])
            continue
        flush_table()
        if in_comment:
            in_comment = "-->" not in stripped
            continue
        if stripped.startswith("<!--"):
            flush()
            in_comment = "-->" not in stripped
            continue
        if not stripped or _RULE.match(raw):
            flush()
            continue
        if heading := _HEADING.match(stripped):
            flush()
            level = len(heading[1])
            blocks.append(Block(Kind.HEADING, heading[2].strip(), f"{name}:{number}", level))
            continue
        if bullet := _BULLET.match(raw):
            flush()
            kind, start, lines = Kind.BULLET, number, [bullet[1].strip()]
            continue
        if not lines:
            kind, start = Kind.PARAGRAPH, number
        lines.append(stripped)  # a wrapped line, or a bullet's continuation
    flush()
    flush_table()
    limits.check_blocks(len(blocks), name)
    return blocks


def read_markdown(text: str, name: str) -> Report:
    """Read a Markdown report; errors are one line naming ``name:line``."""
    return read_outline(markdown_blocks(text, name), name)


def _check_paragraph(text: str, where: str) -> str:
    """``text`` if it reads back as a narrative paragraph, else ValueError."""
    if (
        not text.strip()
        or BLOCK_LABEL.match(text.strip())
        or SCORE_LINE.match(text.strip())
        or _HEADING.match(text.strip())
        or _BULLET.match(text)
        or text != text.strip()
    ):
        raise ValueError(f"{where}: a paragraph cannot be written in the Markdown convention")
    return text


def _paragraphs(text: str, where: str) -> Iterator[str]:
    for paragraph in text.split("\n\n"):
        if "\n" in paragraph:
            raise ValueError(f"{where}: single line breaks cannot be written in the Markdown convention")
        yield _check_paragraph(paragraph, where)
        yield ""


def render_markdown(report: Report) -> str:
    """Write ``report`` in the Markdown convention; reading the result gives the same ``Report``.

    Findings must be grouped by key question, and each risk must belong to a finding of the report
    (risks are written under their finding); otherwise ValueError.
    """
    out = [f"# Mock inspection report: {report.location.name}", ""]
    out += [
        f"- Location ID: {report.location.id}",
        f"- Location name: {report.location.name}",
        f"- Consultant: {report.consultant.name}",
    ]
    if report.consultant.accreditation is not None:
        out.append(f"- Accreditation: {report.consultant.accreditation}")
    out.append(f"- Visit dates: {', '.join(d.isoformat() for d in report.visit_dates)}")
    if report.factual_accuracy_review is not None:
        out.append(f"- Factual accuracy review: {report.factual_accuracy_review.isoformat()}")
    out += [f"- Publication consent: {'yes' if report.publication_consent else 'no'}", ""]
    out += [f"## {SECTION_SCOPE}", ""]
    if report.scope.services:
        if any(";" in s for s in report.scope.services):
            raise ValueError("a service name with ';' cannot be written in the Markdown convention")
        out.append(f"- Services: {'; '.join(report.scope.services)}")
    if report.scope.quality_statements:
        out.append(f"- Quality statements: {', '.join(report.scope.quality_statements)}")
    out.append("")
    for title, text in ((SECTION_SUMMARY, report.executive_summary), (SECTION_METHODOLOGY, report.methodology)):
        if text:
            out += [f"## {title}", "", *_paragraphs(text, title)]
    out += _findings(report)
    ratings = report.proposed_ratings
    if ratings.key_questions or ratings.overall is not None:
        out += [f"## {SECTION_RATINGS}", ""]
        out += [f"- {kq.value}: {rating.value}" for kq, rating in ratings.key_questions.items()]
        if ratings.overall is not None:
            out.append(f"- Overall: {ratings.overall.value}")
        out.append("")
    if report.recommendations:
        out += [f"## {SECTION_RECOMMENDATIONS}", ""]
        for rec in report.recommendations:
            out += [f"Recommendation {rec.id}", "", f"- Action: {rec.action}", f"- Priority: {rec.priority.value}"]
            if rec.owner is not None:
                out.append(f"- Owner: {rec.owner}")
            if rec.timescale is not None:
                out.append(f"- Timescale: {rec.timescale}")
            if rec.findings:
                out.append(f"- Findings: {', '.join(rec.findings)}")
            if rec.risks:
                out.append(f"- Risks: {', '.join(rec.risks)}")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _findings(report: Report) -> list[str]:
    out: list[str] = []
    done: list[KeyQuestion] = []
    placed: list[Risk] = []
    for finding in report.findings:
        qs = BY_ID[finding.statement]
        if not done or done[-1] is not qs.key_question:
            if qs.key_question in done:
                raise ValueError("findings must be grouped by key question to be written as Markdown")
            done.append(qs.key_question)
            out += [f"## {qs.key_question.value}", ""]
        score = finding.score if isinstance(finding.score, int) else finding.score.value
        out += [f"### {qs.id} {qs.name}", "", f"Score: {score}", ""]
        if finding.narrative:
            out += _paragraphs(finding.narrative, qs.id)
        if finding.evidence:
            out += ["Evidence", ""]
            out += [f"- {EVIDENCE_SOURCE_LABELS[e.source]}: {e.reference}" for e in finding.evidence]
            out.append("")
        for risk in (r for r in report.risks if r.finding == finding.statement):
            placed.append(risk)
            out += [
                f"Risk {risk.id}",
                "",
                f"- Kind: {risk.kind.value}",
                f"- Affects: {', '.join(a.value for a in risk.affects)}",
                f"- Severity: {risk.severity.value}",
                f"- Description: {risk.description}",
                "",
            ]
    if len(placed) != len(report.risks):
        raise ValueError("every risk must belong to a finding of the report to be written as Markdown")
    return out
