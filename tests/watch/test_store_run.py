"""The store's statements run as text on SQLite and straight to the driver on PostgreSQL, with the same results."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from mipr_rules.watch.store.tables import _driver_sql, run


def test_named_parameters_become_the_drivers_and_nothing_else_does() -> None:
    sql = "SELECT '50%' AS p, '09:30' AS t, x::text, :a, CAST(:b_2 AS int) FROM t WHERE id IN :ids"
    assert _driver_sql(sql) == (
        "SELECT '50%%' AS p, '09:30' AS t, x::text, %(a)s, CAST(%(b_2)s AS int) FROM t WHERE id IN %(ids)s"
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Any:
    url = "sqlite://" if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    made = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    yield made
    made.dispose()


def test_a_statement_gives_the_same_rows_on_either_database(engine: Any) -> None:
    with engine.begin() as db:
        db.execute(sa.text("CREATE TEMPORARY TABLE things (id INTEGER, name TEXT)"))
        db.execute(sa.text("INSERT INTO things VALUES (1, 'a%'), (2, 'b'), (3, 'c')"))
        rows = run(
            db,
            "SELECT id, name, '100%' AS pct FROM things WHERE name IN :ids AND id > :low",
            {"ids": ["a%", "c"], "low": 0},
        )
        assert sorted(tuple(r) for r in rows) == [(1, "a%", "100%"), (3, "c", "100%")]
        found = run(
            db, "UPDATE things SET name = :n WHERE id IN :ids RETURNING id", {"n": "z", "ids": [2, 3]}, "bigint"
        )
        assert sorted(r[0] for r in found) == [2, 3]


AWKWARD = ["1-101", "", "NULL", "a,b", "{x}", 'say "hi"', "back\\slash", "tab\tand space ", "é✓", '\\"']


def test_ids_of_any_text_are_matched_exactly(engine: Any) -> None:
    """``IN :ids`` matches every id given and no other, whatever characters the ids hold."""
    with engine.begin() as db:
        db.execute(sa.text("CREATE TEMPORARY TABLE places (location_id TEXT, n INTEGER)"))
        for n, value in enumerate([*AWKWARD, "not asked for", "1-10"]):
            db.execute(sa.text("INSERT INTO places VALUES (:v, :n)"), {"v": value, "n": n})
        found = run(db, "SELECT location_id, n FROM places WHERE location_id IN :ids", {"ids": AWKWARD})
        assert sorted(r[0] for r in found) == sorted(AWKWARD)
        assert list(run(db, "SELECT n FROM places WHERE location_id IN :ids", {"ids": []})) == []
        by_number = run(db, "SELECT location_id FROM places WHERE n IN :ids", {"ids": [0, 11]}, "bigint")
        assert sorted(r[0] for r in by_number) == ["1-10", "1-101"]


# -- PostgreSQL: statements on the driver's cursor, in SQLAlchemy's transaction ---------------------------------


@pytest.fixture
def pg_engine(pg_url: str) -> Any:
    made = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with made.begin() as db:
        db.execute(sa.text("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)"))
    yield made
    made.dispose()


def names(engine: Any) -> list[str]:
    with engine.connect() as db:
        return [r[0] for r in db.execute(sa.text("SELECT name FROM things ORDER BY id"))]


def test_what_runs_first_on_the_driver_is_committed_and_rolled_back_with_the_transaction(pg_engine: Any) -> None:
    with pg_engine.connect() as db:
        run(db, "INSERT INTO things VALUES (1, :n)", {"n": "kept"})
        db.commit()
        run(db, "INSERT INTO things VALUES (2, :n)", {"n": "dropped"})
        db.rollback()
        run(db, "INSERT INTO things VALUES (3, :n)", {"n": "closed before commit"})
    assert names(pg_engine) == ["kept"]


def test_a_driver_error_is_sqlalchemys_and_the_connection_goes_on(pg_engine: Any) -> None:
    with pg_engine.connect() as db:
        run(db, "INSERT INTO things VALUES (1, 'a')", {})
        with pytest.raises(sa.exc.IntegrityError, match="duplicate key"):
            run(db, "INSERT INTO things VALUES (1, 'again')", {})
        db.rollback()
        run(db, "INSERT INTO things VALUES (2, 'b')", {})
        db.commit()
    assert names(pg_engine) == ["b"]


def test_statements_on_the_driver_fire_the_cursor_events(pg_engine: Any) -> None:
    seen: list[tuple[str, str]] = []
    for when in ("before_cursor_execute", "after_cursor_execute"):
        sa.event.listen(pg_engine, when, lambda *args, when=when: seen.append((when, args[2])))
    with pg_engine.begin() as db:
        run(db, "UPDATE things SET name = :n WHERE id IN :ids", {"n": "x", "ids": [1]}, "bigint")
    statement = "UPDATE things SET name = %(n)s WHERE id = ANY(CAST(%(ids)s AS bigint[]))"
    assert seen == [("before_cursor_execute", statement), ("after_cursor_execute", statement)]


def test_a_lost_connection_is_not_handed_out_again(pg_engine: Any) -> None:
    with pg_engine.connect() as db:
        lost = run(db, "SELECT pg_backend_pid()", {}).fetchall()[0][0]
        db.rollback()
        with pg_engine.connect() as other:
            # with a timeout, it returns once that backend has ended (PostgreSQL 14+): no race with the next statement
            assert other.execute(sa.text("SELECT pg_terminate_backend(:p, 10000)"), {"p": lost}).scalar()
        with pytest.raises(sa.exc.OperationalError) as raised:
            run(db, "SELECT 1", {})
        assert raised.value.connection_invalidated
    with pg_engine.connect() as db:
        assert run(db, "SELECT pg_backend_pid()", {}).fetchall()[0][0] != lost
