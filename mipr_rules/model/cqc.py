"""What a CQC location record says beyond ``Location``: the model types eligibility facts are measured from.

Read from CQC's public API by ``mipr_rules.cqc_api`` (which re-exports them); used by
``mipr_rules.facts.eligibility_facts``.
"""

from __future__ import annotations

import datetime as dt

import attrs

from mipr_rules.model.vocabulary import RatingValue


@attrs.frozen
class CqcInspectionCategory:
    """One of the location's CQC inspection categories, e.g. ``S1`` "Residential social care"."""

    code: str | None
    """CQC's category code, e.g. ``S1``."""
    name: str | None
    """The category's name, e.g. ``Residential social care``."""
    primary: bool = False
    """Whether CQC marks it as the location's primary category."""


@attrs.frozen
class CqcServiceRating:
    """One entry of ``currentRatings.serviceRatings[]``: the rating of one service at the location."""

    name: str | None
    """The service's name as CQC gives it."""
    rating: RatingValue | None
    """Its overall rating; ``None`` where only key questions are rated."""
    published: dt.date | None = None
    """``reportDate`` of the report that rated it."""


@attrs.frozen
class CqcLocationFacts:
    """What a CQC location record says that ``Location`` has no field for (eligibility rules use it)."""

    location_id: str
    """CQC location id, the same as ``Location.location_id``."""
    rated: bool
    """Whether the location has any published rating at all: current or past, overall, per key question,
    per service or from a single assessment framework assessment (``assessment[]``)."""
    rating: RatingValue | None = None
    """The rating a decision about the location goes by: the current overall rating (the newer of
    ``currentRatings.overall`` and ``assessment[]``), else the newest per-service rating, else the newest
    past overall rating; ``None`` when there is none."""
    service_ratings: tuple[CqcServiceRating, ...] = ()
    """``currentRatings.serviceRatings[]``: ratings of the services at the location, in CQC's order."""
    assessed: dt.date | None = None
    """``assessmentDate`` of the SAF assessment the current rating comes from (``None`` for older ratings)."""
    specialisms: tuple[str, ...] = ()
    """``specialisms[].name``, e.g. ``Dementia``, ``Caring for adults over 65 yrs``."""
    inspection_categories: tuple[CqcInspectionCategory, ...] = ()
    """``inspectionCategories[]``, in CQC's order."""
    inspection_directorate: str | None = None
    """``inspectionDirectorate``, e.g. ``Adult social care``."""
    registered_managers: int = 0
    """How many distinct registered managers CQC lists (contacts with the ``Registered Manager`` role)."""
    registered_manager_absent: dt.date | None = None
    """``registeredManagerAbsentDate``: since when CQC records no registered manager at the location."""
    last_inspection: dt.date | None = None
    """``lastInspection.date``: the last inspection (site visit) date."""
    latest_report_first_visit: dt.date | None = None
    """``firstVisitDate`` of the newest report in ``reports[]`` (by ``reportDate``)."""
    report_published: dt.date | None = None
    """Publication date of the latest report: ``lastReport.publicationDate``, else the newest
    ``reports[].reportDate``, else the current rating's ``reportDate``."""
    unpublished_reports: tuple[dt.date | None, ...] = ()
    """One entry per inspection whose report is not yet published: its ``firstVisitDate`` (``None`` where
    CQC gives none)."""
    deregistration_date: dt.date | None = None
    """``deregistrationDate``, for deregistered locations."""
    dormant: bool = False
    """``dormancy`` is ``Y``: registered but not currently providing the regulated activity."""
