"""Measures a location nominated for a 2023 improvement inspection (ruleset ``improvement-inspections-2023``).

Pass 1 gives one ``improvement_candidate`` fact: what the CQC record says (service type, registration,
rating) and what the local authority's nomination says. A fact the inputs do not give is left out of the
fact, never set to false, so that the rules can tell "unknown" (``exists: false``) from "no". Pass 2 gives
one ``improvement_decision`` fact counting the checks the rules passed, failed or could not decide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from enum import Enum
from typing import Any

import attrs

from mipr_rules import hookimpl
from mipr_rules.convert import register_enum
from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.model import Location
from mipr_rules.model.cqc import CqcLocationFacts
from mipr_rules.model.vocabulary import RegistrationStatus

INT, BOOL, STR = "integer", "boolean", "string"

FACT_TYPES = (
    FactType.documented(
        "improvement_candidate", "A location nominated for an improvement inspection, with its nomination", {
        "care_home": (BOOL, None, "The location is a care home"),
        "domiciliary_care": (BOOL, None, "The location is a home care (domiciliary care) agency"),
        "service_types": (STR, None, "CQC service types, joined by ', ' ('none recorded' if none)"),
        "registered": (BOOL, None, "The location is registered with CQC"),
        "registration_date": (STR, None, "Date of registration (ISO)"),
        "days_registered": (INT, "days", "Days since registration"),
        "dormant": (BOOL, None, "CQC lists the location as dormant"),
        "rated": (BOOL, None, "The location has a current overall rating"),
        "rating": (STR, None, "The current overall rating, in CQC's spelling"),
        "first_rating": (BOOL, None, "The location has never been rated (no current or past rating)"),
        "evidence_of_improvement": (BOOL, None, "The nomination records evidence that the service has improved"),
        "rating_absence_blocks_commissioning": (
            BOOL, None, "The nomination says having no rating stops the local authority commissioning"),
        "accepts_la_funded_placements": (BOOL, None, "The provider accepts local-authority-funded placements"),
        "la_confirmed_staffing": (BOOL, None, "The local authority confirmed staffing with the registered manager"),
        "nominated_by": (STR, None, "local_authority or provider"),
        "as_of": (STR, None, "The as-of date (ISO)"),
        "programme_start": (STR, None, "First day of the programme (ISO)"),
        "programme_end": (STR, None, "Last day of the programme (ISO)"),
        "days_since_programme_start": (INT, "days", "Days from the programme's start to the as-of date"),
        "days_until_programme_end": (INT, "days", "Days from the as-of date to the programme's end"),
    }),
    FactType.documented("improvement_decision", "How the eligibility checks came out", {
        "checks": (INT, "count", "Eligibility checks made"),
        "passed": (INT, "count", "Checks passed"),
        "failed": (INT, "count", "Checks failed"),
        "unknown": (INT, "count", "Checks that could not be decided from the data"),
        "rated": (BOOL, None, "The location has a current overall rating"),
        "first_rating": (BOOL, None, "The location has never been rated"),
    }),
)


class NominatedBy(str, Enum):
    """Who put the location forward."""

    LOCAL_AUTHORITY = "local_authority"
    PROVIDER = "provider"


register_enum(NominatedBy)


@attrs.frozen
class Nomination:
    """What only the local authority knows; every field may be missing (``null``), which means unknown."""

    nominated_by: NominatedBy | None = None
    """``local_authority`` or ``provider`` (providers cannot self-nominate)."""
    accepts_la_funded_placements: bool | None = None
    """The provider has confirmed it is prepared to accept local-authority-funded placements."""
    la_confirmed_staffing: bool | None = None
    """The LA confirmed with the registered manager that there is staffing to take LA-funded placements."""
    evidence_of_improvement: bool | None = None
    """Evidence shows the service has improved since its Requires improvement rating."""
    rating_absence_blocks_commissioning: bool | None = None
    """For a location never rated: the lack of a rating is a barrier to commissioning it."""


@attrs.frozen
class ImprovementCandidate:
    """The subject of pass 1: a CQC location record with its nomination, inside a programme window."""

    location: Location
    """The location as the canonical model reads it from the CQC record."""
    cqc: CqcLocationFacts
    """CQC facts the canonical model has no field for."""
    nomination: Nomination
    """The local authority's nomination."""
    programme_start: dt.date
    """First day of the programme (the ruleset's ``effective_from``)."""
    programme_end: dt.date | None = None
    """Last day of the programme (the ruleset's ``effective_to``)."""
    registration_known: bool = True
    """Whether the CQC record gives ``registrationStatus``."""
    service_type_known: bool = True
    """Whether the CQC record gives ``careHome`` or any ``gacServiceTypes``."""


