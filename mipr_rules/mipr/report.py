"""The mock-inspection report model: what a C-CAF MIPR consultant's report says, as frozen attrs classes.

A report is read from YAML/JSON (``report.schema.json``), from Markdown (``MARKDOWN.md``) or from Word
(.docx, the same convention with Heading 1/2/3 styles); every reader yields this model.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from enum import Enum
from typing import NewType

import attrs

from mipr_rules.model.vocabulary import EvidenceCategory, KeyQuestion, RatingValue

StatementId = NewType("StatementId", str)
"""A SAF quality statement id, ``S1``…``W8`` (see ``quality_statements.py``)."""

Score = int | RatingValue
"""A quality-statement score: 1-4 (CQC's scale) or a rating word."""


class EvidenceSource(str, Enum):
    """Where a piece of evidence came from."""

    OBSERVATION = "observation"
    DOCUMENTATION = "documentation"
    STAFF_INTERVIEW = "staff_interview"
    PERSON_USING_SERVICE = "person_using_service"
    RELATIVE = "relative"
    PARTNER = "partner"
    OUTCOMES = "outcomes"


EVIDENCE_SOURCE_LABELS: dict[EvidenceSource, str] = {
    EvidenceSource.OBSERVATION: "Observation",
    EvidenceSource.DOCUMENTATION: "Documentation",
    EvidenceSource.STAFF_INTERVIEW: "Staff interview",
    EvidenceSource.PERSON_USING_SERVICE: "Person using the service",
    EvidenceSource.RELATIVE: "Relative",
    EvidenceSource.PARTNER: "Partner",
    EvidenceSource.OUTCOMES: "Outcomes",
}
"""How each source is labelled in Markdown and Word reports."""

EVIDENCE_SOURCE_CATEGORY: dict[EvidenceSource, EvidenceCategory] = {
    EvidenceSource.OBSERVATION: EvidenceCategory.OBSERVATION,
    EvidenceSource.DOCUMENTATION: EvidenceCategory.PROCESSES,
    EvidenceSource.STAFF_INTERVIEW: EvidenceCategory.STAFF_AND_LEADERS,
    EvidenceSource.PERSON_USING_SERVICE: EvidenceCategory.PEOPLES_EXPERIENCE,
    EvidenceSource.RELATIVE: EvidenceCategory.PEOPLES_EXPERIENCE,
    EvidenceSource.PARTNER: EvidenceCategory.PARTNERS,
    EvidenceSource.OUTCOMES: EvidenceCategory.OUTCOMES,
}
"""The SAF evidence category (CQC's six evidence categories) each source serves."""


class RiskKind(str, Enum):
    """Whether a risk has materialised."""

    ACTUAL = "actual"
    POTENTIAL = "potential"


class RiskTarget(str, Enum):
    """Who or what a risk threatens."""

    PEOPLE = "people"
    STAFF = "staff"
    SERVICE = "service"


class Severity(str, Enum):
    """How severe a risk is, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Priority(str, Enum):
    """How urgent a recommendation is, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


SEVERITY_RANK: dict[Severity, int] = {s: i for i, s in enumerate(Severity, start=1)}
"""low 1 … critical 4."""
PRIORITY_RANK: dict[Priority, int] = {p: i for i, p in enumerate(Priority, start=1)}
"""low 1 … urgent 4."""
RATING_RANK: dict[RatingValue, int] = {
    RatingValue.INADEQUATE: 1,
    RatingValue.REQUIRES_IMPROVEMENT: 2,
    RatingValue.GOOD: 3,
    RatingValue.OUTSTANDING: 4,
}
"""Inadequate 1 … Outstanding 4: also the 1-4 score a rating word stands for (CQC, How we reach a rating)."""


class TimescaleUnit(str, Enum):
    """The unit of a relative timescale."""

    DAYS = "day"
    WEEKS = "week"
    MONTHS = "month"


UNIT_DAYS: dict[TimescaleUnit, int] = {TimescaleUnit.DAYS: 1, TimescaleUnit.WEEKS: 7, TimescaleUnit.MONTHS: 30}
"""Days per unit; a month counts as 30 days."""

_TIMESCALE = re.compile(
    r"^\s*(?:(?P<now>immediately)|(?P<n>\d{1,3})\s+(?P<unit>day|week|month)s?|"
    r"(?:by\s+)?(?P<date>\d{4}-\d{2}-\d{2}))\s*$",
    re.IGNORECASE,
)
TIMESCALE_FORMS = "'immediately', 'N days', 'N weeks', 'N months' or a date YYYY-MM-DD"
"""The accepted timescale forms, as said in error messages."""


@attrs.frozen
class Timescale:
    """When an action is due: immediately, within a period after the visit, or by a date."""

    amount: int = 0
    """Number of ``unit`` after the last visit day; 0 with no ``by`` date means immediately."""
    unit: TimescaleUnit = TimescaleUnit.DAYS
    """Unit of ``amount``."""
    by: dt.date | None = None
    """A due date, instead of a period."""

    @classmethod
    def parse(cls, text: str) -> Timescale:
        """Read ``immediately``, ``N days|weeks|months`` or a date (``by`` optional); ValueError otherwise."""
        match = _TIMESCALE.match(text)
        if not match:
            raise ValueError(f"expected a timescale: {TIMESCALE_FORMS}")
        if match["date"]:
            try:
                return cls(by=dt.date.fromisoformat(match["date"]))
            except ValueError:
                raise ValueError("expected a real date (YYYY-MM-DD)") from None
        if match["now"]:
            return cls()
        return cls(int(match["n"]), TimescaleUnit(match["unit"].lower()))

    def days_after(self, visit: dt.date) -> int:
        """Days from ``visit`` (the last visit day) to when the action is due."""
        if self.by is not None:
            return (self.by - visit).days
        return self.amount * UNIT_DAYS[self.unit]

    def __str__(self) -> str:
        if self.by is not None:
            return self.by.isoformat()
        if self.amount == 0:
            return "immediately"
        return f"{self.amount} {self.unit.value}{'' if self.amount == 1 else 's'}"


@attrs.frozen
class ReportLocation:
    """The location inspected."""

    id: str
    """CQC location id, e.g. ``1-101234567``."""
    name: str
    """Location name as registered with CQC."""


@attrs.frozen
class Consultant:
    """The consultant who carried out the mock inspection and wrote the report."""

    name: str
    """Full name."""
    accreditation: str | None = None
    """C-CAF accreditation number, if any."""


@attrs.frozen
class Scope:
    """What the mock inspection covered."""

    services: tuple[str, ...] = ()
    """Services or service types reviewed, e.g. ``Residential care for older people``."""
    quality_statements: tuple[StatementId, ...] = ()
    """The quality statements in scope, by id."""
    exclusions: Mapping[KeyQuestion, str] = attrs.field(factory=dict)
    """Key questions deliberately left out of the inspection, each with the reason given (may be empty)."""


@attrs.frozen
class Evidence:
    """One piece of evidence a finding rests on."""

    source: EvidenceSource
    """The kind of source it came from."""
    reference: str
    """What and where it is, e.g. ``Medicines administration records, 12 people, 1 to 14 March 2025``."""


@attrs.frozen
class Finding:
    """The report's judgement on one quality statement."""

    statement: StatementId
    """The quality statement, by id."""
    score: Score
    """1-4 on CQC's scale, or a rating word (``Good``…) that stands for the same score."""
    narrative: str
    """What was found, as prose; paragraphs are separated by a blank line."""
    evidence: tuple[Evidence, ...] = ()
    """The evidence it rests on."""


@attrs.frozen
class Risk:
    """A risk the consultant identified."""

    id: str
    """Report-local id, e.g. ``R1``."""
    kind: RiskKind
    """Actual (has happened) or potential."""
    affects: tuple[RiskTarget, ...]
    """Who or what is at risk: people, staff, the service."""
    severity: Severity
    """How severe."""
    description: str
    """What the risk is."""
    finding: StatementId
    """The finding (by quality statement id) it belongs to."""


@attrs.frozen
class Recommendation:
    """An action the consultant recommends."""

    id: str
    """Report-local id, e.g. ``REC1``."""
    action: str
    """What should be done."""
    priority: Priority
    """How urgent it is."""
    owner: str | None = None
    """Who should do it (a role rather than a name is enough)."""
    timescale: Timescale | None = None
    """By when."""
    findings: tuple[StatementId, ...] = ()
    """The findings (by quality statement id) it answers."""
    risks: tuple[str, ...] = ()
    """The risks (by id) it answers."""


@attrs.frozen
class ProposedRatings:
    """The ratings the consultant proposes."""

    key_questions: Mapping[KeyQuestion, RatingValue] = attrs.field(factory=dict)
    """Proposed rating per key question."""
    overall: RatingValue | None = None
    """Proposed overall rating."""


@attrs.frozen
class ReadingNote:
    """Something the reader kept but did not score, or read tolerantly: reported, never silently dropped."""

    kind: str
    """``unscored_section``, ``unscored_finding``, ``kloe_heading``, ``statement_title_mismatch``,
    ``non_cqc_spelling`` or ``not_assessed`` (a finding left "to be completed from observation and conversations")."""
    place: str
    """Where it was written (``report.md:42``)."""
    detail: str
    """What it is, e.g. the heading's title or the spelling found (the report's own words, never a record)."""


READING_NOTE_KINDS = (
    "unscored_section",
    "unscored_finding",
    "kloe_heading",
    "statement_title_mismatch",
    "non_cqc_spelling",
    "not_assessed",
)
"""The kinds of ``ReadingNote``."""


@attrs.frozen
class Report:
    """A mock-inspection report."""

    location: ReportLocation
    """The location inspected."""
    consultant: Consultant
    """Who inspected and wrote the report."""
    visit_dates: tuple[dt.date, ...]
    """The days of the visit, at least one."""
    scope: Scope = attrs.field(factory=Scope)
    """Services and quality statements covered; empty if the report does not define its scope."""
    executive_summary: str = ""
    """The executive summary; empty if the report has none."""
    methodology: str = ""
    """How the mock inspection was carried out; empty if the report does not say."""
    findings: tuple[Finding, ...] = ()
    """One finding per quality statement assessed."""
    risks: tuple[Risk, ...] = ()
    """Risks identified."""
    recommendations: tuple[Recommendation, ...] = ()
    """Recommended actions."""
    proposed_ratings: ProposedRatings = attrs.field(factory=ProposedRatings)
    """Proposed key-question and overall ratings."""
    factual_accuracy_review: dt.date | None = None
    """Date the provider reviewed the draft for factual accuracy, if it has."""
    publication_consent: bool = False
    """Whether the provider consents to publication in the public directory."""
    reading_notes: tuple[ReadingNote, ...] = ()
    """What the Markdown or Word reader kept without scoring or read tolerantly (empty for YAML and JSON)."""

    @property
    def last_visit(self) -> dt.date:
        """The last day of the visit."""
        return max(self.visit_dates)

    def finding_for(self, statement: str) -> Finding | None:
        """The finding on ``statement``, if any."""
        return next((f for f in self.findings if f.statement == statement), None)


def score_value(score: Score) -> int:
    """The 1-4 score a finding's score stands for."""
    return RATING_RANK[score] if isinstance(score, RatingValue) else score
