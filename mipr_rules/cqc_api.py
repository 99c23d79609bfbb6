"""Map one location record of the CQC public API onto the canonical model (CQC public API, ``GET /locations/{id}``).

No HTTP here: ``location_from_cqc`` takes the JSON of ``GET /locations/{locationId}`` exactly as CQC
returns it (already parsed) and gives a ``Location``; ``cqc_extras`` gives the CQC facts the canonical
model has no room for (specialisms, inspection categories, report dates...).

Parsing goes through a copy of the core converter (``mipr_rules.convert``) that keeps all its hooks and
messages but ignores unknown keys, because the API has dozens of fields this mapping does not use and
gains new ones without notice. ``null`` is read as "absent". Errors are ``CqcInputError`` (an
``InputError``) with one line naming the source and the JSON path, never a value::

    loc.json: required field missing @ $.locationId

Registered managers' names are never kept: they become a keyed pseudonymous id
(``mipr_rules.privacy.pseudonymise``) and are dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

import attrs
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.gen import make_dict_structure_fn

from mipr_rules.convert import converter as core_converter
from mipr_rules.convert import structure
from mipr_rules.errors import InputError
from mipr_rules.model import KeyQuestionRating, Location, Provider, Rating
from mipr_rules.model.cqc import CqcInspectionCategory, CqcLocationFacts, CqcServiceRating
from mipr_rules.model.vocabulary import KeyQuestion, RatingValue, RegistrationStatus
from mipr_rules.privacy import pseudonymise

__all__ = [
    "CARE_HOME_SERVICE_TYPES",
    "NO_RATING_WORDS",
    "REGISTERED_MANAGER_ROLE",
    "CqcInputError",
    "CqcInspectionCategory",
    "CqcLocationFacts",
    "CqcServiceRating",
    "cqc_extras",
    "location_from_cqc",
    "read_cqc_location",
]

REGISTERED_MANAGER_ROLE = "Registered Manager"
"""The ``personRoles`` entry that marks a registered manager among ``regulatedActivities[].contacts``."""

NO_RATING_WORDS = frozenset(
    {"Inspected but not rated", "No published rating", "Insufficient evidence to rate", "Not rated"}
)
"""Rating texts that mean "no rating" and are read as absent rather than rejected.

The first three are the values Skills for Care's pipeline recodes to null (NMDSdevopsServiceAdm/
DataEngineering, CQC ratings value labels); "Not rated" is the wording of CQC's website.
"""

CARE_HOME_SERVICE_TYPES = frozenset({"Nursing homes", "Residential homes"})
"""``gacServiceTypes`` names of care homes, used only when a record has no ``careHome`` flag."""


class CqcInputError(InputError):
    """A CQC location record that cannot be read; ``str()`` is ``"{source}: {reason}"``."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        """The file, URL or record label the record came from."""
        self.reason = reason
        """What is wrong and where, e.g. ``required field missing @ $.locationId`` (never a value)."""


# --- The CQC wire shape: private classes whose attribute names are the JSON keys, so that every error
# path is the path in CQC's JSON. Only the fields the mapping uses are declared.


class _YesNo(Enum):
    """CQC's ``"Y"``/``"N"`` flags (``careHome``, ``dormancy``) and ``"true"``/``"false"`` strings."""

    YES = True
    NO = False


_ALL_KEY_QUESTIONS = ", ".join(repr(k.value) for k in KeyQuestion)
_ALL_RATINGS = ", ".join(repr(r.value) for r in RatingValue)


@attrs.frozen
class _KeyQuestionRating:
    name: KeyQuestion
    rating: RatingValue | None = None


@attrs.frozen
class _OverallRating:
    rating: RatingValue | None = None
    reportDate: dt.date | None = None
    reportLinkId: str | None = None
    keyQuestionRatings: tuple[_KeyQuestionRating, ...] = ()