@attrs.frozen
class CheckOutcomes:
    """The subject of pass 2: how many checks passed, failed or stayed unknown."""

    passed: int
    """Checks passed."""
    failed: int
    """Checks failed."""
    unknown: int
    """Checks the inputs could not decide."""
    rated: bool
    """Whether the location has a current rating."""
    first_rating: bool
    """Whether an inspection would give the location its first rating."""


def _fact(type_: str, subject: str, **fields: Any) -> Fact:
    return {"type": type_, "subject": subject, **{k: v for k, v in fields.items() if v is not None}}


@attrs.frozen
class ImprovementCandidateFacts:
    """Pass 1 calculator."""

    name: str = "improvement_candidate"
    subject_type: type = ImprovementCandidate
    fact_types: tuple[FactType, ...] = (FACT_TYPES[0],)

    def calculate(self, subject: ImprovementCandidate, context: FactContext) -> Iterator[Fact]:
        """Yield the one candidate fact; unknown values are omitted."""
        loc, nom, as_of = subject.location, subject.nomination, context.as_of
        homecare_types = set(context.parameters.get("domiciliary_care_service_types", ()))
        care_home_types = set(context.parameters.get("care_home_service_types", ()))
        known = subject.service_type_known
        current = loc.current_rating
        rated = subject.cqc.rated
        # The CQC record's decisive rating (SAF assessment, service or past rating), else the current overall one.
        decisive = subject.cqc.rating or (current.overall if current is not None else None)
        end = subject.programme_end
        yield _fact(
            "improvement_candidate", f"location:{loc.location_id}",
            care_home=(loc.care_home or bool(set(loc.service_types) & care_home_types)) if known else None,
            domiciliary_care=bool(set(loc.service_types) & homecare_types) if known else None,
            service_types=", ".join(loc.service_types) or "none recorded",
            registered=loc.registration_status is RegistrationStatus.REGISTERED if subject.registration_known else None,
            registration_date=loc.registration_date.isoformat() if loc.registration_date else None,
            days_registered=(as_of - loc.registration_date).days if loc.registration_date else None,
            dormant=subject.cqc.dormant,
            rated=rated,
            rating=decisive.value if rated and decisive is not None else None,
            first_rating=current is None and not loc.past_ratings,
            evidence_of_improvement=nom.evidence_of_improvement,
            rating_absence_blocks_commissioning=nom.rating_absence_blocks_commissioning,
            accepts_la_funded_placements=nom.accepts_la_funded_placements,
            la_confirmed_staffing=nom.la_confirmed_staffing,
            nominated_by=nom.nominated_by.value if nom.nominated_by else None,
            as_of=as_of.isoformat(),
            programme_start=subject.programme_start.isoformat(),
            programme_end=end.isoformat() if end else None,
            days_since_programme_start=(as_of - subject.programme_start).days,
            days_until_programme_end=(end - as_of).days if end else None,
        )


@attrs.frozen
class CheckOutcomeFacts:
    """Pass 2 calculator."""

    name: str = "improvement_decision"
    subject_type: type = CheckOutcomes
    fact_types: tuple[FactType, ...] = (FACT_TYPES[1],)

    def calculate(self, subject: CheckOutcomes, context: FactContext) -> Iterator[Fact]:
        """Yield the counts of check outcomes."""
        yield _fact("improvement_decision", "checks",
                    checks=subject.passed + subject.failed + subject.unknown, passed=subject.passed,
                    failed=subject.failed, unknown=subject.unknown, rated=subject.rated,
                    first_rating=subject.first_rating)


CALCULATORS = (ImprovementCandidateFacts(), CheckOutcomeFacts())


@hookimpl
def mipr_register_fact_calculators(register: Any) -> None:
    for calculator in CALCULATORS:
        register(calculator)
