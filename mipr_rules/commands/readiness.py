"""``mipr readiness`` and ``mipr demo``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from mipr_rules import clock
from mipr_rules.adapters.base import DEFAULT_MAX_SKIPPED
from mipr_rules.api import Session
from mipr_rules.commands.explain_option import explain_option
from mipr_rules.commands.options import (
    as_of_option,
    config_option,
    emit,
    exit_incomplete,
    fail_on_option,
    format_option,
    max_skipped_option,
    reached,
    rules_path_option,
)
from mipr_rules.explain import ExplainRequest
from mipr_rules.outputs.progress import progress
from mipr_rules.readiness import DEFAULT_RULESET, ReadinessReport
from mipr_rules.readiness_stream import FORMATS


def readiness_report(
    adapter_name: str,
    source: str,
    as_of: dt.date,
    ruleset_id: str,
    config_path: Path | None,
    lenient: bool = False,
    max_skipped: float = DEFAULT_MAX_SKIPPED,
    location: str | None = None,
) -> ReadinessReport:
    """Read ``source`` with the adapter and evaluate readiness (incomplete reports are returned, marked)."""
    with Session.from_config(config_path) as session:
        return session.readiness(source=source, adapter=adapter_name, as_of=as_of, ruleset_id=ruleset_id,
                                 lenient=lenient, max_skipped=max_skipped, location=location, allow_incomplete=True)


@click.command()
@rules_path_option
@click.option("--adapter", "adapter_name", default="file", show_default=True, help="Adapter that reads the source.")
@click.option("--source", required=True, help="What the adapter reads: a file, folder, URL or database URL.")
@as_of_option
@click.option("--ruleset", "ruleset_id", default=DEFAULT_RULESET, show_default=True, help="Ruleset id.")
@config_option
@click.option("--lenient", is_flag=True, help="Skip bad records (logged and counted) instead of stopping.")
@max_skipped_option
@click.option(
    "--location",
    "location_id",
    default=None,
    metavar="ID",
    help="Read only this location (its CQC location id; for fhir also its ODS code) from a source holding many.",
)
@format_option()
@fail_on_option
@explain_option
def readiness(
    adapter_name: str,
    source: str,
    as_of: dt.date | None,
    ruleset_id: str,
    config_path: Path | None,
    lenient: bool,
    max_skipped: float,
    location_id: str | None,
    fmt: str,
    fail_on: str | None,
    explain: ExplainRequest | None,
) -> None:
    """Check a location's records for CQC readiness gaps.

    \b
    Examples:
      mipr readiness --source home.json --as-of 2026-11-02
      mipr readiness --adapter file --source exports/ --format json --fail-on high
      mipr readiness --adapter sql --source postgresql://localhost/care --config provider.yaml
      mipr readiness --source home.json --explain=why-not care_plan_review_overdue
      mipr readiness --adapter fhir --source https://fhir.example/r4 --location VLLWV --lenient
    """
    if explain is not None and location_id is not None:
        raise click.UsageError("--location cannot be combined with --explain yet; read that location's own source")
    if explain is not None:
        with Session.from_config(config_path) as session:
            explained = session.explain_readiness(explain, source=source, adapter=adapter_name,
                                                  as_of=as_of or clock.today(), ruleset_id=ruleset_id,
                                                  lenient=lenient, max_skipped=max_skipped)
        report = explained.report
        emit(explained, fmt)
    elif fmt in FORMATS:  # many locations in flat memory (readiness_stream.py)
        with Session.from_config(config_path) as session, progress("Evaluating locations", fmt=fmt) as tracker:
            streamed = session.stream_readiness(fmt, source=source, adapter=adapter_name, as_of=as_of or clock.today(),
                                                ruleset_id=ruleset_id, lenient=lenient, max_skipped=max_skipped,
                                                location=location_id, out=sys.stdout, tracker=tracker)
        exit_incomplete(streamed.failures)
        sys.exit(1 if reached(streamed.severities, fail_on) else 0)
    else:
        report = readiness_report(
            adapter_name, source, as_of or clock.today(), ruleset_id, config_path, lenient, max_skipped, location_id
        )
        emit(report, fmt)
    exit_incomplete(report.failures)
    sys.exit(1 if reached([a.severity for a in report.alerts()], fail_on) else 0)


@click.command()
@format_option()
def demo(fmt: str) -> None:
    """Run the readiness check on the bundled sample care home (Sunrise House, 40 residents, 30 staff).

    The sample is dated: it is evaluated as of its own date so that the planted gaps show.
    """
    from mipr_rules.samples import sample_as_of, sample_path

    as_of = sample_as_of()
    report = readiness_report("file", str(sample_path()), as_of, DEFAULT_RULESET, None)
    emit(report, fmt)
    exit_incomplete(report.failures)
    if fmt == "text":
        from importlib import resources

        data_format = resources.files("mipr_rules.docs") / "data-format.md"  # shipped in the wheel
        click.echo(
            f"\nThis was the bundled sample ({sample_path()}), evaluated as of {as_of}.\n"
            f"Next: mipr readiness --source YOUR-HOME.json   (format: {data_format})"
        )


COMMANDS = [readiness, demo]
