"""Reading a database into canonical locations: whole, or only the locations changed since a cursor.

Everything one read sees comes from one transaction (one snapshot of the data). Locations are read in
batches: the rows of every mapped table for a batch of location ids, one query per table, each ordered by
its key column. A row that cannot be read is reported through ``ReadContext.problem`` as
``<table> row <key>=<value>: <column>`` and why, never with the column's value.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError, first_line
from mipr_rules.model import (
    KeyQuestionRating,
    Location,
    Person,
    Provider,
    Rating,
    RatingDisplay,
    StaffMember,
)
from mipr_rules.privacy import default_pseudonym_key
from mipr_rules_adapter_sql.cursor import database_time, format_cursor, latest, parse_cursor
from mipr_rules_adapter_sql.mapping import REFERENCE, EntityMap, Mapping, load_mapping, reference_mapping
from mipr_rules_adapter_sql.schema import TIMESTAMP
from mipr_rules_adapter_sql.source import SqlSource, make_engine, parse_source, snapshot
from mipr_rules_adapter_sql.values import BadValue, SkipRow, field_value

BATCH = 200
"""Locations read per batch (the size of the ``location_id IN (...)`` list)."""

_SIMPLE_COLLECTIONS = {
    "manager_absences": "manager_absences",
    "registration_conditions": "conditions",
    "incidents": "incidents",
    "safeguarding": "safeguarding",
    "complaints": "complaints",
    "audits": "audits",
    "feedback": "feedback",
    "evidence": "evidence",
    "staffing_reviews": "staffing_reviews",
    "safety_checks": "checks",
    "policies": "policies",
}
"""Entities that are a plain tuple of model objects on the location: entity -> Location attribute."""

_PERSON_COLLECTIONS = {
    "care_plans": "care_plans",
    "risk_assessments": "risk_assessments",
    "medicines": "medicines",
    "mar_exceptions": "mar_exceptions",
    "capacity_assessments": "capacity_assessments",
    "dols_authorisations": "dols",
    "weights": "weights",
}
"""Entities that are a tuple of model objects on a person: entity -> Person attribute."""
_PERSON_ATTRIBUTES = tuple(_PERSON_COLLECTIONS.values())


@attrs.frozen
class ChangeSet:
    """What an incremental read returns: the locations changed and the cursor to read after next time."""

    locations: tuple[Location, ...]
    """Every location with a row written after ``since`` (every location when ``since`` was ``None``)."""
    cursor: str | None
    """The new high-water mark: pass it as ``since`` next time; ``None`` if no table has a change column."""


_LINKS: dict[str, frozenset[str]] = {}
"""Entity name → its link fields (worked out once: ``model_values`` runs for every record made)."""


@attrs.frozen
class _Row:
    """One database row read into field values."""

    key: str
    """The row's key as text (for links and messages)."""
    where: str
    """``<table> row <key>=<value>`` for messages."""
    columns: dict[str, str]
    """Field name -> column it was read from."""
    values: dict[str, Any]
    """Field name -> value."""
    built: list[Any] = attrs.field(factory=list, eq=False, repr=False)
    """Its model object, once made (a change feed keeps its rows, so unchanged records keep their objects)."""

    def model_values(self, entity_map: EntityMap) -> dict[str, Any]:
        """Values of the model attributes (link fields left out)."""
        links = _LINKS.get(entity_map.entity.name)
        if links is None:
            links = _LINKS[entity_map.entity.name] = frozenset(
                f.name for f in entity_map.entity.fields if f.link
            )
        return {name: value for name, value in self.values.items() if name not in links}

    def place(self, field: str) -> str:
        """``<table> row <key>=<value>: <column>`` of one field."""
        return f"{self.where}: {self.columns.get(field, field)}"


