"""Complete, or loudly incomplete: what every evaluating entry does with inputs it could not evaluate.

An entry (``run_readiness``, ``run_timeline``, ``assess_eligibility``, ``rate``, the MIPR review and panel,
``mipr watch``) either evaluates every input or raises ``EvaluationIncomplete`` naming each one that was
not evaluated and why. With ``allow_incomplete=True`` it returns its result instead, marked ``complete:
false`` with those ``failures``; the CLI always asks for that, shows the failures first and exits 3.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from mipr_rules.errors import EngineError, EvaluationIncomplete
from mipr_rules.workdays import DEFAULT_REGION

if TYPE_CHECKING:
    from rich.console import Console

    from mipr_rules.engine.compile import CompiledRuleset
    from mipr_rules.engine.evaluate import Evaluator
    from mipr_rules.results import RuleHit

Failure = tuple[str, str]
"""``(key, reason)``: the pseudonymous key of an input that was not evaluated (a location id, a report key,
an input name) and why, never its content."""


def require_complete(failures: Sequence[Failure], total: int | None, allow_incomplete: bool) -> None:
    """Raise ``EvaluationIncomplete`` when something was not evaluated, unless the caller allows it."""
    if failures and not allow_incomplete:
        raise EvaluationIncomplete(list(failures), total)


def failures_json(failures: Iterable[Failure]) -> list[dict[str, str]]:
    """The ``failures`` of a JSON contract: ``[{"key": ..., "reason": ...}]``."""
    return [{"key": key, "reason": reason} for key, reason in failures]


def completeness_json(failures: Sequence[Failure]) -> dict[str, Any]:
    """``{"complete": ..., "failures": [...]}``: the first keys of every evaluating command's JSON."""
    return {"complete": not failures, "failures": failures_json(failures)}


def render_failures(
    console: Console, failures: Sequence[Failure], total: int | None = None, what: str = "input"
) -> None:
    """The banner every text report starts with when it is incomplete (nothing when it is complete)."""
    if not failures:
        return
    from rich.markup import escape  # here: JSON output never needs rich

    of = f" of {total}" if total is not None else ""
    console.print(
        f"[bold red]INCOMPLETE: {len(failures)}{of} {what}(s) not evaluated; "
        "their results are missing from this report[/bold red]"
    )
    for key, reason in failures:
        console.print(f"  [red]{escape(key)}[/red]: {escape(reason)}")
    console.print()


def evaluate_one(
    evaluator: Evaluator,
    compiled: CompiledRuleset,
    key: str,
    subject: Any,
    as_of: dt.date,
    region: str = DEFAULT_REGION,
) -> tuple[RuleHit, ...]:
    """Evaluate one input; an input the engine could not evaluate raises ``EvaluationIncomplete`` naming it.

    Errors found before the engine (the input is malformed) are raised as they are.
    """
    (evaluation,) = evaluator.run(compiled, [(key, subject)], as_of, region)
    error = evaluation.error
    if error is None:
        return evaluation.hits
    if isinstance(error, EngineError):
        raise EvaluationIncomplete([(key, str(error).removeprefix(f"{key}: "))], total=1)
    raise error