@attrs.frozen
class _ServiceRating:
    name: str | None = None
    rating: RatingValue | None = None
    reportDate: dt.date | None = None
    reportLinkId: str | None = None
    keyQuestionRatings: tuple[_KeyQuestionRating, ...] = ()


@attrs.frozen
class _CurrentRatings:
    overall: _OverallRating | None = None
    reportDate: dt.date | None = None
    serviceRatings: tuple[_ServiceRating, ...] = ()


@attrs.frozen
class _SafRating:
    """One entry of ``assessment[].ratings.overall[]`` or ``assessment[].ratings.asgRatings[]``."""

    rating: RatingValue | None = None
    status: str | None = None
    name: str | None = None
    assessmentDate: str | None = None
    assessmentPlanId: str | None = None
    keyQuestionRatings: tuple[_KeyQuestionRating, ...] = ()


@attrs.frozen
class _SafRatings:
    overall: tuple[_SafRating, ...] = ()
    asgRatings: tuple[_SafRating, ...] = ()


@attrs.frozen
class _Assessment:
    """One entry of ``assessment[]``: a single assessment framework (SAF) assessment."""

    assessmentPlanPublishedDateTime: str | None = None
    ratings: _SafRatings | None = None


@attrs.frozen
class _HistoricRating:
    reportDate: dt.date
    reportLinkId: str | None = None
    overall: _OverallRating | None = None


@attrs.frozen
class _Contact:
    personRoles: tuple[str, ...] = ()
    personGivenName: str | None = attrs.field(default=None, repr=False)
    personFamilyName: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class _RegulatedActivity:
    name: str | None = None
    contacts: tuple[_Contact, ...] = ()


@attrs.frozen
class _Named:
    name: str


@attrs.frozen
class _InspectionCategory:
    code: str | None = None
    name: str | None = None
    primary: _YesNo | None = None


@attrs.frozen
class _Report:
    linkId: str | None = None
    reportDate: dt.date | None = None
    firstVisitDate: dt.date | None = None


@attrs.frozen
class _UnpublishedReport:
    firstVisitDate: dt.date | None = None


@attrs.frozen
class _LastInspection:
    date: dt.date | None = None


@attrs.frozen
class _LastReport:
    publicationDate: dt.date | None = None


@attrs.frozen
class _CqcLocation:
    locationId: str
    providerId: str
    name: str
    registrationStatus: RegistrationStatus | None = None
    registrationDate: dt.date | None = None
    deregistrationDate: dt.date | None = None
    careHome: _YesNo | None = None
    dormancy: _YesNo | None = None
    numberOfBeds: int | None = None
    registeredManagerAbsentDate: dt.date | None = None
    inspectionDirectorate: str | None = None
    gacServiceTypes: tuple[_Named, ...] = ()
    specialisms: tuple[_Named, ...] = ()
    inspectionCategories: tuple[_InspectionCategory, ...] = ()
    regulatedActivities: tuple[_RegulatedActivity, ...] = ()
    currentRatings: _CurrentRatings | None = None
    historicRatings: tuple[_HistoricRating, ...] = ()
    assessment: tuple[_Assessment, ...] = ()
    reports: tuple[_Report, ...] = ()
    unpublishedReports: tuple[_UnpublishedReport, ...] = ()
    lastInspection: _LastInspection | None = None
    lastReport: _LastReport | None = None


_WIRE_CLASSES = frozenset(
    {
        _KeyQuestionRating,
        _OverallRating,
        _CurrentRatings,
        _ServiceRating,
        _SafRating,
        _SafRatings,
        _Assessment,
        _HistoricRating,
        _Contact,
        _RegulatedActivity,
        _Named,
        _InspectionCategory,
        _Report,
        _UnpublishedReport,
        _LastInspection,
        _LastReport,
        _CqcLocation,
    }
)

_converter = core_converter.copy(forbid_extra_keys=False)


