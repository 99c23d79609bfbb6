"""The MIPR panel record: the two-stage peer review of one report, kept in a YAML or JSON file.

The format is published as ``panel.schema.json`` and documented in docs/commands/panel.md::

    report: {location_id: 1-101000002, location_name: Meadowbank Home Care, file: meadowbank-good.docx}
    factual_accuracy_review: 2025-05-19     # the provider's factual-accuracy review, when recorded
    publication_consent: true               # the provider's consent to publication
    reviews:                                # one entry per reviewer and stage
      - {stage: 1, reviewer: R1, date: 2025-05-26, scores: {methodology.comprehensiveness: 3, ...},
         comments: ...}
    moderation: {moderator: M1, scores: {methodology.proportionality: 3}, comments: ...}

Reviewers and moderators are pseudonymous ids (``R1``, ``panel-07``), never names or e-mail addresses.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import yaml

from mipr_rules.convert import converter, first_error
from mipr_rules.errors import InputError
from mipr_rules.loading import load_data_file
from mipr_rules.mipr.criteria import BY_ID, CRITERION_IDS

STAGES = (1, 2)
"""The two stages of the peer review."""
PSEUDONYM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
"""A pseudonymous reviewer id: letters, digits, '-', '_', '.', at most 32, no spaces or '@'."""
PSEUDONYM_RULE = "a pseudonymous id (letters, digits, '-', '_', '.'; no spaces or '@'), e.g. R1"
SUFFIXES = (".yaml", ".yml", ".json")
"""File types a panel record is kept in."""


@attrs.frozen
class ReportRef:
    """Which report the panel reviews."""

    location_id: str
    """CQC location id of the service inspected."""
    location_name: str = ""
    """Its name."""
    file: str | None = None
    """The report file, as given when the record was started."""
    sha256: str | None = None
    """SHA-256 digest of the report file's bytes: names the exact report the panel reviews."""


@attrs.frozen
class PreCheck:
    """The ``mipr review`` pre-check of the report, as run on the exact file the digest names."""

    sha256: str
    """SHA-256 digest of the report file that was pre-checked."""
    proceeds: bool
    """Whether the pre-check let the report proceed to the panel."""
    rating: str = ""
    """The pre-check's overall rating."""
    ruleset: str = ""
    """The ruleset id and version that ran."""
    as_of: dt.date | None = None
    """The as-of date of the pre-check."""


@attrs.frozen
class StageReview:
    """One reviewer's scores at one stage."""

    stage: int
    """1 or 2."""
    reviewer: str
    """Pseudonymous reviewer id."""
    date: dt.date | None = None
    """When the review was done."""
    scores: Mapping[str, int] = attrs.field(factory=dict)
    """Criterion id → score 1-4."""
    comments: str = ""
    """The reviewer's comments."""


@attrs.frozen
class Moderation:
    """A moderator's settled scores, when the two stages disagree."""

    moderator: str
    """Pseudonymous moderator id."""
    date: dt.date | None = None
    """When the moderation was done."""
    scores: Mapping[str, int] = attrs.field(factory=dict)
    """Criterion id → settled score 1-4 (the criteria in dispute, or all of them)."""
    comments: str = ""
    """The moderator's comments."""


