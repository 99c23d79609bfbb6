"""mipr-rules adapter for SQL databases: the reference schema, mapping files and incremental reads.

Registers the ``sql`` adapter through the ``mipr_rules`` entry point. The Python API::

    from mipr_rules_adapter_sql import read_changes
    changes = read_changes("postgresql://reader@db/care", since=previous_cursor)
    for location in changes.locations: ...
    save(changes.cursor)

SQLAlchemy is imported only when a database is read, so that installing the adapter does not slow down
every ``mipr`` command.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import mipr_rules
from mipr_rules_adapter_sql.adapter import SqlAdapter, __version__

if TYPE_CHECKING:
    from mipr_rules_adapter_sql.mapping import Mapping, load_mapping, parse_mapping, reference_mapping
    from mipr_rules_adapter_sql.reader import ChangeSet, read_changes, read_locations
    from mipr_rules_adapter_sql.schema import create_reference_schema, metadata, reference_ddl

_LAZY = {
    "ChangeSet": "reader",
    "read_changes": "reader",
    "read_locations": "reader",
    "Mapping": "mapping",
    "load_mapping": "mapping",
    "parse_mapping": "mapping",
    "reference_mapping": "mapping",
    "create_reference_schema": "schema",
    "metadata": "schema",
    "reference_ddl": "schema",
}

__all__ = [
    "ChangeSet",
    "Mapping",
    "SqlAdapter",
    "__version__",
    "create_reference_schema",
    "load_mapping",
    "metadata",
    "mipr_register_adapters",
    "mipr_register_commands",
    "parse_mapping",
    "read_changes",
    "read_locations",
    "reference_ddl",
    "reference_mapping",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@mipr_rules.hookimpl
def mipr_register_adapters(register: Callable[[Any], None]) -> None:
    """Register the ``sql`` adapter."""
    register(SqlAdapter())


@mipr_rules.hookimpl
def mipr_register_commands(cli: Any) -> None:
    """Add ``mipr sql check MAPPING --source URL``."""
    from mipr_rules_adapter_sql.check import sql_group

    cli.add_command(sql_group)