def _object_factory(cls: type) -> Callable[[Any, type], Any]:
    inner: Callable[[Any, type], Any] = make_dict_structure_fn(cls, _converter, _cattrs_forbid_extra_keys=False)

    def structure_object(value: Any, type_: type) -> Any:
        if not isinstance(value, Mapping):
            raise ValueError("expected a JSON object")
        return inner(value, type_)

    return structure_object


def _is_homogeneous_tuple(type_: Any) -> bool:
    args: tuple[Any, ...] = getattr(type_, "__args__", ())
    return getattr(type_, "__origin__", None) is tuple and len(args) == 2 and args[1] is Ellipsis


def _array_factory(type_: Any) -> Callable[[Any, type], Any]:
    inner = homogenous_tuple_structure_factory(type_, _converter)

    def structure_array(value: Any, type_: type) -> Any:
        if not isinstance(value, (list, tuple)):
            raise ValueError("expected a JSON array")
        return inner(value, type_)

    return structure_array


_RATINGS_BY_CASE = {r.value.casefold(): r for r in RatingValue}
_NO_RATING_CASE = frozenset(w.casefold() for w in NO_RATING_WORDS)
_KEY_QUESTIONS_BY_CASE = {k.value.casefold(): k for k in KeyQuestion}


def _structure_rating(value: Any, _: Any) -> RatingValue | None:
    """A rating word in any case (``Requires Improvement`` is CQC's own spelling in places)."""
    text = " ".join(value.split()).casefold() if isinstance(value, str) else None
    if value is None or text in _NO_RATING_CASE or text == "":
        return None
    if text in _RATINGS_BY_CASE:
        return _RATINGS_BY_CASE[text]
    raise ValueError(f"expected one of {_ALL_RATINGS}")


def _structure_yes_no(value: Any, _: Any) -> _YesNo:
    if isinstance(value, bool):
        return _YesNo(value)
    text = value.strip().casefold() if isinstance(value, str) else None
    if text in ("y", "yes", "true"):
        return _YesNo.YES
    if text in ("n", "no", "false"):
        return _YesNo.NO
    raise ValueError("expected 'Y' or 'N'")


def _structure_key_question(value: Any, _: Any) -> KeyQuestion:
    """A key question name in any case (``Well-Led``, ``SAFE``); the spelling itself must be CQC's."""
    found = _KEY_QUESTIONS_BY_CASE.get(value.strip().casefold()) if isinstance(value, str) else None
    if found is None:
        raise ValueError(f"expected one of {_ALL_KEY_QUESTIONS}")
    return found


_converter.register_structure_hook_factory(lambda t: t in _WIRE_CLASSES, _object_factory)
_converter.register_structure_hook_factory(_is_homogeneous_tuple, _array_factory)
_converter.register_structure_hook_func(lambda t: t == (RatingValue | None), _structure_rating)
_converter.register_structure_hook(_YesNo, _structure_yes_no)
_converter.register_structure_hook(KeyQuestion, _structure_key_question)


def _drop_nulls(value: Any) -> Any:
    """The same JSON without ``null`` members of objects (CQC writes ``null`` for "absent")."""
    if isinstance(value, Mapping):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def _overall_as_list(data: Any) -> Any:
    """``assessment[].ratings.overall`` as an array: CQC sends an array, some copies a single object."""
    if not isinstance(data, Mapping) or not isinstance(data.get("assessment"), list):
        return data
    assessments = []
    for item in data["assessment"]:
        ratings = item.get("ratings") if isinstance(item, Mapping) else None
        if isinstance(ratings, Mapping) and isinstance(ratings.get("overall"), Mapping):
            item = {**item, "ratings": {**ratings, "overall": [ratings["overall"]]}}
        assessments.append(item)
    return {**data, "assessment": assessments}


def _parse(data: object, source: str, root: str) -> _CqcLocation:
    try:
        return structure(_overall_as_list(_drop_nulls(data)), _CqcLocation, source, root, using=_converter)
    except InputError as exc:
        raise CqcInputError(source, str(exc).removeprefix(f"{source}: ")) from None


