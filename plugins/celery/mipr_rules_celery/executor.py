"""``mipr watch --executor celery``: the service's ``Evaluation`` sent to Celery workers, partitioned by location.

Each check splits its locations into partitions (a location always lands in the same partition: a stable
digest of its id), sends one task per partition and waits for all of them; the merged report is what a single
process would have produced. The store (PostgreSQL, shared) is written by the watcher only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

import attrs
from celery import Celery

from mipr_rules.adapters.base import SkippedRecords
from mipr_rules.errors import EngineError, PluginError
from mipr_rules.model import Location
from mipr_rules.readiness import LocationReadiness, ReadinessReport
from mipr_rules.watch.interfaces import FullEvaluation
from mipr_rules_celery.app import make_app

TASK = "mipr.evaluate_partition"
"""Name of the task (``mipr_rules_celery.tasks.evaluate_partition``)."""
DEFAULT_PARTITIONS = 16
DEFAULT_TIMEOUT = 600.0
"""Seconds a check waits for its partitions (a lost worker's partition is redelivered within it)."""


def partition_of(location_id: str, partitions: int) -> int:
    """The partition of a location: stable across checks, processes and machines."""
    return int.from_bytes(hashlib.sha256(location_id.encode()).digest()[:4], "big") % partitions


@attrs.define
class CeleryEvaluation:
    """Evaluates on Celery workers what ``local`` (a ``FullEvaluation``) would evaluate in this process."""

    local: FullEvaluation
    app: Celery
    partitions: int = DEFAULT_PARTITIONS
    timeout: float = DEFAULT_TIMEOUT

    @property
    def ruleset_id(self) -> str:
        """The ruleset evaluated."""
        return str(self.local.ruleset_id)

    @classmethod
    def connect(cls, broker: str, *, local: Any, **_: Any) -> CeleryEvaluation:
        """An evaluation over the workers of ``broker`` (``mipr watch --executor celery --broker URL``)."""
        if not isinstance(local, FullEvaluation):
            raise PluginError("--executor celery evaluates with the installed rulesets only")
        return cls(local, make_app(broker))

    def evaluate(
        self, locations: Iterable[Location], *, as_of: dt.date, skipped: tuple[SkippedRecords, ...] = ()
    ) -> ReadinessReport:
        """Send one task per partition, wait for all, merge in the order the locations were read."""
        ruleset = self.local.catalogue.get(self.local.ruleset_id, as_of)
        overrides = self.local.config.overrides_for(ruleset)
        region = self.local.config.region
        order: list[str] = []
        parts: dict[int, list[Location]] = {}
        for location in locations:
            order.append(location.location_id)
            parts.setdefault(partition_of(location.location_id, self.partitions), []).append(location)
        pending = [
            self.app.send_task(TASK, args=(chunk, as_of, ruleset, overrides, region))
            for _, chunk in sorted(parts.items())
        ]
        results: dict[str, LocationReadiness] = {}
        parameters: dict[str, Any] = {}
        try:
            for result in pending:
                part: ReadinessReport = result.get(timeout=self.timeout, propagate=True)
                parameters = dict(part.parameters)
                for done in part.locations:
                    results[done.location_id] = done
        except Exception as exc:  # the broker or a task failed: the whole check is reported, never half applied
            raise EngineError(f"Celery evaluation failed ({type(exc).__name__}); no location was recorded") from None
        missing = [i for i in order if i not in results]
        if missing:
            raise EngineError(f"Celery evaluation returned no result for {len(missing)} location(s)")
        return ReadinessReport(
            as_of=as_of,
            ruleset=ruleset,
            parameters=parameters,
            locations=tuple(results[i] for i in order),
            region=region,
            skipped=skipped,
        )
