"""Mapping files: how a vendor's own tables and columns map onto the entities, without code.

A mapping is YAML (read with ``yaml.safe_load``)::

    version: 1
    schema: care            # optional database schema holding the tables
    entities:
      locations:
        table: homes
        key: home_ref       # row key: read order and error messages (default: id)
        updated_at: modified  # change-cursor column (default: updated_at; null if the table has none)
        fields:
          location_id: cqc_location_id
          name: home_name
          provider_id: {value: "1-101"}                      # a constant
          care_home: {column: kind, values: {CH: true, DCA: false}}
      people:
        table: residents
        key: resident_no
        fields:
          location_id: home_ref
          person_id: {column: nhs_no, pseudonymise: true}    # hashed through ReadContext.pseudonym

An entity may also read a view (``table:`` names it), tables in another schema (``schema:`` on the entity),
joined tables and a filter, or a read-only query with named parameters::

      people:
        table: residents
        join:                                   # LEFT JOIN rooms ON residents.room_id = rooms.id
          - {table: rooms, schema: estate, on: {room_id: id}}
        filter: {record_state: [A, P]}          # only rows whose column holds one of these values
        fields:
          location_id: rooms.home_code          # a joined table's column, qualified by its table
      training:
        query: >
          SELECT t.id, t.staff_no, s.home_code, t.course, t.done_on
          FROM hr.training t JOIN hr.staff s ON s.staff_no = t.staff_no
          WHERE t.kind = :kind
        parameters: {kind: course}
        fields: ...

A query must be one ``SELECT`` (or ``WITH … SELECT``) statement; it runs inside the read's read-only
snapshot, and at the start of every read its columns are checked against the mapping (``mipr sql check``
does the same before any rule runs). A value map may say what happens to a code it does not list:
``unmapped: error`` (the default: the row is bad), ``keep`` (the code is used as it is, e.g. a vendor's
own training course key) or ``skip`` (the row is passed over and counted as read and not used).

An entity left out of ``entities`` is not read (its collections stay empty); ``locations`` is required.
An entity without ``fields`` uses the reference schema's columns; with ``fields``, exactly the fields
listed are read and the others take the model's default (fields the model gives no default must be
listed). The default mapping is the reference schema itself (``reference_mapping()``).
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from pathlib import Path
from typing import Any

import attrs
import yaml

from mipr_rules.convert import converter
from mipr_rules.errors import ConfigError
from mipr_rules.loading import NoAliasSafeLoader, read_text
from mipr_rules_adapter_sql.entities import (
    ENTITIES,
    IDENTITY_GROUPS,
    PSEUDONYM_PREFIXES,
    UNMAPPED_PATHS,
    EntityDef,
    FieldDef,
    model_paths,
)
from mipr_rules_adapter_sql.entities import identity_group as _identity_group

NO_DEFAULT: Any = object()
"""Marks a value map without a ``default``."""

REFERENCE = "reference schema"
"""The origin of the default mapping."""

_FIELD_KEYS = frozenset({"column", "value", "values", "default", "unmapped", "pseudonymise", "prefix"})
_ENTITY_KEYS = frozenset(
    {"table", "schema", "join", "filter", "query", "parameters", "key", "updated_at", "fields"}
)
UNMAPPED = ("error", "keep", "skip")
"""What a value map does with a code it does not list (``unmapped:``)."""
_READ_ONLY = ("select", "with")
_WRITES = frozenset(
    {
        "insert",
        "update",
        "delete",
        "merge",
        "drop",
        "create",
        "alter",
        "truncate",
        "grant",
        "revoke",
        "call",
        "copy",
        "lock",
        "set",
        "into",
    }
)
_TOP_KEYS = frozenset({"version", "schema", "entities"})


@attrs.frozen
class FieldMap:
    """Where one field's value comes from."""

    field: FieldDef
    """The field it fills."""
    column: str | None
    """The column it is read from; ``None`` for a constant."""
    constant: Any = None
    """The constant value, when there is no column."""
    values: MappingABC[str, Any] | None = None
    """Value map: the column's value (as text) to the field's value."""
    default: Any = NO_DEFAULT
    """Value for a column value missing from ``values``; ``NO_DEFAULT`` makes such a row bad."""
    unmapped: str = "error"
    """A code missing from ``values`` (and no ``default``): ``error`` (bad row), ``keep`` or ``skip``."""
    pseudonymise: bool = False
    """Whether the column's value is replaced by its pseudonym (it is an NHS number, a name...)."""
    prefix: str = "P"
    """Pseudonym prefix, e.g. ``P`` in ``P-4K2Q7J3M9X``."""