class SqlReader:
    """One database and its mapping; reads locations from it."""

    def __init__(self, source: SqlSource, mapping: Mapping) -> None:
        self.source = source
        self.mapping = mapping
        self.cursor: dt.datetime | None = None
        """After the read has begun: the high-water mark of ``updated_at`` in its snapshot."""
        self._filled: Counter[tuple[str, str]] = Counter()
        self._failed: dict[tuple[str, str], list[str]] = {}
        self._checked = False

    # -- the read -----------------------------------------------------------------------------------------

    def locations(
        self,
        context: ReadContext,
        since: dt.datetime | None = None,
        *,
        engine: sa.Engine | None = None,
        only: Iterable[str] | None = None,
    ) -> Iterator[Location]:
        """Yield every location, or only those with a row written after ``since``; sets ``self.cursor``.

        A change feed passes its long-lived ``engine`` (kept open; the tables are checked on its first read
        only) and ``only``: the ids of the locations to read (those that no longer exist are not yielded).
        """
        own = engine is None
        engine = engine or make_engine(self.source)
        try:
            with snapshot(engine, self.source) as connection:
                try:
                    if own or not self._checked:
                        self._check_tables(connection)
                        self._checked = True
                    if only is None:
                        self.cursor = latest([self._high_water_mark(connection), since])
                        ids = self._location_ids(connection, since)
                    else:
                        wanted = set(only)
                        every = self._location_ids(connection, None)
                        ids = [value for value in every if str(value) in wanted]
                except sa.exc.DBAPIError as exc:
                    raise InputError(f"{self.source.shown}: query failed ({first_line(exc.orig)})") from None
                for start in range(0, len(ids), BATCH):
                    batch = ids[start : start + BATCH]
                    try:
                        rows = {name: self._fetch(connection, em, batch) for name, em in self._maps()}
                    except sa.exc.DBAPIError as exc:
                        raise InputError(
                            f"{self.source.shown}: query failed ({first_line(exc.orig)})"
                        ) from None
                    yield from self._assemble(batch, rows, context)
                self._check_mapping()
        finally:
            if own:
                engine.dispose()

    def _check_mapping(self) -> None:
        """A mapped column that no row gives a readable value is a mapping error, not rows to skip."""
        for (table, column), failures in self._failed.items():
            if len(failures) >= 2 and len(failures) == self._filled[table, column]:
                raise InputError(
                    f"{self.mapping.origin}: {table}.{column}: no row has a value the mapping can read "
                    f"({len(failures)} rows; first: {failures[0]}); check the column's mapping"
                )

    # -- queries ------------------------------------------------------------------------------------------

    def _maps(self) -> Iterable[tuple[str, EntityMap]]:
        return self.mapping.entities.items()

    def _names(self, entity_map: EntityMap) -> list[str]:
        names = list(entity_map.columns)
        if entity_map.updated_at is not None and entity_map.updated_at not in names:
            names.append(entity_map.updated_at)
        return names + [c for c in entity_map.filter if c not in names]

    def _table(self, entity_map: EntityMap) -> Any:
        """What an entity reads from, with its columns under the names the mapping gives them.

        A plain table is a table clause; joins, a filter or a query make a subquery whose columns are
        labelled as written in the mapping (``rooms.home_code``).
        """

        def typed(name: str) -> sa.ColumnClause[Any]:
            return sa.column(name, TIMESTAMP) if name == entity_map.updated_at else sa.column(name)

        names = self._names(entity_map)
        if entity_map.query is not None:
            text = sa.text(entity_map.query).bindparams(**entity_map.parameters)
            return text.columns(*(typed(name) for name in names)).subquery(f"q_{entity_map.entity.name}")
        schema = entity_map.schema or self.mapping.schema
        if not entity_map.joins and not entity_map.filter:
            return sa.table(entity_map.table, *(typed(name) for name in names), schema=schema)
        tables: dict[str, sa.TableClause] = {}
        wanted: dict[str, list[str]] = defaultdict(list)

        def split(name: str) -> tuple[str, str]:
            table, _, column = name.rpartition(".")
            return (table or entity_map.table), column

        for join in entity_map.joins:
            for left, right in join.on.items():
                wanted[split(left)[0]].append(split(left)[1])
                wanted[join.table].append(right)
        for name in names:
            owner, column = split(name)
            wanted[owner].append(column)
        base = sa.table(
            entity_map.table, *(sa.column(c) for c in dict.fromkeys(wanted[entity_map.table])), schema=schema
        )
        tables[entity_map.table] = base
        joined: Any = base
        for join in entity_map.joins:
            other = sa.table(
                join.table,
                *(sa.column(c) for c in dict.fromkeys(wanted[join.table])),
                schema=join.schema or self.mapping.schema,
            )
            tables[join.table] = other
            condition = sa.and_(
                *(
                    tables[split(left)[0]].c[split(left)[1]] == other.c[right]
                    for left, right in join.on.items()
                )
            )
            joined = joined.outerjoin(other, condition)
        selected = []
        for name in names:
            owner, column = split(name)
            column_clause: Any = tables[owner].c[column]
            if name == entity_map.updated_at:
                column_clause = sa.type_coerce(column_clause, TIMESTAMP)
            selected.append(column_clause.label(name))
        query = sa.select(*selected).select_from(joined)
        for name, values in entity_map.filter.items():
            owner, column = split(name)
            query = query.where(tables[owner].c[column].in_(list(values)))
        return query.subquery(f"e_{entity_map.entity.name}")

    def _where(self, entity_map: EntityMap, key: str | None = None) -> str:
        return (
            f"{self.mapping.origin}: entities.{entity_map.entity.name}.{key}" if key else self.mapping.origin
        )

    def _columns_of(self, inspector: Any, table: str, schema: str | None) -> set[str]:
        try:
            return {column["name"] for column in inspector.get_columns(table, schema)}
        except sa.exc.NoSuchTableError:
            return set()

    def _query_columns(self, connection: sa.Connection, entity_map: EntityMap) -> set[str]:
        """The columns a mapping's query gives (run with no rows); one line naming the query if it fails."""
        assert entity_map.query is not None
        probe = sa.text(f"SELECT * FROM ({entity_map.query}) q WHERE 1 = 0").bindparams(
            **entity_map.parameters
        )
        try:
            return set(connection.execute(probe).keys())
        except sa.exc.DBAPIError as exc:
            raise InputError(
                f"{self._where(entity_map, 'query')}: query failed ({first_line(exc.orig)})"
            ) from None

    def _check_tables(self, connection: sa.Connection) -> None:
        """Every mapped table and column exists, or one line naming the mapping key that is wrong."""
        inspector = sa.inspect(connection)
        for _, entity_map in self._maps():
            schema = entity_map.schema or self.mapping.schema
            if entity_map.query is not None:
                found = self._query_columns(connection, entity_map)
                self._check_columns(entity_map, found, "the query")
                continue
            if entity_map.joins or entity_map.filter:
                self._check_joined(inspector, entity_map, schema)
                continue
            found = self._columns_of(inspector, entity_map.table, schema)
            if not found:
                if self.mapping.origin == REFERENCE:
                    raise InputError(
                        f"{self.source.shown}: no table {entity_map.table!r} of the reference schema "
                        "(create it, or map your own tables with ?mapping=FILE)"
                    )
                raise InputError(
                    f"{self._where(entity_map, 'table')}: no table {entity_map.table!r} in the database"
                )
            self._check_columns(entity_map, found, f"table {entity_map.table!r}")

    @staticmethod
    def _checks(entity_map: EntityMap) -> list[tuple[str, str]]:
        checks = [("key", entity_map.key)]
        if entity_map.updated_at is not None:
            checks.append(("updated_at", entity_map.updated_at))
        checks += [(f"fields.{f}", m.column) for f, m in entity_map.fields.items() if m.column is not None]
        checks += [(f"filter.{c}", c) for c in entity_map.filter]
        return checks

    def _check_columns(self, entity_map: EntityMap, found: set[str], where: str) -> None:
        for key, column in self._checks(entity_map):
            if column not in found:
                raise InputError(f"{self._where(entity_map, key)}: no column {column!r} in {where}")

    def _check_joined(self, inspector: Any, entity_map: EntityMap, schema: str | None) -> None:
        tables = {entity_map.table: self._columns_of(inspector, entity_map.table, schema)}
        if not tables[entity_map.table]:
            raise InputError(
                f"{self._where(entity_map, 'table')}: no table {entity_map.table!r} in the database"
            )
        for index, join in enumerate(entity_map.joins):
            found = self._columns_of(inspector, join.table, join.schema or self.mapping.schema)
            if not found:
                where = self._where(entity_map, f"join[{index}].table")
                raise InputError(f"{where}: no table {join.table!r} in the database")
            tables[join.table] = found
        for index, join in enumerate(entity_map.joins):
            pairs = [(left, join.table + "." + right) for left, right in join.on.items()]
            for name in [n for pair in pairs for n in pair]:
                self._check_qualified(entity_map, tables, name, f"join[{index}].on")
        for key, name in self._checks(entity_map):
            self._check_qualified(entity_map, tables, name, key)

    def _check_qualified(
        self, entity_map: EntityMap, tables: dict[str, set[str]], name: str, key: str
    ) -> None:
        owner, _, column = name.rpartition(".")
        owner = owner or entity_map.table
        if owner not in tables:
            raise InputError(
                f"{self._where(entity_map, key)}: {owner!r} is neither the table nor a joined one"
            )
        if column not in tables[owner]:
            raise InputError(f"{self._where(entity_map, key)}: no column {column!r} in table {owner!r}")

    def _high_water_mark(self, connection: sa.Connection) -> dt.datetime | None:
        marks = []
        for _, entity_map in self._maps():
            if entity_map.updated_at is None:
                continue
            table = self._table(entity_map)
            value = connection.execute(sa.select(sa.func.max(table.c[entity_map.updated_at]))).scalar()
            marks.append(database_time(value, f"{entity_map.table}.{entity_map.updated_at}"))
        return latest(marks)

    def _location_ids(self, connection: sa.Connection, since: dt.datetime | None) -> list[Any]:
        """Raw location ids to read, in the locations table's key order."""
        locations = self.mapping.entities["locations"]
        location_field = locations.fields["location_id"]
        if location_field.column is None:
            ids: list[Any] = [location_field.constant]
        else:
            table = self._table(locations)
            column = table.c[location_field.column]
            query = sa.select(column).order_by(table.c[locations.key])
            ids = list(dict.fromkeys(connection.execute(query).scalars()))
        if since is None:
            return ids
        if all(entity_map.updated_at is None for _, entity_map in self._maps()):
            raise InputError(f"{self.mapping.origin}: no entity has an updated_at column to tell changes by")
        changed: set[str] = set()
        for _, entity_map in self._maps():
            if entity_map.updated_at is None:
                continue
            table = self._table(entity_map)
            after = table.c[entity_map.updated_at] > sa.bindparam("since", since, type_=TIMESTAMP)
            link = entity_map.fields["location_id"]
            if link.column is None:
                if connection.execute(sa.select(sa.literal(1)).where(after).limit(1)).first() is not None:
                    changed.add(str(link.constant))
                continue
            query = sa.select(table.c[link.column]).where(after).distinct()
            changed.update(str(value) for value in connection.execute(query).scalars())
        return [value for value in ids if str(value) in changed]

    def _fetch(self, connection: sa.Connection, entity_map: EntityMap, batch: Sequence[Any]) -> list[Any]:
        table = self._table(entity_map)
        query = sa.select(*(table.c[name] for name in entity_map.columns)).order_by(table.c[entity_map.key])
        link = entity_map.fields["location_id"]
        if link.column is not None:
            query = query.where(table.c[link.column].in_(list(batch)))
        elif str(link.constant) not in {str(value) for value in batch}:
            return []
        return list(connection.execute(query).mappings())

    # -- rows into model objects --------------------------------------------------------------------------

    def _convert(self, entity_map: EntityMap, raw: Any, context: ReadContext) -> _Row | None:
        """A row's field values; ``None`` (after reporting it) if one of them is bad."""
        key_value = raw[entity_map.key]
        shown_key = str(key_value)
        for field_map in entity_map.fields.values():
            if field_map.pseudonymise and field_map.column == entity_map.key and key_value is not None:
                shown_key = context.pseudonym(str(key_value), field_map.prefix)
        where = f"{entity_map.table} row {entity_map.key}={shown_key}"
        values: dict[str, Any] = {}
        columns: dict[str, str] = {}
        for name, field_map in entity_map.fields.items():
            value = raw[field_map.column] if field_map.column else None
            if field_map.column is not None:
                columns[name] = field_map.column
                if value is not None:
                    self._filled[entity_map.table, field_map.column] += 1
            try:
                values[name] = field_value(field_map, value, context)
            except SkipRow:
                context.ignore(f"{entity_map.entity.name} (unmapped {field_map.column}, skipped)")
                return None
            except BadValue as exc:
                if value is not None and field_map.column is not None:
                    self._failed.setdefault((entity_map.table, field_map.column), []).append(str(exc))
                context.problem(f"{where}: {field_map.column or name}", str(exc), entity_map.entity.name)
                return None
        return _Row(key=str(key_value), where=where, columns=columns, values=values)

    def _assemble(
        self, batch: Sequence[Any], rows: dict[str, list[Any]], context: ReadContext
    ) -> Iterator[Location]:
        by_location: dict[str, dict[str, list[_Row]]] = defaultdict(lambda: defaultdict(list))
        for name, entity_map in self._maps():
            for raw in rows[name]:
                row = self._convert(entity_map, raw, context)
                if row is not None:
                    by_location[str(row.values["location_id"])][name].append(row)
        for location_id in batch:
            location = self._location(by_location[str(location_id)], context)
            if location is not None:
                yield location

    def _location(self, rows: dict[str, list[_Row]], context: ReadContext) -> Location | None:
        maps = self.mapping.entities
        location_rows = rows["locations"]
        if not location_rows:
            return None  # its locations row was bad, and has been reported
        head, *duplicates = location_rows
        for duplicate in duplicates:
            context.problem(
                duplicate.place("location_id"), "a second locations row for this location", "locations"
            )
        values = head.model_values(maps["locations"])
        provider = Provider(head.values["provider_id"], head.values.get("provider_name"))
        collections: dict[str, Any] = dict(
            self._collection(entity, rows.get(entity, ()))
            for entity in [*_SIMPLE_COLLECTIONS, "service_types"]
            if entity in maps or entity == "service_types"
        )
        collections["rating_display"] = self._rating_display(rows.get("rating_displays", []), context)
        collections.update(self._ratings(rows, context))
        collections["people"] = self._people(rows, context)
        collections["staff"] = self._staff(rows, context)
        return Location(provider=provider, **values, **collections)

    def _collection(self, entity: str, rows: Iterable[_Row]) -> tuple[str, tuple[Any, ...]]:
        """The location attribute of a simple collection (or ``service_types``) and its value."""
        if entity == "service_types":
            return "service_types", tuple(row.values["service_type"] for row in rows)
        entity_map = self.mapping.entities[entity]
        return _SIMPLE_COLLECTIONS[entity], tuple(self._model(entity_map, row) for row in rows)

    def _group(self, entity: str, rows: Iterable[_Row], parent: str) -> list[Any]:
        """Model objects of the ``entity`` rows whose parent is ``parent`` (``_children`` of one parent)."""
        entity_map = self.mapping.entities[entity]
        link = entity_map.entity.parent_link
        assert link is not None
        return [self._model(entity_map, row) for row in rows if str(row.values[link]) == parent]

    @staticmethod
    def _model(entity_map: EntityMap, row: _Row) -> Any:
        if row.built:
            return row.built[0]
        model = entity_map.entity.model
        assert model is not None
        made = model(**row.model_values(entity_map))
        row.built.append(made)
        return made

    def _rating_display(self, rows: list[_Row], context: ReadContext) -> RatingDisplay | None:
        if not rows:
            return None
        head, *duplicates = rows
        for duplicate in duplicates:
            context.problem(
                duplicate.place("location_id"),
                "a second rating_displays row for this location",
                "rating_displays",
            )
        display: RatingDisplay = self._model(self.mapping.entities["rating_displays"], head)
        return display

    def _children(
        self, rows: dict[str, list[_Row]], entity: str, parents: dict[str, Any], context: ReadContext
    ) -> dict[str, list[Any]]:
        """Model objects of ``entity`` grouped by their parent's key; orphans reported."""
        grouped: dict[str, list[Any]] = defaultdict(list)
        entity_map = self.mapping.entities.get(entity)
        if entity_map is None:
            return grouped
        link = entity_map.entity.parent_link
        assert link is not None
        for row in rows.get(entity, ()):
            parent = str(row.values[link])
            if parent not in parents:
                context.problem(
                    row.place(link),
                    f"no {entity_map.entity.parent} row with this id (missing or skipped)",
                    entity_map.entity.name,
                )
                continue
            grouped[parent].append(self._model(entity_map, row))
        return grouped

    def _ratings(self, rows: dict[str, list[_Row]], context: ReadContext) -> dict[str, Any]:
        ratings_map = self.mapping.entities.get("ratings")
        if ratings_map is None:
            return {}
        rating_rows = rows.get("ratings", [])
        by_key = {row.key: row for row in rating_rows}
        key_questions = self._children(rows, "key_question_ratings", by_key, context)
        built: list[tuple[_Row, Rating]] = []
        for row in rating_rows:
            kq: list[KeyQuestionRating] = key_questions.get(row.key, [])
            values = row.model_values(ratings_map)
            built.append((row, Rating(key_questions=tuple(kq), **values)))
        current: Rating | None = None
        past: list[Rating] = []
        if "current" in ratings_map.fields:
            for row, rating in built:
                if row.values["current"] and current is None:
                    current = rating
                elif row.values["current"]:
                    context.problem(
                        row.place("current"), "a second current rating for this location", "ratings"
                    )
                else:
                    past.append(rating)
        else:
            newest = sorted(built, key=lambda item: item[1].published, reverse=True)
            if newest:
                current = newest[0][1]
                past = [rating for _, rating in built if rating is not current]
        past.sort(key=lambda rating: rating.published, reverse=True)
        return {"current_rating": current, "past_ratings": tuple(past)}

    def _people(self, rows: dict[str, list[_Row]], context: ReadContext) -> tuple[Person, ...]:
        if "people" not in self.mapping.entities:
            return ()
        found: dict[str, _Row] = {}
        for row in rows.get("people", ()):
            person_id = row.values["person_id"]
            if person_id in found:
                context.problem(row.place("person_id"), "a second people row for this person", "people")
                continue
            found[person_id] = row
        children = [self._children(rows, entity, found, context) for entity in _PERSON_COLLECTIONS]
        return tuple(
            self._person(row, tuple(tuple(by_id.get(person_id, ())) for by_id in children))
            for person_id, row in found.items()
        )

    def _person(self, row: _Row, parts: tuple[tuple[Any, ...], ...]) -> Person:
        """The person of a people row with its records (``parts``: one tuple per ``_PERSON_COLLECTIONS``)."""
        people_map = self.mapping.entities["people"]
        person: Person = _kept(
            row,
            parts,
            lambda row, parts: Person(
                **dict(zip(_PERSON_ATTRIBUTES, parts, strict=True)), **row.model_values(people_map)
            ),
        )
        return person

    def _staff(self, rows: dict[str, list[_Row]], context: ReadContext) -> tuple[StaffMember, ...]:
        if "staff" not in self.mapping.entities:
            return ()
        found: dict[str, _Row] = {}
        for row in rows.get("staff", ()):
            staff_id = row.values["staff_id"]
            if staff_id in found:
                context.problem(row.place("staff_id"), "a second staff row for this worker", "staff")
                continue
            found[staff_id] = row
        checks = self._children(rows, "dbs_checks", found, context)
        training = self._children(rows, "training", found, context)
        supervisions = self._children(rows, "supervisions", found, context)
        recruitment = self._children(rows, "recruitment_checks", found, context)
        members = []
        for staff_id, row in found.items():
            parts = self._member_parts(
                checks.get(staff_id, ()),
                training.get(staff_id, ()),
                supervisions.get(staff_id, ()),
                recruitment.get(staff_id, ()),
            )
            if parts is None:  # a view or vendor table may give several; the reference table allows one
                context.problem(
                    row.place("staff_id"), "more than one recruitment_checks row for this worker", "staff"
                )
                continue
            members.append(self._member(row, parts))
        return tuple(members)

    @staticmethod
    def _member_parts(
        checks: Iterable[Any],
        training: Iterable[Any],
        supervisions: Iterable[Any],
        recruitment: Sequence[Any],
    ) -> tuple[Any, ...] | None:
        """A worker's records as ``_member`` takes them: the latest DBS check, training, supervisions and
        the recruitment check; ``None`` if there is more than one recruitment check."""
        dbs = max(checks, key=lambda check: check.issued, default=None)
        if len(recruitment) > 1:
            return None
        return (dbs, tuple(training), tuple(supervisions), recruitment[0] if recruitment else None)

    def _member(self, row: _Row, parts: tuple[Any, ...]) -> StaffMember:
        """The worker of a staff row with its records (``parts`` from ``_member_parts``)."""
        staff_map = self.mapping.entities["staff"]
        member: StaffMember = _kept(
            row,
            parts,
            lambda row, parts: StaffMember(
                dbs=parts[0],
                training=parts[1],
                supervisions=parts[2],
                recruitment=parts[3],
                **row.model_values(staff_map),
            ),
        )
        return member