# --- The CQC facts the canonical Location has no room for.


# --- Mapping.


def _key_questions(ratings: tuple[_KeyQuestionRating, ...], source: str, path: str) -> tuple[KeyQuestionRating, ...]:
    seen: set[KeyQuestion] = set()
    found: dict[KeyQuestion, KeyQuestionRating] = {}
    for i, item in enumerate(ratings):
        if item.name in seen:
            raise CqcInputError(source, f"key question listed twice @ {path}.keyQuestionRatings[{i}].name")
        seen.add(item.name)
        if item.rating is not None:
            found[item.name] = KeyQuestionRating(key_question=item.name, rating=item.rating)
    return tuple(found[k] for k in KeyQuestion if k in found)


def _rating(
    overall: _OverallRating | None,
    published: dt.date | None,
    report_id: str | None,
    source: str,
    path: str,
    date_path: str,
) -> Rating | None:
    if overall is None:
        return None
    key_questions = _key_questions(overall.keyQuestionRatings, source, path)
    if overall.rating is None and not key_questions:
        return None
    if published is None:
        raise CqcInputError(source, f"required field missing @ {date_path}")
    return Rating(overall=overall.rating, published=published, key_questions=key_questions, report_id=report_id)


def _inspection_rating(record: _CqcLocation, source: str, root: str) -> Rating | None:
    """``currentRatings.overall``: the rating of the latest inspection under the older framework."""
    current = record.currentRatings
    if current is None or current.overall is None:
        return None
    overall = current.overall
    return _rating(
        overall,
        overall.reportDate or current.reportDate,
        overall.reportLinkId,
        source,
        f"{root}.currentRatings.overall",
        f"{root}.currentRatings.overall.reportDate",
    )


def _date_prefix(text: str | None, source: str, path: str) -> dt.date | None:
    """The date of ``2024-01-01 00:00:00`` or ``2024-01-01T09:00:00Z`` (CQC's date-times are UK dates)."""
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise CqcInputError(source, f"invalid value for type, expected date @ {path}") from None


@attrs.frozen
class _Assessed:
    rating: Rating
    assessed: dt.date | None


def _saf_ratings(record: _CqcLocation, source: str, root: str) -> list[_Assessed]:
    """One rating per ``assessment[]`` entry that carries one: its ``ratings.overall[]`` entry if rated, else
    its first rated ``ratings.asgRatings[]`` entry (the assessment service group); published on
    ``assessmentPlanPublishedDateTime``."""
    found = []
    for i, item in enumerate(record.assessment):
        path = f"{root}.assessment[{i}]"
        if item.ratings is None:
            continue
        entries = [(f"{path}.ratings.overall[{j}]", e) for j, e in enumerate(item.ratings.overall)]
        entries += [(f"{path}.ratings.asgRatings[{j}]", e) for j, e in enumerate(item.ratings.asgRatings)]
        plan = next((e for e in item.ratings.asgRatings if e.assessmentPlanId or e.assessmentDate), None)
        for entry_path, entry in entries:
            key_questions = _key_questions(entry.keyQuestionRatings, source, entry_path)
            if entry.rating is None and not key_questions:
                continue
            date_path = f"{path}.assessmentPlanPublishedDateTime"
            published = _date_prefix(item.assessmentPlanPublishedDateTime, source, date_path)
            if published is None:
                raise CqcInputError(source, f"required field missing @ {date_path}")
            plan_id = entry.assessmentPlanId or (plan.assessmentPlanId if plan else None)
            rating = Rating(overall=entry.rating, published=published, key_questions=key_questions, report_id=plan_id)
            assessed = entry.assessmentDate or (plan.assessmentDate if plan else None)
            found.append(_Assessed(rating, _date_prefix(assessed, source, f"{entry_path}.assessmentDate")))
            break
    return found


