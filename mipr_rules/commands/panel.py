"""``mipr panel``: record the two-stage MIPR peer review and verify the score and the publication gate.

Logic in ``mipr_rules.mipr.panel_record`` (the file) and ``mipr_rules.mipr.panel`` (verification).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import attrs
import click

from mipr_rules import clock
from mipr_rules.api import Session
from mipr_rules.commands.options import (
    DATE,
    as_of_option,
    config_option,
    emit,
    format_option,
    reached,
    rules_path_option,
)
from mipr_rules.errors import InputError
from mipr_rules.mipr.criteria import CRITERION_IDS, criterion_id
from mipr_rules.mipr.panel import DEFAULT_RULESET, PanelVerification
from mipr_rules.mipr.panel_record import (
    PSEUDONYM,
    PSEUDONYM_RULE,
    Moderation,
    PanelRecord,
    ReportRef,
    StageReview,
    file_digest,
    json_schema,
    load_record,
    save_record,
    with_moderation,
    with_review,
)
from mipr_rules.severity import SEVERITIES

BLOCKED = "blocked"
"""``--fail-on blocked``: exit 1 when the report may not be published."""

_file_argument = click.argument("file", metavar="FILE", type=click.Path(path_type=Path))


def parse_scores(values: tuple[str, ...]) -> dict[str, int]:
    """``--score methodology.comprehensiveness=4`` (or ``comprehensiveness=4``; ``all=3`` for every criterion)."""
    scores: dict[str, int] = {}
    for value in values:
        name, sep, number = value.partition("=")
        name = name.strip()
        if not sep:
            raise InputError(f"--score {value!r}: expected CRITERION=SCORE, e.g. methodology.comprehensiveness=4")
        if number.strip() not in ("1", "2", "3", "4"):
            raise InputError(f"--score {value!r}: expected a score from 1 to 4")
        if name == "all":
            scores |= dict.fromkeys(CRITERION_IDS, int(number))
            continue
        found = criterion_id(name)
        if found is None:
            raise InputError(
                f"--score {value!r}: {name!r} is not a criterion; expected one of {', '.join(CRITERION_IDS)}"
            )
        scores[found] = int(number)
    return scores


def _open(file: Path, create: bool) -> PanelRecord:
    if file.exists() or not create:
        return load_record(file)
    if file.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise InputError(f"{file}: a panel record is a .yaml, .yml or .json file")
    return PanelRecord()


def _pseudonym(value: str, option: str) -> str:
    if not PSEUDONYM.match(value):
        raise InputError(f"{option} {value!r}: expected {PSEUDONYM_RULE}")
    return value


@click.group()
def panel() -> None:
    """Record the two-stage MIPR peer review of a report, and verify its score and publication.

    \b
    Examples:
      mipr panel init panel.yaml --report draft.docx
      mipr panel record panel.yaml --stage 1 --reviewer R1 --score all=4 --score proportionality=3
      mipr panel record panel.yaml --stage 2 --reviewer R2 --score all=4 --comment "Clear and well evidenced."
      mipr panel provider panel.yaml --factual-accuracy-review 2025-05-19 --consent yes
      mipr panel verify panel.yaml --format json
    """


@panel.command("init")
@_file_argument
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    default=None,
    help="The report reviewed: its location, factual-accuracy review date and consent are copied.",
)
@click.option("--location-id", default=None, help="CQC location id, without --report.")
@click.option("--location-name", default="", help="Location name, without --report.")
@click.option("--force", is_flag=True, help="Replace an existing record.")
def init(file: Path, report_path: Path | None, location_id: str | None, location_name: str, force: bool) -> None:
    """Start a panel record for a report."""
    if file.exists() and not force:
        raise InputError(f"{file}: a panel record already exists (use --force to replace it)")
    if report_path is not None:
        from mipr_rules.mipr.reading import read_report

        report = read_report(report_path)
        record = PanelRecord(
            ReportRef(report.location.id, report.location.name, str(report_path), file_digest(report_path)),
            factual_accuracy_review=report.factual_accuracy_review,
            publication_consent=report.publication_consent,
        )
    elif location_id:
        record = PanelRecord(ReportRef(location_id, location_name))
    else:
        raise InputError("mipr panel init: give --report REPORT or --location-id ID")
    if file.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise InputError(f"{file}: a panel record is a .yaml, .yml or .json file")
    save_record(record, file)
    click.echo(f"{file}: panel record started")


@panel.command("record")
@_file_argument
@click.option("--stage", type=click.IntRange(1, 2), required=True, help="Stage of the peer review: 1 or 2.")
@click.option("--reviewer", required=True, help="Pseudonymous reviewer id, e.g. R1 (never a name).")
@click.option(
    "--score",
    "scores",
    multiple=True,
    metavar="CRITERION=1..4",
    help="A criterion's score (repeat; 'all=N' sets every criterion, later --score options override).",
)
@click.option("--comment", default="", help="The reviewer's comments.")
@click.option("--date", "date", type=DATE, default=None, help="Date of the review.")
def record(file: Path, stage: int, reviewer: str, scores: tuple[str, ...], comment: str, date: dt.date | None) -> None:
    """Record (or add to) one reviewer's scores at one stage; creates FILE if it does not exist."""
    _pseudonym(reviewer, "--reviewer")
    parsed = parse_scores(scores)
    current = _open(file, create=True)
    updated = with_review(current, StageReview(stage, reviewer, date, parsed, comment), str(file))
    save_record(updated, file)
    mine = next(r for r in updated.reviews if (r.stage, r.reviewer) == (stage, reviewer))
    click.echo(f"{file}: stage {stage} review by {reviewer} recorded ({len(mine.scores)} of 13 criteria scored)")