@attrs.frozen
class PanelRecord:
    """The panel's record of one report."""

    report: ReportRef | None = None
    """The report reviewed (None until ``mipr panel init`` names it)."""
    reviews: tuple[StageReview, ...] = ()
    """Stage reviews, in the order recorded."""
    moderation: Moderation | None = None
    """The moderation, if one was recorded."""
    factual_accuracy_review: dt.date | None = None
    """Date the provider reviewed the draft for factual accuracy; None until recorded."""
    publication_consent: bool = False
    """Whether the provider consents to publication in the public directory."""
    publication_consent_date: dt.date | None = None
    """When the consent (or its withdrawal) was recorded."""
    pre_check: PreCheck | None = None
    """The pre-check of the report, when run (``mipr panel verify --report``) or recorded."""

    @property
    def key(self) -> str:
        """The partition key the engine evaluates it under: the location id, or ``panel``."""
        return self.report.location_id if self.report is not None else "panel"

    def stage(self, stage: int) -> tuple[StageReview, ...]:
        """The reviews of one stage."""
        return tuple(r for r in self.reviews if r.stage == stage)


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks (bounded memory)."""
    import hashlib

    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    return digest.hexdigest()


def schema_path() -> Path:
    """Path of the published JSON Schema of panel records."""
    return Path(str(resources.files("mipr_rules.mipr") / "panel.schema.json"))


def json_schema() -> dict[str, Any]:
    """The JSON Schema of panel records."""
    data: dict[str, Any] = json.loads(schema_path().read_text(encoding="utf-8"))
    return data


def _fail(source: str, message: str, path: str) -> InputError:
    return InputError(f"{source}: {message} @ {path}")


def check_pseudonym(value: str, source: str, path: str) -> None:
    """Refuse an id that is not pseudonymous-looking."""
    if not PSEUDONYM.match(value):
        raise _fail(source, f"expected {PSEUDONYM_RULE}", path)


def check_scores(scores: Mapping[str, int], source: str, path: str) -> None:
    """Refuse unknown criteria and scores outside 1-4."""
    for key, value in scores.items():
        if key not in BY_ID:
            raise _fail(source, "not a criterion id (e.g. methodology.comprehensiveness)", f"{path}['{key}']")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
            raise _fail(source, "expected a score from 1 to 4", f"{path}['{key}']")


def check_record(record: PanelRecord, source: str) -> None:
    """Checks the types cannot express: stages, pseudonyms, criteria and scores, one review per reviewer."""
    seen: set[tuple[int, str]] = set()
    for index, review in enumerate(record.reviews):
        here = f"$.reviews[{index}]"
        if review.stage not in STAGES:
            raise _fail(source, "expected stage 1 or 2", f"{here}.stage")
        check_pseudonym(review.reviewer, source, f"{here}.reviewer")
        check_scores(review.scores, source, f"{here}.scores")
        if (review.stage, review.reviewer) in seen:
            raise _fail(source, "a second review by the same reviewer at the same stage", f"{here}.reviewer")
        seen.add((review.stage, review.reviewer))
    if record.moderation is not None:
        check_pseudonym(record.moderation.moderator, source, "$.moderation.moderator")
        check_scores(record.moderation.scores, source, "$.moderation.scores")
    if record.report is not None and not record.report.location_id.strip():
        raise _fail(source, "empty location id", "$.report.location_id")


def structure_record(data: Any, source: str) -> PanelRecord:
    """Structure and check a panel record; one-line ``InputError`` naming the place otherwise."""
    if not isinstance(data, Mapping):
        raise InputError(f"{source}: expected a mapping (the panel record) at the top level")
    try:
        record = converter.structure(data, PanelRecord)
    except Exception as exc:  # cattrs raises several unrelated types
        message, path = first_error(exc)
        raise _fail(source, message, path) from None
    check_record(record, source)
    return record


def load_record(path: Path) -> PanelRecord:
    """Read the panel record at ``path`` (.yaml, .yml or .json)."""
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(f"{path}: unsupported panel record type {path.suffix or '(none)'}; expected .yaml or .json")
    return structure_record(load_data_file(path), str(path))


def to_data(record: PanelRecord) -> dict[str, Any]:
    """The record as plain data, in the documented key order, without empty optional fields."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v is not None and v != ""}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    data = converter.unstructure(record)
    for review in data["reviews"]:
        review["scores"] = {c: review["scores"][c] for c in CRITERION_IDS if c in review["scores"]}
    if data.get("moderation"):
        scores = data["moderation"]["scores"]
        data["moderation"]["scores"] = {c: scores[c] for c in CRITERION_IDS if c in scores}
    order = [
        "report",
        "pre_check",
        "factual_accuracy_review",
        "publication_consent",
        "publication_consent_date",
        "reviews",
    ]
    ordered = {k: data[k] for k in [*order, "moderation"] if k in data}
    out: dict[str, Any] = clean(ordered)
    return out


_DATE_KEYS = frozenset({"date", "factual_accuracy_review", "publication_consent_date"})


def _yaml_dates(value: Any, key: str = "") -> Any:
    """Dates back to ``datetime.date`` so that YAML writes them as dates, not quoted text."""
    if isinstance(value, dict):
        return {k: _yaml_dates(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml_dates(v) for v in value]
    if key in _DATE_KEYS and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def save_record(record: PanelRecord, path: Path) -> None:
    """Write ``record`` to ``path`` (YAML or JSON by extension), replacing the file in one step."""
    data = to_data(record)
    if path.suffix.lower() == ".json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        data = _yaml_dates(data)
        header = "# MIPR panel record (docs/commands/panel.md; JSON Schema: mipr panel schema)\n"
        text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror})") from None


def with_review(record: PanelRecord, review: StageReview, source: str) -> PanelRecord:
    """``record`` with ``review`` added, or merged into the same reviewer's review of the same stage."""
    reviews = list(record.reviews)
    for index, old in enumerate(reviews):
        if (old.stage, old.reviewer) == (review.stage, review.reviewer):
            reviews[index] = StageReview(
                review.stage,
                review.reviewer,
                review.date or old.date,
                {**old.scores, **review.scores},
                review.comments or old.comments,
            )
            break
    else:
        reviews.append(review)
    updated = attrs.evolve(record, reviews=tuple(reviews))
    check_record(updated, source)
    return updated


def with_moderation(record: PanelRecord, moderation: Moderation, source: str) -> PanelRecord:
    """``record`` with ``moderation`` recorded (merged with an earlier one by the same moderator)."""
    old = record.moderation
    if old is not None and old.moderator == moderation.moderator:
        moderation = Moderation(
            moderation.moderator,
            moderation.date or old.date,
            {**old.scores, **moderation.scores},
            moderation.comments or old.comments,
        )
    updated = attrs.evolve(record, moderation=moderation)
    check_record(updated, source)
    return updated
