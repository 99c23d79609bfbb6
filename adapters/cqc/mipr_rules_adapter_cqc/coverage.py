"""Which canonical ``Location`` fields a CQC location record can fill (the adapter's partial contract).

A CQC record is the public register entry of a location: it has no care records, staff, incidents,
audits or provider-held dates, and it names the registered manager only (a pseudonymous id is made from
that name, which cannot be the care record's staff id). ``cqc_covered`` keeps just what CQC covers, so
that two locations can be compared on those fields alone.
"""

from __future__ import annotations

import attrs

from mipr_rules.model import Location, Provider, Rating
from mipr_rules.model.vocabulary import KeyQuestion

COVERED_FIELDS = (
    "location_id",
    "name",
    "provider.provider_id",
    "service_types",
    "care_home",
    "registration_status",
    "registration_date",
    "beds",
    "registered_manager_id (whether there is one, not its value)",
    "current_rating",
    "past_ratings",
)
"""The ``Location`` fields a CQC location record fills, as listed in the README."""

HAS_REGISTERED_MANAGER = "registered manager"
"""What ``cqc_covered`` puts in ``registered_manager_id`` when there is one."""

_ORDER = {k: i for i, k in enumerate(KeyQuestion)}


def _in_order(rating: Rating) -> Rating:
    return attrs.evolve(
        rating, key_questions=tuple(sorted(rating.key_questions, key=lambda k: _ORDER[k.key_question]))
    )


def cqc_covered(location: Location) -> Location:
    """``location`` reduced to ``COVERED_FIELDS``; every other field at the model's default.

    Key question ratings are put in the model's order (they are "in no particular order") and the
    registered manager becomes ``HAS_REGISTERED_MANAGER`` or ``None``.
    """
    return Location(
        location_id=location.location_id,
        name=location.name,
        provider=Provider(provider_id=location.provider.provider_id),
        service_types=location.service_types,
        care_home=location.care_home,
        registration_status=location.registration_status,
        registration_date=location.registration_date,
        beds=location.beds,
        registered_manager_id=HAS_REGISTERED_MANAGER if location.registered_manager_id else None,
        current_rating=_in_order(location.current_rating) if location.current_rating else None,
        past_ratings=tuple(_in_order(r) for r in location.past_ratings),
    )
