"""``mipr review``: the MIPR pre-check of a mock-inspection report (logic in ``mipr_rules.mipr.review``)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from mipr_rules import clock
from mipr_rules.api import Session
from mipr_rules.commands.options import as_of_option, config_option, emit, format_option, reached, rules_path_option
from mipr_rules.mipr.review import DEFAULT_RULESET, ReviewReport
from mipr_rules.severity import SEVERITIES

PANEL = "panel"
"""``--fail-on panel``: exit 1 when the report does not proceed to the panel."""


@click.command()
@rules_path_option
@click.argument("report_path", metavar="REPORT", type=click.Path(path_type=Path))
@as_of_option
@click.option("--ruleset", "ruleset_id", default=DEFAULT_RULESET, show_default=True, help="Ruleset id (kind mipr).")
@config_option
@format_option()
@click.option(
    "--fail-on",
    type=click.Choice([*SEVERITIES, PANEL]),
    default=None,
    help="Exit 1 if a finding is at or above this severity, or ('panel') if the report does not proceed.",
)
@click.option("--explain", is_flag=True, help="Show the measured facts, parameters and citation behind each finding.")
def review(
    report_path: Path,
    as_of: dt.date | None,
    ruleset_id: str,
    config_path: Path | None,
    fmt: str,
    fail_on: str | None,
    explain: bool,
) -> None:
    """Pre-check a mock-inspection report against the 13 MIPR criteria.

    REPORT is read by its extension: .yaml/.yml/.json (report.schema.json), .md (the Markdown convention)
    or .docx (Word, the same convention). Each criterion gets a score 1-4 with the CQC rating word, the
    findings behind it and whether a person must confirm it; the overall rating decides whether the report
    proceeds to the panel (Good or Outstanding by default). Exit 3 when more criteria than the ruleset's
    max_not_assessed_to_proceed (0) could not be assessed: the pre-check is incomplete, never an all-clear.

    \b
    Examples:
      mipr review draft.docx
      mipr review draft.md --format json --fail-on panel
      mipr review draft.yaml --explain --config provider.yaml
    """
    with Session.from_config(config_path, processes=1) as session:
        result = session.review(report_path, as_of=as_of or clock.today(), ruleset_id=ruleset_id, explain=explain)
    emit(result, fmt)
    bound = result.parameters.get("max_not_assessed_to_proceed", 0)
    if len(result.not_assessed) > bound:
        click.echo(
            f"mipr: incomplete: {len(result.not_assessed)} of {len(result.criteria)} criteria not assessed "
            f"({', '.join(result.not_assessed)}), above max_not_assessed_to_proceed ({bound}): no all-clear",
            err=True,
        )
        sys.exit(3)
    sys.exit(1 if failed(result, fail_on) else 0)


def failed(result: ReviewReport, fail_on: str | None) -> bool:
    """Whether ``--fail-on`` is reached."""
    if fail_on == PANEL:
        return not result.proceeds_to_panel
    return reached(result.severities(), fail_on)


COMMANDS = [review]
