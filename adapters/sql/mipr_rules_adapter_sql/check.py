"""``mipr sql check MAPPING --source URL``: a mapping tried against a live database before any rule runs.

Checks every mapped table, join, filter and query against the database (the same check every read starts
with), then says what each entity yields: how many rows, and the first rows as the adapter reads them,
with pseudonymised fields pseudonymised and problems named by row and column, never by value.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import click

from mipr_rules.adapters.base import ReadContext
from mipr_rules.convert import unstructure
from mipr_rules.errors import InputError, first_line

FIRST_ROWS = 3
"""Rows shown per entity."""


@attrs.frozen
class EntityYield:
    """What one mapped entity gives."""

    entity: str
    """Entity name, e.g. ``care_plans``."""
    source: str
    """Its table, its joins or ``query``."""
    rows: int
    """Rows the entity's table, joins and filter, or query, give."""
    first_rows: tuple[dict[str, Any], ...]
    """The first rows' field values as read (pseudonymised where the mapping says so)."""
    problems: tuple[str, ...]
    """Problems of the first rows (``table row key=…: column: why``)."""

    def as_dict(self) -> dict[str, Any]:
        """One entry of the JSON ``entities`` list."""
        return {
            "entity": self.entity,
            "source": self.source,
            "rows": self.rows,
            "first_rows": list(self.first_rows),
            "problems": list(self.problems),
        }


def check_mapping(url: str, mapping_path: str, key: bytes, first: int = FIRST_ROWS) -> list[EntityYield]:
    """Validate ``mapping_path`` against the database ``url``; what each entity yields."""
    import sqlalchemy as sa

    from mipr_rules_adapter_sql.mapping import load_mapping
    from mipr_rules_adapter_sql.reader import SqlReader
    from mipr_rules_adapter_sql.source import make_engine, parse_source, snapshot

    parsed = parse_source(url)
    reader = SqlReader(parsed, load_mapping(mapping_path))
    engine = make_engine(parsed)
    found = []
    try:
        with snapshot(engine, parsed) as connection:
            reader._check_tables(connection)
            for name, entity_map in reader.mapping.entities.items():
                table = reader._table(entity_map)
                try:
                    rows = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0
                    columns = (table.c[column] for column in entity_map.columns)
                    query = sa.select(*columns).order_by(table.c[entity_map.key]).limit(first)
                    raws = list(connection.execute(query).mappings())
                except sa.exc.DBAPIError as exc:
                    raise InputError(
                        f"{reader._where(entity_map)}: entities.{name}: query failed ({first_line(exc.orig)})"
                    ) from None
                context = ReadContext(lenient=True, key=key)
                shown = []
                for raw in raws:
                    row = reader._convert(entity_map, raw, context)
                    if row is not None:
                        shown.append({field: unstructure(value) for field, value in row.values.items()})
                found.append(
                    EntityYield(name, _described(entity_map), int(rows), tuple(shown), tuple(context.skipped))
                )
    finally:
        engine.dispose()
    return found


def _described(entity_map: Any) -> str:
    if entity_map.query is not None:
        return "query"
    joined = "".join(f" + {join.table}" for join in entity_map.joins)
    filtered = f" where {', '.join(entity_map.filter)}" if entity_map.filter else ""
    return f"{entity_map.table}{joined}{filtered}"


@click.group(name="sql")
def sql_group() -> None:
    """Commands of the sql adapter."""


@sql_group.command(name="check")
@click.argument("mapping", type=click.Path(dir_okay=False))
@click.option(
    "--source", required=True, help="Database URL (SQLAlchemy form), e.g. postgresql://reader@db/care."
)
@click.option("--rows", "first", default=FIRST_ROWS, show_default=True, help="First rows shown per entity.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(mapping: str, source: str, first: int, fmt: str) -> None:
    """Validate a mapping file against a live database and show what each entity yields.

    \b
    Examples:
      mipr sql check vendor.yaml --source postgresql://reader@db.example/care
      mipr sql check vendor.yaml --source sqlite:///care.db --rows 5 --format json
    """
    from mipr_rules.config import load_config

    yields = check_mapping(source, mapping, load_config(None).pseudonym_key(), first)
    if fmt == "json":
        click.echo(
            json.dumps({"kind": "sql-check", "mapping": mapping, "entities": [y.as_dict() for y in yields]})
        )
        return
    click.echo(f"{mapping}: valid against the database; what each entity yields:")
    for item in yields:
        click.echo(f"  {item.entity}: {item.rows} row(s) from {item.source}")
        for row in item.first_rows:
            click.echo("    " + ", ".join(f"{k}={v}" for k, v in row.items()))
        for problem in item.problems:
            click.echo(f"    problem: {problem}")
