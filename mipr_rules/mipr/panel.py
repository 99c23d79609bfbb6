"""``mipr panel verify``: the verified score of a panel record and whether the report may be published.

The record (``panel_record.py``) is measured into one ``mipr_panel`` fact (``panel_facts.py``) and judged
by the ``mipr-panel-2025`` ruleset in the engine: each rule that fires names the publication condition it
checks and whether it blocks. Publication is allowed only when no blocking rule fires: both stages
recorded and in agreement (or moderated), the factual-accuracy review recorded, the verified rating Good
or Outstanding, and the provider's consent recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from rich.console import Console

from mipr_rules.completeness import evaluate_one
from mipr_rules.config import Config
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import RulesetError
from mipr_rules.mipr.criteria import CRITERIA
from mipr_rules.mipr.panel_facts import PanelScores, panel_scores
from mipr_rules.mipr.panel_record import STAGES, PanelRecord, PreCheck, file_digest
from mipr_rules.mipr.scoring import Policy
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.safe_text import safe as escape
from mipr_rules.severity import worst

DEFAULT_RULESET = "mipr-panel-2025"
"""The ruleset ``mipr panel verify`` runs unless told otherwise."""

CONDITIONS = (
    "pre_check",
    "stage_1_review",
    "stage_2_review",
    "moderation",
    "verified_rating",
    "factual_accuracy_review",
    "publication_consent",
)
"""The publication conditions a panel rule may check (its ``emit.condition``)."""


def check_panel_ruleset(ruleset: Ruleset) -> None:
    """Refuse a ruleset whose rules do not say which publication condition they check and whether it blocks."""
    where = ruleset.path or ruleset.id
    if ruleset.kind != "mipr":
        raise RulesetError(f"{where}: ruleset {ruleset.id} is of kind {ruleset.kind!r}; a panel needs kind 'mipr'")
    for rule in ruleset.rules:
        if rule.emit.get("condition") not in CONDITIONS or not isinstance(rule.emit.get("blocking"), bool):
            raise RulesetError(
                f"{where}: rule {rule.id}: emit needs 'condition' (one of {', '.join(CONDITIONS)}) and "
                "'blocking' (true or false)"
            )


def _hit_dict(hit: RuleHit, explain: bool) -> dict[str, Any]:
    keys = ("rule", "severity", "message", "source", "citation") + (("facts", "parameters") if explain else ())
    return {"condition": hit.emit["condition"], **hit.as_dict(only=keys)}


@attrs.frozen
class PanelVerification:
    """The verification of one panel record."""

    path: str
    """The panel record file."""
    record: PanelRecord
    """The record read."""
    as_of: dt.date
    """The as-of date of the evaluation."""
    ruleset: Ruleset
    """The ruleset run."""
    parameters: Mapping[str, Any]
    """Its parameters after provider overrides."""
    scores: PanelScores
    """The arithmetic of the record."""
    hits: tuple[RuleHit, ...]
    """Every rule that fired."""
    explain: bool = False
    """Whether results carry their facts and parameters."""

    @property
    def blocking(self) -> tuple[RuleHit, ...]:
        """Rules that block publication, in the order of ``CONDITIONS``."""
        found = [h for h in self.hits if h.emit["blocking"] is True]
        return tuple(sorted(found, key=lambda h: (CONDITIONS.index(h.emit["condition"]), h.rule_id)))

    @property
    def warnings(self) -> tuple[RuleHit, ...]:
        """Rules that fired without blocking: a person looks at them."""
        return tuple(h for h in self.hits if h.emit["blocking"] is not True)

    @property
    def publishable(self) -> bool:
        """Whether nothing blocks publication."""
        return not self.blocking

    @property
    def moderation_required(self) -> bool:
        """Whether a blocking rule asks for moderation."""
        return any(h.emit["condition"] == "moderation" for h in self.blocking)

    def severities(self) -> list[str]:
        """Severity of every rule that fired."""
        return [h.severity for h in self.hits]

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of ``mipr panel verify --format json`` (docs/commands/panel.md)."""
        overall = self.scores.overall
        record = self.record
        return {
            "kind": "mipr_panel",
            "verified_score": overall.score if overall else None,
            "rating": overall.rating.value if overall else None,
            "publishable": self.publishable,
            "blocking": [_hit_dict(h, self.explain) for h in self.blocking],
            "percentage": overall.percentage if overall else None,
            "band": overall.band.value if overall else None,
            "limited_by": list(overall.limited_by) if overall else [],
            "moderation_required": self.moderation_required,
            "warnings": [_hit_dict(h, self.explain) for h in self.warnings],
            "stages": [self._stage(stage) for stage in STAGES],
            "criteria": [self._criterion(c.id, c.area) for c in CRITERIA],
            "report": attrs.asdict(record.report) if record.report is not None else None,
            "factual_accuracy_review": record.factual_accuracy_review.isoformat()
            if record.factual_accuracy_review
            else None,
            "publication_consent": record.publication_consent,
            "as_of": self.as_of.isoformat(),
            "ruleset": self.ruleset.ref(),
            "parameters": dict(self.parameters),
        }

    def _stage(self, stage: int) -> dict[str, Any]:
        overall = self.scores.stage_overall.get(stage)
        return {
            "stage": stage,
            "reviewers": [r.reviewer for r in self.record.stage(stage)],
            "complete": self.scores.complete(stage),
            "score": overall.score if overall else None,
            "rating": overall.rating.value if overall else None,
        }

    def _criterion(self, criterion: str, area: str) -> dict[str, Any]:
        moderation = self.record.moderation
        return {
            "id": criterion,
            "area": area,
            "stage_1": self.scores.stages[1].get(criterion),
            "stage_2": self.scores.stages[2].get(criterion),
            "difference": self.scores.differences.get(criterion),
            "moderated": moderation.scores.get(criterion) if moderation else None,
            "verified": self.scores.verified.get(criterion),
        }

    def render_text(self, console: Console) -> None:
        """The readable verification."""
        record, overall = self.record, self.scores.overall
        ref = record.report
        name = f"{ref.location_name or ref.location_id} ({ref.location_id})" if ref else "an unnamed report"
        console.print(f"[bold]MIPR panel[/bold] for {escape(name)}, {escape(self.path)}")
        rs = self.ruleset
        console.print(
            f"[dim]ruleset {escape(rs.id)} {escape(rs.version)} ({escape(rs.framework)}), as of {self.as_of}[/dim]"
        )
        for stage in STAGES:
            info = self._stage(stage)
            who = ", ".join(info["reviewers"]) or "nobody yet"
            state = f"{info['score']:g} {info['rating']}" if info["complete"] else "incomplete"
            console.print(f"Stage {stage}: {escape(who)}: {state}")
        if overall is None:
            console.print("\n[bold]Verified score:[/bold] none yet")
        else:
            console.print(
                f"\n[bold]Verified score: {overall.score:g} of 4, {overall.rating.value}[/bold] "
                f"({overall.percentage}%, band {overall.band.value})"
            )
            for reason in overall.limited_by:
                console.print(f"  [dim]limited: {escape(reason)}[/dim]")
        if self.publishable:
            console.print("[green bold]Publishable[/green bold]: every condition is met")
        else:
            console.print("[red bold]Not publishable[/red bold]:")
            for hit in self.blocking:
                console.print(
                    f"  [red]{hit.emit['condition']}[/red]: {escape(hit.message)}  [dim]({hit.rule_id})[/dim]"
                )
        for hit in self.warnings:
            console.print(f"  [yellow]note[/yellow]: {escape(hit.message)}  [dim]({hit.rule_id})[/dim]")
        if self.explain and self.scores.differences:
            console.print("\n[bold]Criteria[/bold] (stage 1, stage 2, verified)")
            for c in CRITERIA:
                row = self._criterion(c.id, c.area)
                console.print(f"  {c.id:<42} {row['stage_1']:g}  {row['stage_2']:g}  {row['verified']:g}")

    def worst_severity(self) -> str | None:
        """Most severe rule that fired, if any."""
        return worst(self.severities())


