"""Hook specifications: every extension point of mipr-rules, declared once.

Plugins implement these with ``@mipr_rules.hookimpl`` and are found through the ``mipr_rules``
entry-point group. Hooks follow datasette and llm: ``mipr_register_*(register)`` hooks hand the plugin a
``register`` callable, so the host keeps control of names, ordering and duplicate detection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Callable

    import click

hookspec = pluggy.HookspecMarker("mipr_rules")


@hookspec
def mipr_register_adapters(register: Callable[[Any], None]) -> None:
    """Register data adapters that read a care-record source into the canonical model.

    Called once, when the plugin manager is first asked for adapters. Call ``register(adapter)`` for each
    adapter: an object satisfying ``mipr_rules.adapters.base.Adapter`` (``name``, ``version``,
    ``description``, ``accepts`` and ``read(source, context)``). Every implementation is called; a second
    adapter with a name already registered is an error.
    """


@hookspec
def mipr_register_outputs(register: Callable[[Any], None]) -> None:
    """Register output formats for reports (terminal text, JSON, HTML...).

    Called once, when outputs are first needed. Call ``register(output)`` with an object satisfying
    ``mipr_rules.outputs.base.Output`` (``name``, ``description``, ``render(report) -> str``). Every
    implementation is called; duplicate names are an error.
    """


@hookspec
def mipr_register_notifiers(register: Callable[[Any], None]) -> None:
    """Register notifiers that deliver alert changes to people or systems (email, webhook, chat...).

    Called once, when notifiers are first needed (``mipr watch --notify``). Call ``register(notifier)``
    with an object satisfying ``mipr_rules.alerts.notify.Notifier`` (``name``, ``description``,
    ``send(changes, target)``). Every implementation is called; duplicate names are an error.
    """


@hookspec
def mipr_ruleset_paths() -> list[str]:  # type: ignore[empty-body]
    """Return paths of ruleset files, or folders of ``*.yaml`` ruleset files, this plugin contributes.

    Called whenever the ruleset catalogue is built. Every implementation is called and the lists are
    joined; a ruleset id+version defined twice is an error naming both files.
    """


@hookspec
def mipr_register_fact_calculators(register: Callable[[Any], None]) -> None:
    """Register fact calculators: Python that measures (day counts, ages, readability) and produces facts.

    Called once, when the engine first prepares facts. Call ``register(calculator)`` with an object
    satisfying ``mipr_rules.facts.base.FactCalculator`` (``name``, ``subject_type``, ``fact_types`` and
    ``calculate(subject, context)``). Calculators measure; they never decide whether a rule fires.
    """


@hookspec
def mipr_register_commands(cli: click.Group) -> None:
    """Add commands to the ``mipr`` command line.

    Called once when the CLI starts, with the root ``click.Group``; use ``@cli.command()`` or
    ``cli.add_command``. Every implementation is called.
    """


@hookspec(firstresult=True)
def mipr_change_feed(adapter: Any, source: str, options: Any) -> Any:
    """Open a change feed on ``source`` for the adapter ``adapter`` (``mipr watch --follow``).

    Called once when a watcher starts following a source, with the registered adapter object, the source
    as given on the command line and ``options``, a ``mipr_rules.watch.changes.FeedOptions`` (read
    context, durable position to resume after, poll interval). Return an object satisfying
    ``mipr_rules.watch.changes.ChangeFeed`` if this plugin can follow that adapter's source, else ``None``.
    Stops at the first result that is not ``None``.
    """