def _kept(row: _Row, parts: tuple[Any, ...], make: Callable[[_Row, tuple[Any, ...]], Any]) -> Any:
    """The model object of ``row`` with ``parts`` (its records), made again only if they are not the same
    objects as last time (a change feed keeps rows: a person whose rows did not change keeps its object)."""
    if row.built:
        before, made = row.built[0]
        if _same_parts(before, parts):
            return made
        row.built.clear()
    made = make(row, parts)
    row.built.append((parts, made))
    return made


def _same_parts(before: tuple[Any, ...], parts: tuple[Any, ...]) -> bool:
    """Whether each part is the same object as before (a tuple: the same objects in it)."""
    if len(before) != len(parts):
        return False
    for a, b in zip(before, parts, strict=True):
        if a is b:
            continue
        if not (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)):
            return False
        if any(x is not y for x, y in zip(a, b, strict=True)):
            return False
    return True


def _resolve(
    source: str, mapping: str | Path | Mapping | None, since: str | dt.datetime | dt.date | None
) -> tuple[SqlSource, Mapping, dt.datetime | None]:
    parsed = parse_source(source)
    if mapping is None:
        mapping = parsed.mapping
    if isinstance(mapping, (str, Path)):
        mapping = load_mapping(mapping)
    if since is None and parsed.since is not None:
        since = parse_cursor(parsed.since, f"{parsed.shown}: option since")
    elif since is not None:
        since = parse_cursor(since, "since")
    return parsed, mapping or reference_mapping(), since


