"""The ``mipr`` command line (click). Installed as ``mipr_rules_cli.cli``; the entry point is ``main``.

Every ``MiprRulesError`` becomes one line on standard error and its exit code (2 bad usage or input;
3 for ``EvaluationIncomplete``); click's usage errors also exit 2. Exit 1 means a check ran and found
something at or above ``--fail-on``; 3 means an evaluation was incomplete (the failures are printed
first) or an internal error.
"""

from __future__ import annotations

import os
import sys

import click

from mipr_rules.commands.lazy import LazyGroup
from mipr_rules.errors import MiprRulesError

DEBUG_ENV = "MIPR_RULES_DEBUG"


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="mipr-rules", prog_name="mipr")  # read when asked for
def cli() -> None:
    """mipr: CQC inspection-readiness rules for care-record software.

    \b
    Start with:  mipr demo
    Then:        mipr readiness --source home.json
    """


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map errors to exit codes without tracebacks.

    Commands are imported when they are run (``mipr_rules/commands/lazy.py``): ``mipr --version`` imports
    no command, ``mipr readiness`` only its own module; plugins' commands are added when a name is not a
    built-in one or when every command is listed (``mipr --help``).
    """
    try:
        cli.main(args=argv, prog_name="mipr", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"mipr: error: {exc.format_message()}", err=True)
        sys.exit(2 if exc.exit_code == 2 else exc.exit_code)
    except click.exceptions.Abort:
        click.echo("mipr: aborted", err=True)
        sys.exit(130)
    except MiprRulesError as exc:
        click.echo(f"mipr: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        click.echo(
            f"mipr: internal error: {type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 for details; please report it)",
            err=True,
        )
        sys.exit(3)
    sys.exit(0)


if __name__ == "__main__":
    main()
