"""``mipr rating``: key-question and overall ratings from SAF scores or KLOE-era key-question ratings."""

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
from mipr_rules.rating import FRAMEWORKS, load_scores


@click.command()
@rules_path_option
@click.argument("scores_file", type=click.Path(path_type=Path))
@click.option(
    "--framework",
    type=click.Choice(list(FRAMEWORKS)),
    default=None,
    help="SAF_2024_12 (quality-statement scores) or KLOE_2014 (key-question ratings); "
    "default: the file's framework, else what it contains.",
)
@as_of_option
@config_option
@format_option()
def rating(scores_file: Path, framework: str | None, as_of: dt.date | None, config_path: Path | None, fmt: str) -> None:
    """Work out key-question and overall ratings, citing the rule behind each.

    SAF: scores 1-4 per quality statement give each key question a percentage and a rating
    (25-38 Inadequate, 39-62 Requires improvement, 63-87 Good, 88+ Outstanding). SAF limiters and the
    overall rating are not verified and follow the KLOE-era principles by default. KLOE: key-question
    ratings give the overall rating; cases the principles do not cover are flagged for human judgement.

    \b
    Examples:
      mipr rating saf-scores.yaml
      mipr rating kloe-ratings.yaml --framework KLOE_2014 --format json
    """
    scores = load_scores(scores_file, framework)
    with Session.from_config(config_path, processes=1) as session:
        report = session.rate(scores, as_of=as_of or clock.today(), allow_incomplete=True)
    emit(report, fmt)
    exit_incomplete(report.failures)
    sys.exit(0)


COMMANDS = [rating]
