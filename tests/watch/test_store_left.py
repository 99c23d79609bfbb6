"""The open rows a check left, kept per location with its revision, bounded."""

from __future__ import annotations

from mipr_rules.watch.store.left import RowsLeft


def _rows(n: int) -> dict[tuple[str, str, str], tuple[object, ...]]:
    return {("r", f"rule-{i}", "person:R01"): (i, f"A-{i}") for i in range(n)}


def test_rows_are_given_only_for_the_revision_they_were_left_at_and_as_a_copy() -> None:
    left = RowsLeft()
    left.keep({("r", "L1"): (3, _rows(2))})
    assert left.get("r", "L1", 4) is None and left.get("r", "L2", 3) is None and left.get("other", "L1", 3) is None
    got = left.get("r", "L1", 3)
    assert got == _rows(2)
    got.clear()
    assert left.get("r", "L1", 3) == _rows(2)


def test_the_locations_checked_longest_ago_are_let_go_beyond_the_bound() -> None:
    left = RowsLeft(limit=10)
    left.keep({("r", "L1"): (1, _rows(4)), ("r", "L2"): (1, _rows(4))})
    left.keep({("r", "L1"): (2, _rows(4))})  # L1 checked again: now the most recent
    left.keep({("r", "L3"): (1, _rows(4))})
    assert len(left) == 8
    assert left.get("r", "L2", 1) is None
    assert left.get("r", "L1", 2) == _rows(4) and left.get("r", "L3", 1) == _rows(4)