@attrs.frozen
class Join:
    """A table joined to an entity's table: ``LEFT JOIN schema.table ON base.column = table.column``."""

    table: str
    """Joined table (or view)."""
    on: MappingABC[str, str]
    """Column of the entity's table (or of an earlier join, ``table.column``) -> column of this table."""
    schema: str | None = None
    """Its schema (``None``: the mapping's top-level ``schema``, else the connection's default)."""


@attrs.frozen
class EntityMap:
    """Where one entity's rows come from."""

    entity: EntityDef
    """The entity."""
    table: str
    """Table (or view) name."""
    key: str
    """Column identifying a row: read order and the ``row id=…`` of messages."""
    updated_at: str | None
    """Change-cursor column; ``None`` when the table has none (its changes are then not seen)."""
    fields: MappingABC[str, FieldMap]
    """Mapped fields by name; unmapped fields take the model's default."""
    schema: str | None = None
    """Schema of ``table`` when not the mapping's."""
    joins: tuple[Join, ...] = ()
    """Tables joined to ``table`` (their columns are named ``table.column``)."""
    filter: MappingABC[str, tuple[Any, ...]] = attrs.field(factory=dict)
    """Only rows whose column holds one of the values."""
    query: str | None = None
    """A read-only SELECT read instead of ``table`` (``table`` then names it in messages)."""
    parameters: MappingABC[str, Any] = attrs.field(factory=dict)
    """Named parameters of ``query`` (``:name``)."""

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column read from the table, key first, without repeats."""
        names = [self.key, *(f.column for f in self.fields.values() if f.column is not None)]
        return tuple(dict.fromkeys(names))


@attrs.frozen
class Mapping:
    """A whole mapping: every entity read from the database."""

    origin: str
    """The mapping file it was read from, or ``reference schema``."""
    entities: MappingABC[str, EntityMap]
    """Mapped entities by name, in assembly order."""
    schema: str | None = None
    """Database schema holding the tables (``None``: the connection's default)."""


class _Invalid(Exception):
    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"{path}: {why}")


def _reference_field(entity: EntityDef, field: FieldDef) -> FieldMap:
    group = _identity_group(entity.name, field.name)
    return FieldMap(field=field, column=field.column, prefix=PSEUDONYM_PREFIXES.get(group or "", "P"))


def _reference_entity(entity: EntityDef) -> EntityMap:
    return EntityMap(
        entity=entity,
        table=entity.name,
        key="location_id" if entity.name in ("locations", "rating_displays") else "id",
        updated_at="updated_at",
        fields={field.name: _reference_field(entity, field) for field in entity.fields},
    )


