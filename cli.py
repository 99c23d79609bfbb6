"""The ``mipr`` command line (click). Installed as ``mipr_rules_cli.cli``; the entry point is ``main``.

Every ``MiprRulesError`` becomes one line on standard error and its exit code (2 bad usage or input;
3 for ``EvaluationIncomplete``); click's usage errors also exit 2. Exit 1 means a check ran and found
something at or above ``--fail-on``; 3 means an evaluation was incomplete (the failures are printed
first) or an internal error.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

import mipr_rules
from mipr_rules import commands, plugins
from mipr_rules.commands import exits
from mipr_rules.errors import MiprRulesError

DEBUG_ENV = exits.DEBUG_ENV


@click.group(cls=exits.MiprGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(mipr_rules.__version__, prog_name="mipr")
def cli() -> None:
    """mipr: CQC inspection-readiness rules for care-record software.

    \b
    Start with:  mipr demo
    Then:        mipr readiness --source home.json
    """


def _add_builtin_commands() -> None:
    """Add every ``COMMANDS`` list found in the modules of ``mipr_rules.commands``."""
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            cli.add_command(command)


_add_builtin_commands()


def _load_plugin_commands() -> None:
    try:
        plugins.plugin_manager().hook.mipr_register_commands(cli=cli)
    except MiprRulesError as exc:
        sys.exit(exits.report(exc))


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map errors to exit codes without tracebacks."""
    _load_plugin_commands()
    try:
        code = cli.main(args=argv, prog_name="mipr", standalone_mode=False)  # an exit code when a command exits
    except Exception as exc:  # click's own exceptions included: one mapping, in commands/exits.py
        sys.exit(exits.report(exc))
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
