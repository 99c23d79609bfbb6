"""``-k EXPR``: select cases the way pytest does, by substrings of their names with ``and``, ``or``, ``not``.

A word matches a case when it occurs (ignoring case) in ``<file name> <ruleset id> <case name>``.
Parentheses group: ``-k "care_plan and not (never or audit)"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")

Matcher = Callable[[str], bool]


class KeywordError(ValueError):
    """The expression cannot be parsed."""


def _either(a: Matcher, b: Matcher) -> Matcher:
    return lambda text: a(text) or b(text)


def _both(a: Matcher, b: Matcher) -> Matcher:
    return lambda text: a(text) and b(text)


def compile_keyword(expression: str) -> Matcher:
    """A predicate over a case's identifying text; ``KeywordError`` if the expression is malformed."""
    tokens = _TOKEN.findall(expression)
    if not tokens or "".join(tokens).strip() == "":
        raise KeywordError("empty expression")
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        token = peek()
        if token is None:
            raise KeywordError(f"unexpected end of {expression!r}")
        position += 1
        return token

    def disjunction() -> Matcher:
        left = conjunction()
        while peek() == "or":
            take()
            left = _either(left, conjunction())
        return left

    def conjunction() -> Matcher:
        left = negation()
        while peek() == "and":
            take()
            left = _both(left, negation())
        return left

    def negation() -> Matcher:
        if peek() == "not":
            take()
            inner = negation()
            return lambda text: not inner(text)
        return atom()

    def atom() -> Matcher:
        token = take()
        if token == "(":
            inner = disjunction()
            if take() != ")":
                raise KeywordError(f"missing ')' in {expression!r}")
            return inner
        if token in (")", "and", "or", "not"):
            raise KeywordError(f"unexpected {token!r} in {expression!r}")
        word = token.lower()
        return lambda text: word in text.lower()

    matcher = disjunction()
    if peek() is not None:
        raise KeywordError(f"unexpected {peek()!r} in {expression!r}")
    return matcher
