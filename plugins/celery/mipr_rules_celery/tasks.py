"""The one task: evaluate a partition of locations (idempotent: a pure function of its arguments)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from mipr_rules.api import Session
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.readiness import ReadinessReport, run_readiness
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules_celery.app import app

_session: Session | None = None


def evaluator() -> Evaluator:
    """The worker process's engine (its session's), started on its first task and kept."""
    global _session
    if _session is None:
        _session = Session(processes=1)
    return _session.evaluator


@app.task(name="mipr.evaluate_partition", acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
def evaluate_partition(
    locations: Sequence[Location],
    as_of: dt.date,
    ruleset: Ruleset,
    overrides: Mapping[str, Any],
    region: str,
) -> ReadinessReport:
    """Readiness of ``locations``; a location that cannot be evaluated is in the report with its error."""
    return run_readiness(
        locations,
        as_of=as_of,
        ruleset=ruleset,
        overrides=overrides,
        region=region,
        evaluator=evaluator(),
        allow_incomplete=True,
    )
