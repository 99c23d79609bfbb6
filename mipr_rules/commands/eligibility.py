"""``mipr eligibility``: can a location be nominated for a 2023 improvement inspection?"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from mipr_rules import clock
from mipr_rules.api import Session
from mipr_rules.commands.options import (
    as_of_option,
    config_option,
    emit,
    exit_incomplete,
    format_option,
    rules_path_option,
)
from mipr_rules.eligibility import (
    load_location,
    load_nomination,
)


@click.command()
@rules_path_option
@click.argument("location_file", type=click.Path(path_type=Path))
@click.option(
    "--nomination",
    "nomination_file",
    type=click.Path(path_type=Path),
    default=None,
    help="YAML/JSON: nominated_by, accepts_la_funded_placements, la_confirmed_staffing, "
    "evidence_of_improvement, rating_absence_blocks_commissioning (missing = unknown).",
)
@as_of_option
@config_option
@format_option()
def eligibility(
    location_file: Path, nomination_file: Path | None, as_of: dt.date | None, config_path: Path | None, fmt: str
) -> None:
    """Check a CQC location against the improvement-inspection criteria of 13 Jan 2023.

    LOCATION_FILE is the location exactly as CQC's public API returns it (GET /locations/{id}).
    The programme ran from 2023-01-13 to 2023-03-31: other --as-of dates fail the window check.
    Exit 0 whatever the verdict; 2 on bad input; 3 when the engine could not evaluate it.

    \b
    Examples:
      mipr eligibility location.json --nomination nomination.yaml --as-of 2023-02-01
      mipr eligibility location.json --nomination nomination.yaml --as-of 2023-02-01 --format json
    """
    record = load_location(location_file)
    nomination = load_nomination(nomination_file) if nomination_file else None
    with Session.from_config(config_path, processes=1) as session:
        report = session.eligibility(record, nomination, as_of=as_of or clock.today(), source=str(location_file),
                                     allow_incomplete=True)
    emit(report, fmt)
    exit_incomplete(report.failures)
    sys.exit(0)


COMMANDS = [eligibility]