def verify(
    record: PanelRecord,
    *,
    path: str,
    as_of: dt.date,
    ruleset: Ruleset,
    evaluator: Evaluator,
    overrides: Mapping[str, Any] | None = None,
    explain: bool = False,
) -> PanelVerification:
    """Run ``ruleset`` over ``record`` in the engine."""
    check_panel_ruleset(ruleset)
    compiled = evaluator.compile(ruleset, overrides, PanelRecord)
    policy = Policy.from_parameters(compiled.parameters, f"{ruleset.id} parameters")
    hits = evaluate_one(evaluator, compiled, record.key, record, as_of)
    scores = panel_scores(record, policy)
    return PanelVerification(path, record, as_of, ruleset, dict(compiled.parameters), scores, hits, explain)


def run_pre_check(
    report_path: Path, as_of: dt.date, evaluator: Evaluator, catalogue: Catalogue, config: Config | None
) -> PreCheck:
    """``mipr review`` of the report file, summarised for a panel record with the file's digest."""
    from mipr_rules.mipr.review import review_file

    result = review_file(report_path, as_of=as_of, config=config, evaluator=evaluator, catalogue=catalogue)
    ruleset = result.ruleset
    return PreCheck(
        file_digest(report_path),
        result.proceeds_to_panel,
        result.overall.rating.value,
        f"{ruleset.id} {ruleset.version}",
        as_of,
    )


def verify_record(
    record: PanelRecord,
    *,
    path: str,
    as_of: dt.date,
    evaluator: Evaluator,
    catalogue: Catalogue,
    ruleset_id: str = DEFAULT_RULESET,
    config: Config | None = None,
    explain: bool = False,
    report_path: Path | None = None,
) -> PanelVerification:
    """Verify ``record`` with the ruleset ``ruleset_id`` of ``catalogue`` and ``config``'s parameter overrides.

    With ``report_path``, the pre-check of that exact file is run first and bound to the record (its
    digest against the one the record names): a report that did not proceed is not publishable.
    ``evaluator`` and ``catalogue`` are a session's (``mipr_rules.api.Session.panel`` is the front door).
    """
    if report_path is not None:
        record = attrs.evolve(record, pre_check=run_pre_check(report_path, as_of, evaluator, catalogue, config))
    ruleset = catalogue.get(ruleset_id, as_of)
    overrides = config.overrides_for(ruleset) if config is not None else None
    return verify(
        record, path=path, as_of=as_of, ruleset=ruleset, evaluator=evaluator, overrides=overrides, explain=explain
    )
