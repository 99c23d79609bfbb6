"""Errors to exit codes: the one place the command line turns an exception into a message and a code.

DESIGN §5: 0 ran and found nothing at or above ``--fail-on``; 1 it did; 2 bad usage or bad input (one line
naming the file and place, never a traceback); 3 the run was incomplete or failed inside. Every
``MiprRulesError`` carries its own code (``exit_code``: 2, or 3 for ``EvaluationIncomplete``).
"""

from __future__ import annotations

import os
from typing import Any

import click

from mipr_rules.errors import MiprRulesError

DEBUG_ENV = "MIPR_RULES_DEBUG"
"""Set it (to anything) to get the traceback of an internal error instead of the one-line report."""


def report(exc: BaseException) -> int:
    """Print one line on standard error for ``exc`` and return its exit code.

    Re-raises an unexpected exception when ``MIPR_RULES_DEBUG`` is set, so that a developer sees the traceback.
    """
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if isinstance(exc, click.ClickException):
        click.echo(f"mipr: error: {exc.format_message()}", err=True)
        return 2 if exc.exit_code == 2 else exc.exit_code
    if isinstance(exc, click.exceptions.Abort):
        click.echo("mipr: aborted", err=True)
        return 130
    if isinstance(exc, MiprRulesError):
        text = str(exc)
        click.echo(f"mipr: error: {text.splitlines()[0] if text else type(exc).__name__}", err=True)
        return exc.exit_code
    if os.environ.get(DEBUG_ENV):
        raise exc
    click.echo(
        f"mipr: internal error: {type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 for details; please report it)",
        err=True,
    )
    return 3


class MiprGroup(click.Group):
    """The ``mipr`` group: a ``MiprRulesError`` from any command (nested or from a plugin) becomes its exit code.

    Commands therefore raise ``MiprRulesError`` and never catch it to print it themselves.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MiprRulesError as exc:
            raise click.exceptions.Exit(report(exc)) from None
