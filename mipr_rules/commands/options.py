"""Options and helpers shared by every command (DESIGN §5 conventions)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from mipr_rules import plugins
from mipr_rules.dates import EARLIEST_DATE, LATEST_DATE
from mipr_rules.errors import EvaluationIncomplete
from mipr_rules.severity import SEVERITIES, at_or_above

F = TypeVar("F", bound=Callable[..., Any])


class DateType(click.ParamType):  # type: ignore[type-arg]
    """``YYYY-MM-DD`` between ``dates.EARLIEST_DATE`` and ``dates.LATEST_DATE``."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        text = str(value)
        shown = repr(text) if len(text) <= 40 else "the value"
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            self.fail(f"{shown} is not a date in the form YYYY-MM-DD", param, ctx)
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            self.fail(f"{day} is outside the plausible range {EARLIEST_DATE} to {LATEST_DATE}", param, ctx)
        return day


DATE = DateType()


class PercentType(click.ParamType):  # type: ignore[type-arg]
    """A percentage from 0 to 100, written ``5`` or ``5%``; converted to a fraction (``0.05``)."""

    name = "PERCENT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        text = str(value).strip().removesuffix("%").strip()
        try:
            number = float(text)
        except ValueError:
            number = -1.0
        if not 0 <= number <= 100:
            self.fail("expected a percentage from 0 to 100, e.g. 5 or 5%", param, ctx)
        return number / 100


def max_skipped_option(func: F) -> F:
    """``--max-skipped PERCENT``: how much of a lenient read may be skipped before it fails (default 5 %)."""
    return click.option(
        "--max-skipped",
        "max_skipped",
        type=PercentType(),
        default="5",
        show_default="5%",
        help="With --lenient: fail (exit 2) if more than this share of all records is skipped.",
    )(func)


def as_of_option(func: F) -> F:
    """``--as-of YYYY-MM-DD``: the date the evaluation is as of (default: today)."""
    return click.option("--as-of", "as_of", type=DATE, default=None, help="Evaluate as of this date (default: today).")(
        func
    )


def _config_rules_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """Register the configuration's ``rules_path`` before the command looks for rulesets."""
    if value is not None:
        from mipr_rules.config import load_config

        plugins.add_ruleset_paths(load_config(value).rules_path)
    return value


def config_option(func: F) -> F:
    """``--config FILE``: the provider's configuration (parameter overrides, region, rules_path)."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        default=None,
        callback=_config_rules_path,
        help="Provider configuration: parameter overrides per ruleset and the working-day region (README).",
    )(func)


def _add_rules_path(ctx: click.Context, param: click.Parameter, value: tuple[Path, ...]) -> None:
    plugins.add_ruleset_paths(value)


def rules_path_option(func: F) -> F:
    """``--rules-path DIR`` (repeatable): ruleset folders or files besides the installed ones (house rules).

    Also ``MIPR_RULES_PATH`` (separated by ``os.pathsep``) and ``rules_path`` in the provider configuration.
    """
    return click.option(
        "--rules-path",
        "rules_path",
        type=click.Path(path_type=Path, exists=True),
        multiple=True,
        expose_value=False,
        is_eager=True,
        callback=_add_rules_path,
        metavar="DIR",
        help="Also load the rulesets in this folder or file (repeatable; also MIPR_RULES_PATH).",
    )(func)


def format_option(default: str = "text") -> Callable[[F], F]:
    """``--format``: any installed output format."""

    def decorate(func: F) -> F:
        return click.option(
            "--format",
            "fmt",
            default=default,
            show_default=True,
            metavar="text|json|html|…",
            help="Output format (any installed output plugin).",
        )(func)

    return decorate


def fail_on_option(func: F) -> F:
    """``--fail-on SEVERITY``: exit 1 when anything at or above it is found."""
    return click.option(
        "--fail-on",
        type=click.Choice(SEVERITIES),
        default=None,
        help="Exit 1 if any result is at or above this severity.",
    )(func)


def emit(report: Any, fmt: str) -> None:
    """Render ``report`` in format ``fmt`` to standard output."""
    click.echo(plugins.output(fmt).render(report), nl=False)


def reached(severities: list[str], fail_on: str | None) -> bool:
    """Whether any severity is at or above ``fail_on``."""
    return at_or_above(severities, fail_on)


def fail(message: str) -> None:
    """Print one line to standard error and exit 2."""
    click.echo(f"mipr: error: {message}", err=True)
    sys.exit(2)


def exit_incomplete(failures: Sequence[tuple[str, str]]) -> None:
    """After an incomplete report was printed (failures first): one line per failure on stderr, exit 3.

    Does nothing when ``failures`` is empty. Exit 3 wins over 1: alerts found in the rest do not make an
    incomplete run look like a finished one.
    """
    if not failures:
        return
    for key, reason in failures:
        click.echo(f"mipr: error: not evaluated: {key}: {reason}", err=True)
    sys.exit(EvaluationIncomplete.exit_code)
