"""Fact ids that cannot collide in durable-rules' 32-bit FNV-1a hash (pure Python, no engine import)."""

from __future__ import annotations

from functools import lru_cache


def fnv1a_32(text: str) -> int:
    """The 32-bit FNV-1a hash durable-rules identifies sessions and messages by."""
    value = 0x811C9DC5
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def fact_ids(count: int) -> list[str]:
    """``count`` short ids (``f0``, ``f1``…) whose FNV-1a hashes are pairwise distinct.

    Colliding ids would share engine state (``'L0872068'`` and ``'L1174626'`` do); a colliding
    candidate is skipped.
    """
    return list(canonical_fact_ids(count))


@lru_cache(maxsize=1024)
def canonical_fact_ids(count: int) -> tuple[str, ...]:
    """``fact_ids(count)`` as a tuple, computed once per count."""
    ids: list[str] = []
    seen: set[int] = set()
    n = 0
    while len(ids) < count:
        candidate = f"f{n}"
        n += 1
        digest = fnv1a_32(candidate)
        if digest not in seen:
            seen.add(digest)
            ids.append(candidate)
    return tuple(ids)
