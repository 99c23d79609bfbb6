"""``mipr sql install-triggers``: install the change log that ``mipr watch --follow`` reads."""

from __future__ import annotations

import sys

import click

from mipr_rules.errors import InputError, MiprRulesError, first_line


@click.command("install-triggers")
@click.argument("url")
@click.option("--drop", is_flag=True, help="Remove the triggers instead (the mipr_changes table is kept).")
@click.option(
    "--print", "print_only", is_flag=True, help="Print the SQL (a migration to apply yourself) and exit."
)
def install_triggers_command(url: str, drop: bool, print_only: bool) -> None:
    """Install the change log (table mipr_changes and a trigger on every mapped table) in a database.

    PostgreSQL triggers also NOTIFY mipr_changes, so that mipr watch --follow sees a commit at once;
    on MariaDB/MySQL and SQLite the follower polls the log (--poll SECONDS). Run it again after adding
    tables; it replaces the triggers it installed. The URL may carry ?mapping=FILE.yaml.

    \b
    Examples:
      mipr sql install-triggers postgresql://owner@db.example/care
      mipr sql install-triggers sqlite:///care.db
      mipr sql install-triggers mariadb://owner@db.example/care --print > migration.sql
    """
    import sqlalchemy as sa

    from mipr_rules_adapter_sql.mapping import load_mapping, reference_mapping
    from mipr_rules_adapter_sql.source import make_engine, parse_source
    from mipr_rules_adapter_sql.triggers import drop_statements, install_statements, install_triggers

    try:
        parsed = parse_source(url)
        mapping = load_mapping(parsed.mapping) if parsed.mapping else reference_mapping()
        if print_only:
            statements = (drop_statements if drop else install_statements)(parsed.backend, mapping)
            click.echo("".join(f"{statement.strip()};\n" for statement in statements), nl=False)
            return
        engine = make_engine(parsed)
        try:
            count = install_triggers(engine, parsed.backend, mapping, drop=drop)
        except sa.exc.DBAPIError as exc:
            why = first_line(exc.orig)
            raise InputError(f"{parsed.shown}: cannot install the triggers ({why})") from None
        finally:
            engine.dispose()
    except MiprRulesError as exc:
        click.echo(f"mipr: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    click.echo(
        f"{'Removed' if drop else 'Installed'} change-log triggers on {count} table(s) of {parsed.shown}"
    )