def reference_mapping() -> Mapping:
    """The default mapping: every entity read from its reference-schema table."""
    return Mapping(origin=REFERENCE, entities={name: _reference_entity(e) for name, e in ENTITIES.items()})


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file; a ``ConfigError`` naming the file and the key otherwise."""
    name = str(path)
    if not Path(path).exists():
        raise ConfigError(f"{name}: mapping file not found")
    text = read_text(path, ConfigError)  # bounded; devices and FIFOs refused
    try:
        data = yaml.load(text, Loader=NoAliasSafeLoader)
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise ConfigError(f"{name}: not valid YAML{where}") from None
    return parse_mapping(data, name)


def parse_mapping(data: Any, origin: str = "mapping") -> Mapping:
    """Validate mapping data already loaded (a dict as the YAML file holds); ``origin`` names it in errors."""
    try:
        return _parse(data, origin)
    except _Invalid as exc:
        raise ConfigError(f"{origin}: {exc}") from None


def _parse(data: Any, origin: str) -> Mapping:
    if not isinstance(data, dict):
        raise _Invalid("$", "a mapping file is a YAML mapping with an 'entities' key")
    _no_unknown_keys(data, _TOP_KEYS, "")
    if data.get("version", 1) != 1:
        raise _Invalid("version", "only version 1 is known")
    schema = data.get("schema")
    if schema is not None and not _is_name(schema):
        raise _Invalid("schema", "expected a schema name")
    entities = data.get("entities")
    if not isinstance(entities, dict) or not entities:
        raise _Invalid("entities", "expected a mapping of entity names to tables")
    parsed: dict[str, EntityMap] = {}
    for name, spec in entities.items():
        if name not in ENTITIES:
            raise _Invalid(f"entities.{name}", f"unknown entity (known: {', '.join(ENTITIES)})")
        parsed[name] = _parse_entity(ENTITIES[name], spec, f"entities.{name}")
    if "locations" not in parsed:
        raise _Invalid("entities", "the locations entity is required")
    for name, entity_map in parsed.items():
        parent = entity_map.entity.parent
        if parent is not None and parent not in parsed:
            raise _Invalid(
                f"entities.{name}", f"its rows belong to {parent}, which the mapping must also map"
            )
    _check_identities(parsed)
    ordered = {name: parsed[name] for name in ENTITIES if name in parsed}
    return Mapping(origin=origin, entities=ordered, schema=schema)


def _no_unknown_keys(data: dict[Any, Any], known: frozenset[str], path: str) -> None:
    for key in data:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            raise _Invalid(where, f"unknown key (known: {', '.join(sorted(known))})")


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _parse_entity(entity: EntityDef, spec: Any, path: str) -> EntityMap:
    reference = _reference_entity(entity)
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise _Invalid(path, "expected a mapping with table, key, updated_at and fields")
    _no_unknown_keys(spec, _ENTITY_KEYS, path)
    query = _parse_query(spec, path)
    table = spec.get("table", entity.name if query is not None else reference.table)
    if not _is_name(table):
        raise _Invalid(f"{path}.table", "expected a table name")
    entity_schema = spec.get("schema")
    if entity_schema is not None and not _is_name(entity_schema):
        raise _Invalid(f"{path}.schema", "expected a schema name")
    joins = _parse_joins(spec.get("join"), f"{path}.join")
    row_filter = _parse_filter(spec.get("filter"), f"{path}.filter")
    if query is not None and (joins or row_filter or entity_schema):
        raise _Invalid(f"{path}.query", "a query takes no join, filter or schema: write them in the query")
    updated_at = spec.get("updated_at", reference.updated_at)
    if updated_at is not None and not _is_name(updated_at):
        raise _Invalid(f"{path}.updated_at", "expected a column name, or null if the table has none")
    if "fields" in spec:
        fields_spec = spec["fields"]
        if not isinstance(fields_spec, dict):
            raise _Invalid(f"{path}.fields", "expected a mapping of field names to columns")
        fields: dict[str, FieldMap] = {}
        for field_name, field_spec in fields_spec.items():
            if field_name not in entity.field_names:
                known = ", ".join(entity.field_names)
                raise _Invalid(
                    f"{path}.fields.{field_name}", f"unknown field of {entity.name} (known: {known})"
                )
            field = entity.field(field_name)
            parsed = _parse_field(entity, field, field_spec, f"{path}.fields.{field_name}")
            if parsed is not None:
                fields[field_name] = parsed
        for field in entity.fields:
            if field.required and field.name not in fields:
                raise _Invalid(
                    f"{path}.fields", f"{field.name} is required (the model has no default for it)"
                )
    else:
        fields = dict(reference.fields)
    default_key = reference.key
    if entity.name in ("locations", "rating_displays"):
        location = fields["location_id"]
        default_key = location.column if location.column is not None else "id"
    key = spec.get("key", default_key)
    if not _is_name(key):
        raise _Invalid(f"{path}.key", "expected the column that identifies a row")
    return EntityMap(
        entity=entity,
        table=table,
        key=key,
        updated_at=updated_at,
        fields=fields,
        schema=entity_schema,
        joins=joins,
        filter=row_filter,
        query=query,
        parameters=dict(spec.get("parameters") or {}),
    )


def _parse_query(spec: dict[str, Any], path: str) -> str | None:
    query = spec.get("query")
    if query is None:
        if "parameters" in spec:
            raise _Invalid(f"{path}.parameters", "parameters only go with query")
        return None
    if not isinstance(query, str) or not query.strip():
        raise _Invalid(f"{path}.query", "expected one SELECT statement")
    text = query.strip().rstrip(";").strip()
    words = [w.casefold() for w in text.replace("(", " ").replace(")", " ").split()]
    if ";" in text or not words or words[0] not in _READ_ONLY or _WRITES & set(words):
        raise _Invalid(f"{path}.query", "expected one read-only SELECT statement (no ';', no writes)")
    parameters = spec.get("parameters", {})
    if not isinstance(parameters, dict) or not all(
        isinstance(k, str) and k.isidentifier() for k in parameters
    ):
        raise _Invalid(f"{path}.parameters", "expected a mapping of parameter names to values")
    for name, value in parameters.items():
        if not isinstance(value, (str, int, float, bool)) and value is not None:
            raise _Invalid(f"{path}.parameters.{name}", "expected a text, number or true/false value")
        if f":{name}" not in text:
            raise _Invalid(f"{path}.parameters.{name}", "the query has no :" + name)
    return text


def _parse_joins(spec: Any, path: str) -> tuple[Join, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, list):
        raise _Invalid(path, "expected a list of {table, on} mappings")
    joins = []
    for index, item in enumerate(spec):
        where = f"{path}[{index}]"
        if not isinstance(item, dict):
            raise _Invalid(where, "expected a mapping with table and on")
        if True in item and "on" not in item:  # YAML 1.1 reads an unquoted `on` key as true
            item = {("on" if key is True else key): value for key, value in item.items()}
        _no_unknown_keys(item, frozenset({"table", "schema", "on"}), where)
        if not _is_name(item.get("table")):
            raise _Invalid(f"{where}.table", "expected a table name")
        on = item.get("on")
        if not isinstance(on, dict) or not on or not all(_is_name(k) and _is_name(v) for k, v in on.items()):
            raise _Invalid(f"{where}.on", "expected a mapping of columns: {this_table_column: joined_column}")
        schema = item.get("schema")
        if schema is not None and not _is_name(schema):
            raise _Invalid(f"{where}.schema", "expected a schema name")
        joins.append(Join(table=item["table"], on=dict(on), schema=schema))
    return tuple(joins)


def _parse_filter(spec: Any, path: str) -> dict[str, tuple[Any, ...]]:
    if spec is None:
        return {}
    if not isinstance(spec, dict) or not spec:
        raise _Invalid(path, "expected a mapping of columns to the value (or list of values) to keep")
    found = {}
    for column, values in spec.items():
        if not _is_name(column):
            raise _Invalid(path, "expected column names")
        listed = tuple(values) if isinstance(values, list) else (values,)
        if not listed or not all(isinstance(v, (str, int, float, bool)) for v in listed):
            raise _Invalid(
                f"{path}.{column}", "expected a value or a list of text, number or true/false values"
            )
        found[column] = listed
    return found


def _structure(value: Any, field: FieldDef, path: str) -> Any:
    if value is None:
        if field.optional:
            return None
        raise _Invalid(path, f"{field.name} cannot be null")
    try:
        return converter.structure(value, field.type)
    except Exception as exc:  # the converter's hooks raise ValueError; cattrs may wrap them
        why = str(exc) if str(exc).startswith("expected") else f"expected a {field.kind}"
        raise _Invalid(path, why) from None


def _parse_field(entity: EntityDef, field: FieldDef, spec: Any, path: str) -> FieldMap | None:
    group = _identity_group(entity.name, field.name)
    prefix = PSEUDONYM_PREFIXES.get(group or "", "P")
    if spec is None:
        if field.required:
            raise _Invalid(path, f"{field.name} is required (the model has no default for it)")
        return None
    if isinstance(spec, str):
        if not spec.strip():
            raise _Invalid(path, "expected a column name")
        return FieldMap(field=field, column=spec, prefix=prefix)
    if not isinstance(spec, dict):
        raise _Invalid(path, "expected a column name or a mapping with column or value")
    _no_unknown_keys(spec, _FIELD_KEYS, path)
    if ("column" in spec) == ("value" in spec):
        raise _Invalid(path, "give exactly one of column and value")
    if "value" in spec:
        if set(spec) != {"value"}:
            raise _Invalid(path, "a constant value takes no other keys")
        return FieldMap(field=field, column=None, constant=_structure(spec["value"], field, f"{path}.value"))
    column = spec["column"]
    if not _is_name(column):
        raise _Invalid(f"{path}.column", "expected a column name")
    values: dict[str, Any] | None = None
    default = NO_DEFAULT
    if "values" in spec:
        raw_values = spec["values"]
        if not isinstance(raw_values, dict) or not raw_values:
            raise _Invalid(f"{path}.values", "expected a mapping of column values to field values")
        values = {
            _value_key(source): _structure(target, field, f"{path}.values.{source}")
            for source, target in raw_values.items()
        }
        if "default" in spec:
            default = _structure(spec["default"], field, f"{path}.default")
    elif "default" in spec or "unmapped" in spec:
        key = "default" if "default" in spec else "unmapped"
        raise _Invalid(f"{path}.{key}", f"{key} only goes with values")
    unmapped = spec.get("unmapped", "error")
    if unmapped not in UNMAPPED:
        raise _Invalid(f"{path}.unmapped", f"expected one of {', '.join(UNMAPPED)}")
    if unmapped != "error" and "default" in spec:
        raise _Invalid(f"{path}.unmapped", "give either default or unmapped, not both")
    pseudonymise = spec.get("pseudonymise", False)
    if not isinstance(pseudonymise, bool):
        raise _Invalid(f"{path}.pseudonymise", "expected true or false")
    if pseudonymise and (field.type is not str or values is not None):
        raise _Invalid(
            f"{path}.pseudonymise", "only a text field read straight from its column can be pseudonymised"
        )
    if "prefix" in spec:
        prefix = spec["prefix"]
        if not pseudonymise or not isinstance(prefix, str) or not prefix.isalnum():
            raise _Invalid(
                f"{path}.prefix", "a prefix (letters and digits) goes only with pseudonymise: true"
            )
    if field.link and field.name == "location_id" and values is not None:
        raise _Invalid(f"{path}.values", "location_id is read as it is; it takes no value map")
    return FieldMap(
        field=field,
        column=column,
        values=values,
        default=default,
        unmapped=unmapped,
        pseudonymise=pseudonymise,
        prefix=prefix,
    )


def _value_key(value: Any) -> str:
    """Value-map keys compare as text: ``1``, ``"1"`` and a database 1 are the same key."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def value_key(value: Any) -> str:
    """The text a column value is looked up by in a value map."""
    return _value_key(value)


