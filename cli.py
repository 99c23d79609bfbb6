"""The ``mipr`` command line (click). Installed as ``mipr_rules_cli.cli``; the entry point is ``main``.

Every ``MiprRulesError`` becomes one line on standard error and its exit code (2 bad usage or input;
3 for ``EvaluationIncomplete``); click's usage errors also exit 2. Exit 1 means a check ran and found
something at or above ``--fail-on``; 3 means an evaluation was incomplete (the failures are printed
first) or an internal error.
"""

from __future__ import annotations

import sys

import click

from mipr_rules.commands import exits
from mipr_rules.commands.lazy import LazyGroup

DEBUG_ENV = exits.DEBUG_ENV


class MiprCli(exits.MiprGroup, LazyGroup):
    """Commands imported when run (``LazyGroup``); their errors mapped to exit codes in one place (``MiprGroup``)."""


@click.group(cls=MiprCli, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
        code = cli.main(args=argv, prog_name="mipr", standalone_mode=False)  # an exit code when a command exits
    except Exception as exc:  # click's own exceptions included: one mapping, in commands/exits.py
        sys.exit(exits.report(exc))
    sys.exit(code if isinstance(code, int) else 0)

if __name__ == "__main__":
    main()