def _ratings(record: _CqcLocation, source: str, root: str) -> tuple[_Assessed | None, list[Rating]]:
    """The current rating (the newest of ``currentRatings.overall`` and ``assessment[]``) and the others."""
    candidates = _saf_ratings(record, source, root)
    inspection = _inspection_rating(record, source, root)
    if inspection is not None:
        candidates.append(_Assessed(inspection, None))
    if not candidates:
        return None, []
    newest = max(candidates, key=lambda c: c.rating.published)
    return newest, [c.rating for c in candidates if c is not newest]


def _current_rating(record: _CqcLocation, source: str, root: str) -> Rating | None:
    current, _ = _ratings(record, source, root)
    return current.rating if current is not None else None


def _past_ratings(record: _CqcLocation, current: Rating | None, source: str, root: str) -> tuple[Rating, ...]:
    _, superseded = _ratings(record, source, root)
    past = list(superseded)
    seen = {r.report_id for r in past if r.report_id is not None}
    if current is not None and current.report_id is not None:
        seen.add(current.report_id)
    for i, item in enumerate(record.historicRatings):
        path = f"{root}.historicRatings[{i}]"
        if item.reportLinkId is not None and item.reportLinkId in seen:
            continue
        rating = _rating(item.overall, item.reportDate, item.reportLinkId, source, f"{path}.overall", path)
        if rating is not None:
            past.append(rating)
    return tuple(sorted(past, key=lambda r: r.published, reverse=True))


def _service_ratings(record: _CqcLocation) -> tuple[CqcServiceRating, ...]:
    current = record.currentRatings
    if current is None:
        return ()
    return tuple(
        CqcServiceRating(name=s.name, rating=s.rating, published=s.reportDate)
        for s in current.serviceRatings
        if s.rating is not None or any(k.rating is not None for k in s.keyQuestionRatings)
    )


def _registered_manager_keys(record: _CqcLocation) -> list[str]:
    """Normalised identity of each distinct registered manager, in CQC's order (kept in memory only)."""
    keys: list[str] = []
    for activity in record.regulatedActivities:
        for contact in activity.contacts:
            if REGISTERED_MANAGER_ROLE not in contact.personRoles:
                continue
            name = " ".join(f"{contact.personGivenName or ''} {contact.personFamilyName or ''}".split())
            key = name.casefold() or f"registered manager of {record.locationId}"
            if key not in keys:
                keys.append(key)
    return keys


def _care_home(record: _CqcLocation) -> bool:
    if record.careHome is not None:
        return record.careHome.value
    names = {t.name for t in record.gacServiceTypes}
    return bool(names & CARE_HOME_SERVICE_TYPES) if names else True


def _service_only_rating(record: _CqcLocation) -> Rating | None:
    """For a location rated per service only: a rating with no overall word, dated by the newest service."""
    current = record.currentRatings
    dates = [s.reportDate for s in (current.serviceRatings if current else ()) if s.reportDate and s.rating]
    return Rating(overall=None, published=max(dates)) if dates else None


def _to_location(record: _CqcLocation, source: str, root: str, key: bytes) -> Location:
    current = _current_rating(record, source, root) or _service_only_rating(record)
    managers = _registered_manager_keys(record)
    location = Location(
        location_id=record.locationId,
        name=record.name,
        provider=Provider(provider_id=record.providerId),
        service_types=tuple(t.name for t in record.gacServiceTypes),
        care_home=_care_home(record),
        registration_date=record.registrationDate,
        beds=record.numberOfBeds,
        registered_manager_id=pseudonymise(managers[0], "S", key) if managers else None,
        current_rating=current,
        past_ratings=_past_ratings(record, current, source, root),
    )
    if record.registrationStatus is not None:
        location = attrs.evolve(location, registration_status=record.registrationStatus)
    return location


def _newest_report(record: _CqcLocation) -> _Report | None:
    dated = [r for r in record.reports if r.reportDate is not None]
    return max(dated, key=lambda r: r.reportDate or dt.date.min) if dated else None