def read_locations(
    source: str,
    context: ReadContext | None = None,
    *,
    mapping: str | Path | Mapping | None = None,
    since: str | dt.datetime | dt.date | None = None,
) -> Iterator[Location]:
    """Yield the locations of a database (all, or those changed after ``since``).

    ``source`` is an SQLAlchemy URL and may carry ``?mapping=`` and ``?since=``; the keyword arguments win
    over them. Use ``read_changes`` to get the cursor for the next incremental read as well. Without a
    ``context`` the read is strict and pseudonymises under ``mipr_rules.privacy.default_pseudonym_key()``.
    """
    parsed, mapping_, since_ = _resolve(source, mapping, since)
    context = context or ReadContext(key=default_pseudonym_key())
    yield from SqlReader(parsed, mapping_).locations(context, since_)


def read_changes(
    source: str,
    context: ReadContext | None = None,
    *,
    mapping: str | Path | Mapping | None = None,
    since: str | dt.datetime | dt.date | None = None,
) -> ChangeSet:
    """Read the locations changed after ``since`` (all when ``None``) and the cursor for the next read.

    Without a ``context`` the read is strict and pseudonymises under ``default_pseudonym_key()``.

    >>> first = read_changes("postgresql://db.example/care")          # everything, and a cursor
    >>> later = read_changes("postgresql://db.example/care", since=first.cursor)  # only what changed
    """
    parsed, mapping_, since_ = _resolve(source, mapping, since)
    reader = SqlReader(parsed, mapping_)
    context = context or ReadContext(key=default_pseudonym_key())
    locations = tuple(reader.locations(context, since_))
    return ChangeSet(locations, format_cursor(reader.cursor) if reader.cursor else None)
