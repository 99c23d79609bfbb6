"""The ``sql`` adapter: reads a care-record database (SQLite, PostgreSQL, MariaDB/MySQL) by SQLAlchemy URL."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version

from mipr_rules.adapters.base import ReadContext
from mipr_rules.model import Location

try:
    __version__ = version("mipr-rules-adapter-sql")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"


class SqlAdapter:
    """Reads locations from a database in the reference schema, or in a vendor's own through a mapping file.

    Source: an SQLAlchemy URL, with the adapter's options in its query string::

        sqlite:///care.db
        postgresql://reader@db.example/care?mapping=vendor.yaml
        mariadb://reader@db.example/care?cursor=state/care.cursor   # incremental: only what changed
        postgresql://reader@db.example/care?since=2024-06-01T09:30:00

    With ``cursor=FILE`` the first read returns every location and stores the change cursor in FILE; each
    later read returns only the locations with a row written since, and moves the cursor on. The file is
    written only when the read has gone to its end. A read whose context asks for ``full`` returns every
    location and moves the cursor on (``mipr watch`` does so when the as-of date changed).
    """

    name = "sql"
    version = __version__
    description = "SQL databases (SQLite, PostgreSQL, MariaDB/MySQL): reference schema or a mapping file"
    accepts = (
        "sqlite:///path.db",
        "postgresql://user@host/db",
        "mysql:// or mariadb://user@host/db",
        "any SQLAlchemy URL; options ?mapping=FILE.yaml &since=DATETIME or &cursor=FILE",
    )

    @property
    def unmapped(self) -> tuple[str, ...]:
        """Model fields the reference schema has no place for (``entities.UNMAPPED_PATHS``): not read."""
        from mipr_rules_adapter_sql.entities import UNMAPPED_PATHS

        return UNMAPPED_PATHS

    def unmapped_in(self, source: str) -> tuple[str, ...]:
        """Model fields a read of ``source`` does not fill: ``unmapped`` and what its mapping file leaves out
        (entities not listed, fields not listed); a bad mapping raises ``ConfigError`` as a read would."""
        from mipr_rules_adapter_sql.mapping import load_mapping, reference_mapping, unmapped_paths
        from mipr_rules_adapter_sql.source import parse_source

        parsed = parse_source(source)
        return unmapped_paths(load_mapping(parsed.mapping) if parsed.mapping else reference_mapping())

    def read(self, source: str, context: ReadContext) -> Iterator[Location]:
        """Yield the locations of the database ``source``; bad rows go through ``context.problem``."""
        from mipr_rules_adapter_sql.cursor import parse_cursor, read_cursor_file, write_cursor_file
        from mipr_rules_adapter_sql.mapping import load_mapping, reference_mapping
        from mipr_rules_adapter_sql.reader import SqlReader
        from mipr_rules_adapter_sql.source import parse_source

        parsed = parse_source(source)
        mapping = load_mapping(parsed.mapping) if parsed.mapping else reference_mapping()
        if context.full:  # every location, whatever the cursor says (the cursor still moves on)
            since = None
        elif parsed.cursor is not None:
            since = read_cursor_file(parsed.cursor)
        elif parsed.since is not None:
            since = parse_cursor(parsed.since, f"{parsed.shown}: option since")
        else:
            since = None
        reader = SqlReader(parsed, mapping)
        yield from reader.locations(context, since)
        if parsed.cursor is not None and reader.cursor is not None:
            write_cursor_file(parsed.cursor, reader.cursor)
