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
