"""The report convention shared by Markdown and Word: headings, paragraphs and labelled blocks → a Report.

A document is first cut into ``Block``s (a heading of level 1-3, a paragraph or a bullet, with the place
it was written); ``read_outline`` then follows the convention of ``MARKDOWN.md`` and builds the plain data
the core converter structures, remembering the place of every field so errors name the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from enum import Enum
from typing import Any

import attrs

from mipr_rules.errors import InputError
from mipr_rules.mipr import tolerant
from mipr_rules.mipr.report import EVIDENCE_SOURCE_LABELS, EvidenceSource, Report, Timescale
from mipr_rules.mipr.structure import structure_report
from mipr_rules.model.quality_statements import BY_ID, ID_RANGES
from mipr_rules.model.vocabulary import KeyQuestion


class Kind(str, Enum):
    """What a block is."""

    HEADING = "heading"
    PARAGRAPH = "paragraph"
    BULLET = "bullet"


@attrs.frozen
class Block:
    """One heading, paragraph or bullet of a document."""

    kind: Kind
    """Heading, paragraph or bullet."""
    text: str
    """Its text, without markup (``#``, ``- ``)."""
    place: str
    """Where it was written: ``report.md:42`` or ``report.docx: paragraph 42``."""
    level: int = 0
    """Heading level, 1-3 (0 for other blocks)."""


OBSERVATION_MARKER = "to be completed from observation and conversations"
"""A finding without a score whose text says this (as ``mipr draft-report`` writes) is noted ``not_assessed``."""
SECTION_SCOPE = "Scope"
SECTION_SUMMARY = "Executive summary"
SECTION_METHODOLOGY = "Methodology"
SECTION_RATINGS = "Proposed ratings"
SECTION_RECOMMENDATIONS = "Recommendations"
SECTIONS = (
    SECTION_SCOPE,
    SECTION_SUMMARY,
    SECTION_METHODOLOGY,
    *[kq.value for kq in KeyQuestion],
    SECTION_RATINGS,
    SECTION_RECOMMENDATIONS,
)
"""The ``##`` sections of the convention, in the order a rendered report has them."""

FRONT_FIELDS = {
    "Location ID": "location_id",
    "Location name": "location_name",
    "Consultant": "consultant",
    "Accreditation": "accreditation",
    "Visit dates": "visit_dates",
    "Factual accuracy review": "factual_accuracy_review",
    "Publication consent": "publication_consent",
}
"""Front-matter labels (before the first ``##``) → field."""
SCOPE_FIELDS = {
    "Services": "services",
    "Quality statements": "quality_statements",
    "Excluded": "exclusions",
    "Excluded key questions": "exclusions",
    "Exclusions": "exclusions",
}
"""Scope labels → field."""
RISK_FIELDS = {"Kind": "kind", "Affects": "affects", "Severity": "severity", "Description": "description"}
"""Risk block labels → field; all required."""
RECOMMENDATION_FIELDS = {
    "Action": "action",
    "Priority": "priority",
    "Owner": "owner",
    "Timescale": "timescale",
    "Findings": "findings",
    "Risks": "risks",
}
"""Recommendation block labels → field."""
RECOMMENDATION_REQUIRED = ("Action", "Priority")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STATEMENT_REF = re.compile(r"\b([SECRW]\d{1,2})\b", re.I)
_RISK_REF = re.compile(r"\b((?:RISK|R)-?\d+)\b", re.I)
_AFFECTS = {
    **{w: "people" for w in ("people", "person", "residents", "resident", "service users", "patients", "clients")},
    **{w: "staff" for w in ("staff", "employees", "workers", "care staff", "carers")},
    **{w: "service" for w in ("service", "provider", "home", "the home", "organisation", "business")},
}
"""Words consultants use for whom a risk affects → the convention's word."""
_AT_ONCE = frozenset({"asap", "as soon as possible", "now", "today", "urgently", "at once", "with immediate effect"})
"""Timescales that mean immediately."""
LIST_FIELDS = {"visit_dates", "quality_statements", "affects", "findings", "risks"}

_SOURCE_BY_LABEL = {label.lower(): source.value for source, label in EVIDENCE_SOURCE_LABELS.items()}
_SOURCE_BY_LABEL.update({source.value: source.value for source in EvidenceSource})
_SOURCE_BY_LABEL.update({source.value.replace("_", " "): source.value for source in EvidenceSource})
_KQ_BY_NAME = {kq.value.lower(): kq for kq in KeyQuestion}
_KQ_NAMES = {kq.value for kq in KeyQuestion}
_EMPHASIS = re.compile(r"^([*_]{1,2})(.+?)\1(.*)$")
_FIELD = re.compile(r"^([A-Za-z][A-Za-z -]*?)\s*:\s*(.*)$")
BLOCK_LABEL = re.compile(r"^(Evidence|Risk|Recommendation)(?:\s+([^\s:]+))?\s*:?$", re.IGNORECASE)
SCORE_LINE = re.compile(r"^Score\s*:\s*(.*)$", re.IGNORECASE)
_STATEMENT = re.compile(r"^([A-Za-z]\d{1,2})\b[\s:.\-\u2013\u2014]*(.*)$")


def _plain(text: str) -> str:
    """A label line without bold/italic markers: ``**Score:** 3`` and ``**Risk R1**`` as plain text."""
    text = text.strip()
    match = _EMPHASIS.match(text)
    if match and (match[2].endswith(":") or match[3].lstrip().startswith(":") or not match[3].strip()):
        return (match[2] + match[3]).strip()
    return text


def _field(block: Block) -> tuple[str, str] | None:
    """``(label, value)`` if the block is a ``Label: value`` line."""
    match = _FIELD.match(_plain(block.text))
    return (match[1].strip(), match[2].strip()) if match else None


def _lookup(known: dict[str, str], label: str) -> str | None:
    """The field a label names, matched without regard to case."""
    return next((key for name, key in known.items() if name.lower() == label.lower()), None)


def _split(value: str, separator: str = ",") -> list[str]:
    return [part.strip() for part in value.split(separator) if part.strip()]


def _yes_no(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in ("yes", "true"):
        return True
    if lowered in ("no", "false"):
        return False
    return None


class _Reader:
    """Walks the blocks once, building the report data and the place of every field."""

    def __init__(self, blocks: Sequence[Block], source: str) -> None:
        self.blocks = list(blocks)
        self.source = source
        self.index = 0
        self.data: dict[str, Any] = {}
        self.places: dict[str, str] = {}
        self.findings: list[dict[str, Any]] = []
        self.risks: list[dict[str, Any]] = []
        self.recommendations: list[dict[str, Any]] = []
        self.seen_sections: set[str] = set()
        self.notes: list[dict[str, str]] = []

    def note(self, kind: str, block: Block, detail: str) -> None:
        """Keep a reading note: what was read tolerantly or kept without scoring."""
        self.notes.append({"kind": kind, "place": block.place, "detail": detail})

    def skip(self, heading: Block, detail: str) -> None:
        """Keep ``heading`` and everything under it up to the next heading of its level or above, unscored."""
        self.note("unscored_section", heading, detail)
        while (block := self.peek()) is not None and not (block.kind is Kind.HEADING and block.level <= heading.level):
            self.take()

    # -- navigation -------------------------------------------------------------------------------
    def peek(self) -> Block | None:
        return self.blocks[self.index] if self.index < len(self.blocks) else None

    def take(self) -> Block:
        block = self.blocks[self.index]
        self.index += 1
        return block

    def body(self) -> Iterator[Block]:
        """The blocks up to the next heading."""
        while (block := self.peek()) is not None and block.kind is not Kind.HEADING:
            yield self.take()

    def error(self, block: Block, message: str) -> InputError:
        return InputError(f"{block.place}: {message}")

    # -- the document ------------------------------------------------------------------------------
    def read(self) -> tuple[dict[str, Any], dict[str, str]]:
        first = self.peek()
        if first is None:
            raise InputError(f"{self.source}: empty document; expected a '#' title heading")
        if first.kind is not Kind.HEADING or first.level != 1:
            raise self.error(first, "expected the report title as the first heading ('#' / Heading 1)")
        title = self.take()
        self.front_matter(title)
        while (block := self.peek()) is not None:
            if block.kind is not Kind.HEADING:  # pragma: no cover - body() consumes every non-heading
                raise self.error(block, "text outside a section")
            self.take()
            if block.level >= 3:
                self.skip(block, f"heading '{_plain(block.text)}' outside a key question")
                continue
            self.section(block)
        self.data["findings"] = self.findings
        self.data["reading_notes"] = self.notes
        self.data["risks"] = self.risks
        self.data["recommendations"] = self.recommendations
        return self.data, self.places

    def fields(self, heading: Block, known: dict[str, str], what: str) -> dict[str, tuple[str, Block]]:
        """The ``Label: value`` lines (bullets or paragraphs) under ``heading``; other lines are kept as notes."""
        found: dict[str, tuple[str, Block]] = {}
        for block in self.body():
            pair = _field(block)
            key = None if pair is None else _lookup(known, pair[0])
            if pair is None or key is None:
                label = "text" if pair is None else f"field '{pair[0]}'"
                self.note("unscored_section", block, f"{label} in {what}")
                continue
            if key in found:
                raise self.error(block, f"{pair[0]!r} given twice in {what}")
            found[key] = (pair[1], block)
        return found

    def front_matter(self, title: Block) -> None:
        fields = self.fields(title, FRONT_FIELDS, "the front matter")
        for label, key in (
            ("Location ID", "location_id"),
            ("Location name", "location_name"),
            ("Consultant", "consultant"),
            ("Visit dates", "visit_dates"),
        ):
            if key not in fields and key != "visit_dates":
                self.note("unread_value", title, f"front matter without '{label}:'; read as 'not given'")
                fields[key] = ("not given", title)
            if key not in fields:
                raise self.error(title, f"front matter (before the first '##' heading) without '{label}:'")

        def put(path: str, key: str, value: Any) -> Any:
            self.places[path] = fields[key][1].place
            return value

        visits, visits_block = fields["visit_dates"]
        if not all(_ISO_DATE.match(v) for v in _split(visits)):
            read = tolerant.dates(visits)
            if read:
                self.note("non_cqc_spelling", visits_block, f"visit dates '{visits}' read as {', '.join(read)}")
                fields["visit_dates"] = (", ".join(read), visits_block)

        self.data["location"] = {
            "id": put("$.location.id", "location_id", fields["location_id"][0]),
            "name": put("$.location.name", "location_name", fields["location_name"][0]),
        }
        self.places["$.location"] = title.place
        consultant: dict[str, Any] = {"name": put("$.consultant.name", "consultant", fields["consultant"][0])}
        if "accreditation" in fields:
            consultant["accreditation"] = put("$.consultant.accreditation", "accreditation", fields["accreditation"][0])
        self.data["consultant"] = consultant
        self.data["visit_dates"] = put("$.visit_dates", "visit_dates", _split(fields["visit_dates"][0]))
        if "factual_accuracy_review" in fields:
            self.data["factual_accuracy_review"] = put(
                "$.factual_accuracy_review", "factual_accuracy_review", fields["factual_accuracy_review"][0]
            )
        if "publication_consent" in fields:
            value, block = fields["publication_consent"]
            consent = (
                _yes_no(value) if _yes_no(value) is not None else _yes_no(re.split(r"[\s,;.(-]", value.strip())[0])
            )
            if consent is None:
                self.note("unread_value", block, f"publication consent '{value}' is neither yes nor no; not recorded")
            else:
                self.data["publication_consent"] = put("$.publication_consent", "publication_consent", consent)

    def section(self, heading: Block) -> None:
        name = _plain(heading.text)
        canonical = tolerant.section(name)
        if canonical is None:
            self.skip(heading, f"section '{name}'")
            return
        kq, exact = tolerant.key_question(name)
        if kq is not None and not exact:
            self.note("non_cqc_spelling", heading, f"key question written '{name}' (CQC: '{kq.value}')")
        if canonical in self.seen_sections and canonical not in _KQ_NAMES:
            self.skip(heading, f"second '{canonical}' section")
            return
        self.seen_sections.add(canonical)
        lowered = canonical.lower()
        if canonical == SECTION_SCOPE:
            self.scope(heading)
        elif canonical in (SECTION_SUMMARY, SECTION_METHODOLOGY):
            key = "executive_summary" if canonical == SECTION_SUMMARY else "methodology"
            self.data[key] = self.prose(heading)
            self.places[f"$.{key}"] = heading.place
        elif canonical == SECTION_RATINGS:
            self.ratings(heading)
        elif canonical == SECTION_RECOMMENDATIONS:
            self.recommendations_section(heading)
        else:
            self.key_question(heading, _KQ_BY_NAME[lowered])

    def prose(self, heading: Block) -> str:
        """The paragraphs and bullets under ``heading``, and under its sub-headings, as paragraphs."""
        paragraphs = []
        while (block := self.peek()) is not None and not (block.kind is Kind.HEADING and block.level <= 2):
            self.take()
            paragraphs.append(block.text)
        return "\n\n".join(paragraphs)

    def scope(self, heading: Block) -> None:
        fields = self.fields(heading, SCOPE_FIELDS, "the Scope section")
        scope: dict[str, Any] = {}
        if "exclusions" in fields:
            scope["exclusions"] = self.exclusions(*fields["exclusions"])
        if "services" in fields:
            scope["services"] = _split(fields["services"][0], ";")
            self.places["$.scope.services"] = fields["services"][1].place
        if "quality_statements" in fields:
            scope["quality_statements"] = _split(fields["quality_statements"][0])
            self.places["$.scope.quality_statements"] = fields["quality_statements"][1].place
        self.data["scope"] = scope
        self.places["$.scope"] = heading.place

    def exclusions(self, value: str, block: Block) -> dict[str, str]:
        """``Responsive: reason; Caring (reason)`` → key question → reason."""
        out: dict[str, str] = {}
        for item in _split(value, ";"):
            match = re.match(r"^([A-Za-z -]+?)\s*(?:[:(\u2013\u2014]|\s-\s|$)\s*(.*?)\)?$", item)
            kq = tolerant.key_question(match[1])[0] if match else None
            if kq is None or match is None:
                self.note("unscored_section", block, "exclusion not naming a key question")
                continue
            out[kq.value] = match[2].strip()
        return out

    def ratings(self, heading: Block) -> None:
        fields: dict[str, tuple[str, Block]] = {}
        for block in self.body():
            pair = _field(block)
            if pair is None:
                self.note("unscored_section", block, "line in the Proposed ratings section")
                continue
            label = pair[0]
            kq, exact_kq = tolerant.key_question(label)
            if kq is not None:
                key = kq.value
                if not exact_kq:
                    self.note("non_cqc_spelling", block, f"key question written '{label}' (CQC: '{key}')")
            elif label.lower() in ("overall", "overall rating"):
                key = "overall"
            else:
                self.note("unscored_section", block, f"rating of '{label}'")
                continue
            found, exact = tolerant.rating(pair[1])
            if found is None:
                self.note("unread_value", block, f"rating '{pair[1]}' is not one of CQC's four; left out")
                continue
            if not exact:
                self.note("non_cqc_spelling", block, f"rating written '{pair[1]}' (CQC: '{found.value}')")
            fields[key] = (found.value, block)
        key_questions: dict[str, Any] = {}
        for key, (value, block) in fields.items():
            if key == "overall":
                self.data.setdefault("proposed_ratings", {})["overall"] = value
                self.places["$.proposed_ratings.overall"] = block.place
            else:
                key_questions[key] = value
                self.places[f"$.proposed_ratings.key_questions['{key}']"] = block.place
        self.data.setdefault("proposed_ratings", {})["key_questions"] = key_questions

    # -- findings ------------------------------------------------------------------------------------
    def key_question(self, heading: Block, kq: KeyQuestion) -> None:
        stray = list(self.body())
        if stray:
            self.note("unscored_section", stray[0], f"text under '{kq.value}' before its first quality statement")
        while (block := self.peek()) is not None and block.kind is Kind.HEADING and block.level >= 3:
            if self.starts_finding(block):
                self.finding(self.take(), kq)
            else:
                self.skip(self.take(), f"heading '{_plain(block.text)}' under '{kq.value}'")

    def finding(self, heading: Block, kq: KeyQuestion) -> None:
        text = _plain(heading.text)
        match = _STATEMENT.match(text)
        identifier = match[1].upper() if match else ""
        title = match[2].strip() if match else text
        statement = identifier if identifier in BY_ID else (tolerant.statement_by_title(title) if not match else None)
        if statement is not None and identifier and not tolerant.title_fits(statement, title):
            statement = None if tolerant.is_kloe(identifier, title) else statement
            if statement is not None:
                self.note("statement_title_mismatch", heading, f"{identifier} titled '{title}'")
        if statement is None:
            if (identifier and tolerant.is_kloe(identifier, title)) or "kloe" in text.lower():
                self.note("kloe_heading", heading, f"'{text}' read as a KLOE-era key line of enquiry, not scored")
            else:
                self.note("unscored_section", heading, f"heading '{text}' names no quality statement ({ID_RANGES})")
            self.skip_body(heading)
            return
        if BY_ID[statement].key_question is not kq:
            self.note(
                "statement_title_mismatch",
                heading,
                f"quality statement {statement} under '{kq.value}'; it belongs under "
                f"'{BY_ID[statement].key_question.value}'",
            )
        path = f"$.findings[{len(self.findings)}]"
        finding: dict[str, Any] = {"statement": statement}
        self.places[path] = heading.place
        narrative: list[str] = []
        evidence: list[dict[str, Any]] = []
        for block in self.finding_body():
            text = _plain(block.text)
            if block.kind is Kind.BULLET and SCORE_LINE.match(text) is None:
                narrative.append(block.text)
                continue
            if (score := SCORE_LINE.match(text)) is not None:
                if "score" in finding:
                    raise self.error(block, f"'Score:' given twice for {statement}")
                finding["score"] = self.score(score[1].strip(), block)
                self.places[f"{path}.score"] = block.place
            elif (label := BLOCK_LABEL.match(text)) is not None:
                kind = label[1].lower()
                if kind == "evidence":
                    self.evidence(block, evidence, f"{path}.evidence")
                elif kind == "risk":
                    self.risk(block, label[2], statement)
                else:
                    raise self.error(block, "Recommendation blocks belong in the 'Recommendations' section")
            else:
                narrative.append(block.text)
        if "score" not in finding:
            if any(OBSERVATION_MARKER in text.lower() for text in narrative):  # a draft leaves it to the visit
                self.note("not_assessed", heading, f"{statement}: {OBSERVATION_MARKER}")
            else:
                self.note("unscored_finding", heading, f"{statement} section without 'Score:'")
            return
        finding["narrative"] = "\n\n".join(narrative)
        finding["evidence"] = evidence
        self.findings.append(finding)

    def starts_finding(self, block: Block) -> bool:
        """Whether a heading starts a finding: level 3, or deeper with a quality-statement id first."""
        if block.kind is not Kind.HEADING or block.level < 3:
            return False
        match = _STATEMENT.match(_plain(block.text))
        return block.level == 3 or (match is not None and match[1].upper() in BY_ID)

    def finding_body(self) -> Iterator[Block]:
        """The blocks of a finding: up to the next section or finding; minor headings read as paragraphs."""
        while (block := self.peek()) is not None and not (
            block.kind is Kind.HEADING and (block.level <= 2 or self.starts_finding(block))
        ):
            taken = self.take()
            yield Block(Kind.PARAGRAPH, taken.text, taken.place) if taken.kind is Kind.HEADING else taken

    def skip_body(self, heading: Block) -> None:
        """Pass over the blocks under a finding heading that is not read as a quality statement."""
        for _ in self.finding_body():
            pass

    def score(self, value: str, block: Block) -> int | str:
        """A score as written: ``3``, ``3/4``, ``3 (Good)``, or a rating word in any spelling (noted)."""
        digit = re.match(r"^(\d+)(?:\s*(?:/|out of|of)\s*4)?\b", value)
        if digit:
            return int(digit[1])  # the converter refuses a number outside 1-4, naming the place
        word, exact = tolerant.rating(value)
        if word is None and (inner := re.search(r"\(\s*([1-4])\s*(?:/\s*4)?\s*\)", value)) is not None:
            self.note("non_cqc_spelling", block, f"score written '{value}' (read as {inner[1]})")
            return int(inner[1])
        if word is None:
            word, exact = tolerant.rating(value.split("(")[0])
            exact = False
        if word is None:
            return value  # the converter names the place and what was expected
        if not exact:
            self.note("non_cqc_spelling", block, f"score written '{value}' (CQC: '{word.value}')")
        return word.value

    def references(self, key: str, value: str, block: Block) -> str:
        """Ids a recommendation names ("S3 Safeguarding, S8" → "S3, S8"); the text as written if it names none."""
        pattern = _STATEMENT_REF if key == "findings" else _RISK_REF
        ids = [m.upper() for m in pattern.findall(value)]
        if ids and ", ".join(ids) != value.strip():
            self.note("non_cqc_spelling", block, f"{key} '{value}' read as {', '.join(ids)}")
            return ", ".join(ids)
        return value

    def affects(self, values: list[str], block: Block) -> list[str]:
        """Who a risk affects, as consultants write it: "residents", "the provider" are read as the nearest
        of people, staff or service (noted); a word that names none of them is noted and left out."""
        out: list[str] = []
        for value in values:
            word = _AFFECTS.get(value.strip().lower().removeprefix("the "))
            if word is None:
                self.note("unread_value", block, f"risk affects '{value}': not people, staff or service; left out")
                continue
            if word != value.strip():
                self.note("non_cqc_spelling", block, f"risk affects '{value}' read as '{word}'")
            if word not in out:
                out.append(word)
        return out or values

    def timescale(self, value: str, block: Block) -> str | None:
        """A timescale as consultants write it ("within 2 weeks", "ASAP"); None (noted, read as no timescale)
        when it gives no time at all ("ongoing"): the report is scored, the recommendation marked down."""
        text = re.sub(r"^\s*within\s+", "", value, flags=re.IGNORECASE).strip().rstrip(".")
        if text.lower() in _AT_ONCE:
            text = "immediately"
        try:
            Timescale.parse(text)
        except ValueError:
            self.note("unread_value", block, f"timescale '{value}' gives no time; read as no timescale")
            return None
        if text != value:
            self.note("non_cqc_spelling", block, f"timescale '{value}' read as '{text}'")
        return text

    def bullets(self) -> Iterator[Block]:
        while (block := self.peek()) is not None and block.kind is Kind.BULLET:
            yield self.take()

    def evidence(self, label: Block, items: list[dict[str, Any]], path: str) -> None:
        for block in self.bullets():
            pair = _field(block)
            source = _SOURCE_BY_LABEL.get(pair[0].lower()) if pair else None
            if pair is None or source is None:
                source, reference = _infer_source(block.text), block.text
            else:
                reference = pair[1]
            self.places[f"{path}[{len(items)}]"] = block.place
            items.append({"source": source, "reference": reference})

    def block_fields(self, label: Block, what: str, known: dict[str, str]) -> dict[str, tuple[str, Block]]:
        found: dict[str, tuple[str, Block]] = {}
        for block in self.bullets():
            pair = _field(block)
            expected = ", ".join(known)
            if pair is None:
                self.note("unscored_section", block, f"line in the {what} block that is not 'Field: value'")
                continue
            key = _lookup(known, pair[0])
            if key is None:
                self.note("unscored_section", block, f"field '{pair[0]}' in the {what} block (read: {expected})")
                continue
            if key in found:
                raise self.error(block, f"'{pair[0]}:' given twice in the {what} block")
            found[key] = (pair[1], block)
        return found

    def risk(self, label: Block, risk_id: str | None, statement: str) -> None:
        fields = self.block_fields(label, "Risk", RISK_FIELDS)
        if not risk_id:
            risk_id = f"RISK-{statement}-{len(self.risks) + 1}"
            self.note("unread_value", label, f"Risk block without an id; read as {risk_id}")
        for name in ("kind", "severity"):
            if name in fields and (value := tolerant.enum_value(name, fields[name][0])) != fields[name][0]:
                if value is None:
                    self.note("unread_value", fields[name][1], f"risk {name} '{fields[name][0]}' not understood")
                    del fields[name]
                else:
                    self.note("non_cqc_spelling", fields[name][1], f"risk {name} '{fields[name][0]}' read as '{value}'")
                    fields[name] = (value, fields[name][1])
        missing = [name for name, key in RISK_FIELDS.items() if key not in fields]
        if missing:
            self.note("unscored_section", label, f"Risk {risk_id} without a readable '{missing[0]}:'; kept unscored")
            return
        path = f"$.risks[{len(self.risks)}]"
        self.places[path] = label.place
        risk: dict[str, Any] = {"id": risk_id, "finding": statement}
        for key, (value, block) in fields.items():
            risk[key] = _split(value) if key in LIST_FIELDS else value
            if key == "affects":
                risk[key] = self.affects(risk[key], block)
            self.places[f"{path}.{key}"] = block.place
        self.risks.append(risk)

    def recommendations_section(self, heading: Block) -> None:
        for block in self.body():
            text = _plain(block.text)
            label = BLOCK_LABEL.match(text)
            if block.kind is Kind.BULLET or label is None or label[1].lower() != "recommendation" or not label[2]:
                self.note(
                    "unscored_section", block, "text in the Recommendations section outside a Recommendation block"
                )
                continue
            fields = self.block_fields(block, "Recommendation", RECOMMENDATION_FIELDS)
            if (
                "priority" in fields
                and (value := tolerant.enum_value("priority", fields["priority"][0])) != fields["priority"][0]
            ):
                if value is None:
                    self.note(
                        "unread_value", fields["priority"][1], f"priority '{fields['priority'][0]}' not understood"
                    )
                    del fields["priority"]
                else:
                    self.note(
                        "non_cqc_spelling",
                        fields["priority"][1],
                        f"priority '{fields['priority'][0]}' read as '{value}'",
                    )
                    fields["priority"] = (value, fields["priority"][1])
            for key in ("findings", "risks"):
                if key in fields:
                    fields[key] = (self.references(key, fields[key][0], fields[key][1]), fields[key][1])
            missing = [name for name in RECOMMENDATION_REQUIRED if RECOMMENDATION_FIELDS[name] not in fields]
            if missing:
                self.note(
                    "unscored_section",
                    block,
                    f"Recommendation {label[2]} without a readable '{missing[0]}:'; kept unscored",
                )
                continue
            path = f"$.recommendations[{len(self.recommendations)}]"
            self.places[path] = block.place
            rec: dict[str, Any] = {"id": label[2]}
            for key, (value, field_block) in fields.items():
                if key == "timescale":
                    read = self.timescale(value, field_block)
                    if read is None:
                        continue
                    value = read
                rec[key] = _split(value) if key in LIST_FIELDS else value
                self.places[f"{path}.{key}"] = field_block.place
            self.recommendations.append(rec)


_SOURCE_HINTS = (
    ("relative", ("relative", "relatives", "family", "families", "next of kin")),
    ("partner", ("partner", "partners", "commissioner", "local authority", "gp", "district nurse", "professional")),
    ("staff_interview", ("staff", "manager", "interview", "interviews", "carer", "carers", "nurse", "nurses")),
    ("person_using_service", ("people", "person", "resident", "residents", "told us")),
    ("observation", ("observed", "observation", "we saw", "sofi")),
)


def _infer_source(text: str) -> str:
    """The kind of source an unlabelled evidence bullet most likely is (documentation if nothing says)."""
    lowered = f" {text.lower()} "
    for source, hints in _SOURCE_HINTS:
        if any(re.search(rf"\b{re.escape(h)}\b", lowered) for h in hints):
            return source
    return "documentation"


def table_blocks(rows: Sequence[Sequence[str]], place: str) -> list[Block]:
    """A Word or Markdown table as the convention's blocks (``tolerant.table_rows``), each placed at ``place``."""
    return [
        Block(Kind.BULLET if kind == "bullet" else Kind.PARAGRAPH, text, place)
        for kind, text in tolerant.table_rows(rows)
    ]


def read_outline(blocks: Sequence[Block], source: str) -> Report:
    """Read the blocks of a Markdown or Word report into a ``Report``; one-line errors name the place."""
    data, places = _Reader(blocks, source).read()
    return structure_report(data, source, places)