def _check_identities(entities: dict[str, EntityMap]) -> None:
    """Fields holding the same kind of identifier are pseudonymised alike, or ids would not match."""
    for members in IDENTITY_GROUPS.values():
        seen: tuple[str, bool, str] | None = None
        for entity_name, field_name in members:
            entity_map = entities.get(entity_name)
            field_map = entity_map.fields.get(field_name) if entity_map else None
            if field_map is None or field_map.column is None:
                continue
            path = f"entities.{entity_name}.fields.{field_name}"
            mine = (field_map.pseudonymise, field_map.prefix)
            if seen is None:
                seen = (path, *mine)
            elif (seen[1], seen[2]) != mine:
                raise _Invalid(path, f"pseudonymise and prefix must be as in {seen[0]} (the same identifier)")


def unmapped_paths(mapping: Mapping) -> tuple[str, ...]:
    """Model fields (dotted paths) a read through ``mapping`` leaves at their defaults: what the reference
    schema has no place for, the entities the mapping leaves out and the fields it does not list."""
    paths = list(UNMAPPED_PATHS)
    for name, entity in ENTITIES.items():
        entity_map = mapping.entities.get(name)
        if entity_map is None:
            paths += model_paths(name)
        elif entity.model is not None:
            paths += [
                f"{path}.{field.name}" if path else field.name
                for field in entity.fields
                if not field.link and field.name not in entity_map.fields
                for path in model_paths(name)
            ]
    return tuple(dict.fromkeys(paths))
