"""The change log's triggers as the server runs them: one row per written or deleted row, a move logged for
both locations; on PostgreSQL one function per table (installed over the single function of earlier versions,
all removed by ``--drop``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from feed_support import PLAN
from sql_fixtures import RunDatabase

from mipr_rules.model import Location
from mipr_rules_adapter_sql.mapping import reference_mapping
from mipr_rules_adapter_sql.source import make_engine, parse_source
from mipr_rules_adapter_sql.triggers import LOG_TABLE, install_triggers, tracked


def _log(engine: sa.Engine, after: int) -> list[tuple[str, str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                f"SELECT table_name, location_id, record_key, op FROM {LOG_TABLE} WHERE seq > :s ORDER BY seq"
            ),
            {"s": after},
        )
        return [(str(t), str(loc), str(key), str(op)) for t, loc, key, op in rows]


def _functions(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        names = connection.execute(
            sa.text("SELECT proname FROM pg_proc WHERE proname LIKE 'mipr%'")
        ).scalars()
        return set(names)


def test_writes_moves_and_deletions_are_logged_per_row(logged: str, sample_home: Location) -> None:
    engine = make_engine(parse_source(logged))
    home = sample_home.location_id
    try:
        with engine.begin() as connection:
            start = (
                connection.execute(sa.text(f"SELECT coalesce(max(seq), 0) FROM {LOG_TABLE}")).scalar() or 0
            )
            (key,) = connection.execute(
                sa.text("SELECT min(id) FROM care_plans WHERE plan_id = :p AND location_id = :h"),
                {"p": PLAN, "h": home},
            ).one()
            connection.execute(
                sa.text("UPDATE care_plans SET last_reviewed = last_reviewed WHERE id = :k"), {"k": key}
            )
            other_id = connection.execute(
                sa.text("SELECT location_id FROM locations WHERE location_id <> :h"), {"h": home}
            )
            other = str(other_id.scalar())
            connection.execute(
                sa.text("UPDATE care_plans SET location_id = :o WHERE id = :k"), {"o": other, "k": key}
            )
            connection.execute(sa.text("DELETE FROM care_plans WHERE id = :k"), {"k": key})
        logged_rows = _log(engine, int(start))
    finally:
        engine.dispose()
    k = str(key)
    moved = [("care_plans", other, k, "U")]
    if parse_source(logged).backend == "postgresql":
        moved.append(("care_plans", home, k, "D"))  # SQLite's and MariaDB's logs name only the new location
    assert logged_rows == [("care_plans", home, k, "U"), *moved, ("care_plans", other, k, "D")]


def test_postgresql_installs_one_function_per_table_over_the_old_one_and_drops_them_all(
    run_database: RunDatabase, sample_home: Location
) -> None:
    if run_database.backend != "postgresql":
        pytest.skip("trigger functions are PostgreSQL's; the other servers' triggers hold their statement")
    engine = make_engine(parse_source(run_database.load(sample_home)))
    mapping = reference_mapping()
    try:
        with engine.begin() as connection:  # an install of an earlier version: one function for every table
            connection.exec_driver_sql(
                "CREATE FUNCTION mipr_record_change() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN RETURN NULL; END $$"
            )
            for table, key, location in tracked(mapping):
                connection.exec_driver_sql(
                    f"CREATE TRIGGER mipr_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION mipr_record_change('{key}', '{location}')"
                )
        install_triggers(engine, "postgresql", mapping)
        tables = {table for table, _key, _location in tracked(mapping)}
        assert {f"mipr_change_{table}" for table in tables} <= _functions(engine)
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE care_plans SET last_reviewed = last_reviewed WHERE plan_id = :p"), {"p": PLAN}
            )
        assert {row[0] for row in _log(engine, 0)} == {"care_plans"}, "the new function logs the write"
        install_triggers(engine, "postgresql", mapping, drop=True)
        assert _functions(engine) == set()
    finally:
        engine.dispose()