@panel.command("moderate")
@_file_argument
@click.option("--moderator", required=True, help="Pseudonymous moderator id, e.g. M1.")
@click.option(
    "--score",
    "scores",
    multiple=True,
    metavar="CRITERION=1..4",
    required=True,
    help="A settled criterion score (repeat; 'all=N' for every criterion).",
)
@click.option("--comment", default="", help="The moderator's comments.")
@click.option("--date", "date", type=DATE, default=None, help="Date of the moderation.")
def moderate(file: Path, moderator: str, scores: tuple[str, ...], comment: str, date: dt.date | None) -> None:
    """Record the moderation of criteria on which the two stages disagree."""
    _pseudonym(moderator, "--moderator")
    updated = with_moderation(
        load_record(file), Moderation(moderator, date, parse_scores(scores), comment), str(file)
    )
    save_record(updated, file)
    settled = len(updated.moderation.scores) if updated.moderation else 0
    click.echo(f"{file}: moderation by {moderator} recorded ({settled} criteria settled)")


@panel.command("provider")
@_file_argument
@click.option(
    "--factual-accuracy-review",
    "review_date",
    type=DATE,
    default=None,
    help="Date the provider reviewed the draft for factual accuracy.",
)
@click.option(
    "--consent",
    type=click.Choice(["yes", "no"]),
    default=None,
    help="Whether the provider consents to publication in the public directory.",
)
@click.option("--consent-date", type=DATE, default=None, help="When the consent (or its withdrawal) was given.")
def provider(file: Path, review_date: dt.date | None, consent: str | None, consent_date: dt.date | None) -> None:
    """Record the provider's factual-accuracy review and consent to publication."""
    current = load_record(file)
    changes: dict[str, Any] = {}
    if review_date is not None:
        changes["factual_accuracy_review"] = review_date
    if consent is not None:
        changes["publication_consent"] = consent == "yes"
    if consent_date is not None:
        changes["publication_consent_date"] = consent_date
    if not changes:
        raise InputError("mipr panel provider: give --factual-accuracy-review, --consent or --consent-date")
    save_record(attrs.evolve(current, **changes), file)
    click.echo(f"{file}: provider's {', '.join(k.replace('_', ' ') for k in changes)} recorded")


@panel.command("verify")
@rules_path_option
@_file_argument
@as_of_option
@click.option("--ruleset", "ruleset_id", default=DEFAULT_RULESET, show_default=True, help="Ruleset id (kind mipr).")
@config_option
@format_option()
@click.option(
    "--fail-on",
    type=click.Choice([*SEVERITIES, BLOCKED]),
    default=None,
    help="Exit 1 if a rule at or above this severity fired, or ('blocked') if publication is blocked.",
)
@click.option("--explain", is_flag=True, help="Show the facts and parameters behind each condition.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    default=None,
    help="The report file: its pre-check is run and bound to the record by digest.",
)
def verify(
    file: Path,
    as_of: dt.date | None,
    ruleset_id: str,
    config_path: Path | None,
    fmt: str,
    fail_on: str | None,
    explain: bool,
    report_path: Path | None,
) -> None:
    """Work out the verified score and whether the report may be published (and, if not, why)."""
    with Session.from_config(config_path, processes=1) as session:
        result = session.panel(load_record(file), path=str(file), as_of=as_of or clock.today(), ruleset_id=ruleset_id,
                               explain=explain, report_path=report_path)
    emit(result, fmt)
    sys.exit(1 if failed(result, fail_on) else 0)


def failed(result: PanelVerification, fail_on: str | None) -> bool:
    """Whether ``--fail-on`` is reached."""
    if fail_on == BLOCKED:
        return not result.publishable
    return reached(result.severities(), fail_on)


@panel.command("schema")
def schema() -> None:
    """Print the JSON Schema of panel record files."""
    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


COMMANDS = [panel]
