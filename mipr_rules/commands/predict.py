"""``mipr predict``: how CQC might rate the location if it inspected tomorrow, and what would change it."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from mipr_rules import clock
from mipr_rules.api import Session
from mipr_rules.commands.options import as_of_option, config_option, emit, format_option, max_skipped_option
from mipr_rules.readiness import DEFAULT_RULESET


@click.command()
@click.option("--adapter", "adapter_name", default="file", show_default=True, help="Adapter that reads the source.")
@click.option("--source", required=True, help="What the adapter reads: a file, folder, URL or database URL.")
@as_of_option
@click.option("--ruleset", "ruleset_id", default=DEFAULT_RULESET, show_default=True, help="Readiness ruleset id.")
@config_option
@click.option("--lenient", is_flag=True, help="Skip bad records (logged and counted) instead of stopping.")
@max_skipped_option
@click.option("--resolved", "resolved", multiple=True, metavar="RULE@SUBJECT",
              help="Treat this open alert as resolved (repeatable): what fixing it would do.")
@click.option("--horizon", default=14, show_default=True, type=int, metavar="DAYS",
              help="Days ahead to look for alerts that open or worsen and would lower a rating (0-366).")
@click.option("--store", default=None, metavar="PATH|URL",
              help="Alert store (of mipr watch) whose history gives the trend of the predicted percentages.")
@format_option()
def predict(adapter_name: str, source: str, as_of: dt.date | None, ruleset_id: str, config_path: Path | None,
            lenient: bool, max_skipped: float, resolved: tuple[str, ...], horizon: int, store: str | None,
            fmt: str) -> None:
    """Predict the rating per key question and overall from the records, with its range and what would change it.

    Statement scores come from ruleset saf-prediction-2024 (open readiness alerts cap them, records lift them;
    no score where no record informs the statement); saf-rating-2024 then rates them as `mipr rating` does.

    \b
    Examples:
      mipr predict --source home.json --as-of 2026-11-02
      mipr predict --source home.json --format json
      mipr predict --source home.json --store alerts.db --format html > prediction.html
    """
    with Session.from_config(config_path) as session:
        report = session.predict(source=source, adapter=adapter_name, as_of=as_of or clock.today(),
                                 ruleset_id=ruleset_id, lenient=lenient, max_skipped=max_skipped, resolved=resolved,
                                 store=store, horizon=horizon)
    emit(report, fmt)
    sys.exit(0)





@click.command("draft-report")
@click.option("--adapter", "adapter_name", default="file", show_default=True, help="Adapter that reads the source.")
@click.option("--source", required=True, help="What the adapter reads: a file, folder, URL or database URL.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The draft to write: a .md (Markdown) or .docx (Word) file.")
@as_of_option
@click.option("--ruleset", "ruleset_id", default=DEFAULT_RULESET, show_default=True, help="Readiness ruleset id.")
@config_option
@click.option("--lenient", is_flag=True, help="Skip bad records (logged and counted) instead of stopping.")
@max_skipped_option
def draft_report(adapter_name: str, source: str, out: Path, as_of: dt.date | None, ruleset_id: str,
                 config_path: Path | None, lenient: bool, max_skipped: float) -> None:
    """Write a draft mock-inspection report in the MIPR format from the records.

    Statements the records inform get the predicted score, the evidence held and the open alerts as risks;
    the others are marked "to be completed from observation and conversations". Owner and timescale of each
    recommendation are left for the consultant.

    \b
    Examples:
      mipr draft-report --source home.json --out draft.md
      mipr draft-report --source home.json --out draft.docx && mipr review draft.docx
    """
    with Session.from_config(config_path) as session:
        prediction = session.draft_report(out, source=source, adapter=adapter_name, as_of=as_of or clock.today(),
                                          ruleset_id=ruleset_id, lenient=lenient, max_skipped=max_skipped)
    left = sum(1 for k in prediction.key_questions for s in k.statements if s.score is None)
    click.echo(f"Wrote {out}: {sum(k.informed for k in prediction.key_questions)} quality statements drafted from "
               f"the records, {left} to be completed from observation and conversations.")
    sys.exit(0)
COMMANDS = [predict, draft_report]