def _decisive_rating(
    current: Rating | None, services: tuple[CqcServiceRating, ...], past: tuple[Rating, ...]
) -> RatingValue | None:
    if current is not None and current.overall is not None:
        return current.overall
    rated_services = sorted((s for s in services if s.rating), key=lambda s: s.published or dt.date.min)
    if rated_services:
        return rated_services[-1].rating
    if current is not None:  # rated per key question only: no overall word to go by
        return None
    return next((r.overall for r in past if r.overall is not None), None)


def _to_facts(record: _CqcLocation, source: str, root: str) -> CqcLocationFacts:
    assessed, _ = _ratings(record, source, root)
    current = assessed.rating if assessed is not None else None
    past = _past_ratings(record, current, source, root)
    services = _service_ratings(record)
    newest = _newest_report(record)
    published = (
        (record.lastReport.publicationDate if record.lastReport else None)
        or (newest.reportDate if newest else None)
        or (current.published if current else None)
    )
    return CqcLocationFacts(
        location_id=record.locationId,
        rated=current is not None or bool(past) or bool(services),
        rating=_decisive_rating(current, services, past),
        service_ratings=services,
        assessed=assessed.assessed if assessed is not None else None,
        specialisms=tuple(s.name for s in record.specialisms),
        inspection_categories=tuple(
            CqcInspectionCategory(code=c.code, name=c.name, primary=c.primary is _YesNo.YES)
            for c in record.inspectionCategories
        ),
        inspection_directorate=record.inspectionDirectorate,
        registered_managers=len(_registered_manager_keys(record)),
        registered_manager_absent=record.registeredManagerAbsentDate,
        last_inspection=record.lastInspection.date if record.lastInspection else None,
        latest_report_first_visit=newest.firstVisitDate if newest else None,
        report_published=published,
        unpublished_reports=tuple(r.firstVisitDate for r in record.unpublishedReports),
        deregistration_date=record.deregistrationDate,
        dormant=record.dormancy is _YesNo.YES,
    )


def read_cqc_location(
    data: object, source: str, *, key: bytes, root: str = "$"
) -> tuple[Location, CqcLocationFacts]:
    """Both the canonical ``Location`` and the ``CqcLocationFacts`` of one CQC location record.

    ``source`` names the record in errors (a file name, URL or ``file.json[3]``); ``root`` is the JSON
    path of the record within it (``$[3]`` for the fourth element of an array). ``key`` is the
    pseudonymisation key (required; ``mipr_rules.privacy.default_pseudonym_key()`` is the CLI's default).
    """
    record = _parse(data, source, root)
    return _to_location(record, source, root, key), _to_facts(record, source, root)


def location_from_cqc(data: object, source: str, *, key: bytes, root: str = "$") -> Location:
    """The canonical ``Location`` for one CQC API location record (``GET /locations/{id}``).

    Mapping: ``locationId``, ``providerId``, ``name``, ``registrationStatus``, ``registrationDate``,
    ``careHome`` (``Y``/``N``; inferred from the service types when absent), ``numberOfBeds``,
    ``gacServiceTypes[].name``; ``currentRatings.overall`` → ``current_rating`` (key questions matched on
    name, in the model's order); ``historicRatings`` → ``past_ratings``, newest first; the first contact
    with the ``Registered Manager`` role → ``registered_manager_id``, a pseudonym of the normalised name
    under ``key`` (prefix ``S``). Raises ``CqcInputError`` naming ``source`` and the JSON path.
    """
    return _to_location(_parse(data, source, root), source, root, key)


def cqc_extras(data: object, source: str = "CQC location", *, root: str = "$") -> CqcLocationFacts:
    """The ``CqcLocationFacts`` of one CQC API location record; errors as ``location_from_cqc``."""
    return _to_facts(_parse(data, source, root), source, root)
