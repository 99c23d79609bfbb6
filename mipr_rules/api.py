"""The public Python API of mipr-rules: one front door for vendors, the commands and the pytest plugin.

A ``Session`` is built from a provider configuration (parameter overrides, working-day region, pseudonymisation
key) and the plugin manager; it owns the ruleset catalogue, the engine evaluator (its worker processes) and the
overrides, so that no caller repeats the set-up. Use it as a context manager, so its workers stop::

    import datetime as dt
    from mipr_rules.api import Session

    with Session.from_config("provider.yaml") as session:
        report = session.readiness(source="home.json", as_of=dt.date(2026, 11, 2))
        for alert in report.alerts():
            print(alert.severity, alert.rule_id, alert.subject, alert.message)

Stability: the names in ``__all__`` and the parameters of ``Session``'s public methods are the supported API;
they change only with a new minor version and a note in the changelog. Everything else in ``mipr_rules`` is
internal and may change between releases (report objects keep their documented ``as_dict()`` JSON contracts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from mipr_rules.adapters.base import DEFAULT_MAX_SKIPPED, Adapter, ReadContext
from mipr_rules.adapters.informs import source_gaps
from mipr_rules.config import Config, load_config
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import (
    ConfigError,
    EngineCrash,
    EngineError,
    EvaluationIncomplete,
    InputError,
    MiprRulesError,
    PluginError,
    RulesetError,
)
from mipr_rules.facts.base import Fact
from mipr_rules.facts.timeline_facts import TimelineEvent
from mipr_rules.model import Location
from mipr_rules.readiness import DEFAULT_RULESET, ReadinessReport, run_readiness
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.schema import Ruleset

if TYPE_CHECKING:
    import pluggy

    from mipr_rules.eligibility import EligibilityReport, Nomination
    from mipr_rules.explain import Explained, ExplainRequest
    from mipr_rules.mipr.panel import PanelVerification
    from mipr_rules.mipr.panel_record import PanelRecord
    from mipr_rules.mipr.review import ReviewReport
    from mipr_rules.predict.report import PredictionReport
    from mipr_rules.presentation.progress import Tracker
    from mipr_rules.rating import RatingReport, ScoresInput
    from mipr_rules.readiness_stream import StreamedReadiness
    from mipr_rules.ruletest.runner import Runner
    from mipr_rules.timelines import TimelineReport

__all__ = [
    "ConfigError",
    "EngineCrash",
    "EngineError",
    "EvaluationIncomplete",
    "InputError",
    "MiprRulesError",
    "PluginError",
    "RulesetError",
    "Session",
    "TimelineEvent",
]


class Session:
    """Configuration, plugin manager, catalogue, evaluator and overrides: everything a check needs, set up once.

    ``config`` is a loaded provider configuration (default: none, i.e. every parameter at its default, the
    England and Wales calendar and the user's pseudonymisation key). ``pm`` is the plugin manager (default:
    the process-wide one with the built-ins and installed plugins). ``processes`` is the number of engine
    worker processes (default: one per core, started on first use). Close it (or use ``with``) to stop them.
    ``evaluator``: an evaluator the caller already holds (its workers shared with other sessions); the session
    uses it and its plugin manager, and leaves stopping it to the caller.

    This is the only place that sets a check up (configuration, plugin manager, catalogue, evaluator, ruleset,
    overrides): the functions below it take what they need as arguments.
    """

    def __init__(
        self,
        config: Config | None = None,
        *,
        pm: pluggy.PluginManager | None = None,
        processes: int | None = None,
        evaluator: Evaluator | None = None,
    ) -> None:
        self.config: Config = config if config is not None else load_config(None)
        """The provider configuration."""
        self._pm = pm if pm is not None or evaluator is None else evaluator.pm
        self._processes = processes
        self._evaluator: Evaluator | None = evaluator
        self._borrowed = evaluator is not None
        self._catalogue: Catalogue | None = None

    @classmethod
    def from_config(
        cls, path: Path | str | None, *, pm: pluggy.PluginManager | None = None, processes: int | None = None
    ) -> Session:
        """A session on the provider configuration file at ``path`` (``None``: no configuration file)."""
        return cls(load_config(path), pm=pm, processes=processes)

    # --- what the session owns

    @property
    def evaluator(self) -> Evaluator:
        """The engine evaluator (its worker processes start on first use)."""
        if self._evaluator is None:
            self._evaluator = Evaluator(self.pm, processes=self._processes)
        return self._evaluator

    @property
    def pm(self) -> pluggy.PluginManager:
        """The plugin manager: adapters, fact calculators, rulesets, outputs and notifiers."""
        if self._pm is None:
            from mipr_rules import plugins

            self._pm = plugins.plugin_manager()
        return self._pm

    @property
    def catalogue(self) -> Catalogue:
        """Every installed ruleset (built in and from plugins)."""
        if self._catalogue is None:
            self._catalogue = Catalogue.installed(self.pm)
        return self._catalogue

    def ruleset(self, ruleset_id: str, as_of: dt.date) -> Ruleset:
        """The version of ruleset ``ruleset_id`` in effect on ``as_of``."""
        return self.catalogue.get(ruleset_id, as_of)

    def overrides(self, ruleset: Ruleset) -> dict[str, Any]:
        """The configuration's parameter overrides for ``ruleset`` (checked against its parameters)."""
        return self.config.overrides_for(ruleset)

    def read_context(
        self, *, lenient: bool = False, max_skipped: float = DEFAULT_MAX_SKIPPED, location: str | None = None
    ) -> ReadContext:
        """A read context with the configuration's pseudonymisation key (``location``: read only that one)."""
        return ReadContext(lenient=lenient, max_skipped=max_skipped, key=self.config.pseudonym_key(), location=location)

    def adapter(self, name: str) -> Adapter:
        """The installed adapter called ``name``."""
        from mipr_rules import plugins

        return plugins.adapter(name, self.pm)

    # --- the checks

    def readiness(
        self,
        locations: Iterable[Location] | None = None,
        *,
        as_of: dt.date,
        source: str | None = None,
        adapter: str = "file",
        ruleset_id: str = DEFAULT_RULESET,
        lenient: bool = False,
        max_skipped: float = DEFAULT_MAX_SKIPPED,
        location: str | None = None,
        allow_incomplete: bool = False,
        facts_out: dict[str, tuple[Fact, ...]] | None = None,
    ) -> ReadinessReport:
        """Readiness of ``locations``, or of what ``adapter`` reads from ``source``, as of ``as_of``.

        Read from a source, the report carries the read summary, and rules whose facts the source cannot inform
        are left out and named. A location that could not be evaluated raises ``EvaluationIncomplete`` unless
        ``allow_incomplete``; then the report is returned with ``complete`` false and its ``failures``.
        ``facts_out`` keeps each location's facts (see ``mipr_rules.readiness.evaluate_locations``).
        """
        ruleset = self.ruleset(ruleset_id, as_of)
        overrides = self.overrides(ruleset)  # a bad configuration is refused before the source is read
        options: dict[str, Any] = {}
        if locations is None:
            if source is None:
                raise InputError("readiness: give the locations or a source to read them from")
            from mipr_rules.adapters.summary import ReadSummary

            context = self.read_context(lenient=lenient, max_skipped=max_skipped, location=location)
            reader = self.adapter(adapter)
            locations = context.read(reader, source)
            options = {"skipped": context.summary(), "read_summary": ReadSummary.of(context, reader.name),
                       **source_gaps(reader, source)}
        return run_readiness(locations, as_of=as_of, ruleset=ruleset, overrides=overrides, region=self.config.region,
                             evaluator=self.evaluator, allow_incomplete=allow_incomplete, facts_out=facts_out,
                             **options)

    def stream_readiness(
        self,
        fmt: str,
        *,
        source: str,
        as_of: dt.date,
        out: IO[str],
        adapter: str = "file",
        ruleset_id: str = DEFAULT_RULESET,
        lenient: bool = False,
        max_skipped: float = DEFAULT_MAX_SKIPPED,
        location: str | None = None,
        tracker: Tracker | None = None,
    ) -> StreamedReadiness:
        """``readiness`` of ``source`` written to ``out`` as ``fmt`` (``text`` or ``json``) one location at a time,
        in flat memory, advancing ``tracker`` per location; returns what a caller needs for the exit code."""
        from mipr_rules.adapters.informs import restrict_to_source
        from mipr_rules.adapters.summary import ReadSummary
        from mipr_rules.readiness import counted, evaluate_locations
        from mipr_rules.readiness_stream import stream_readiness

        ruleset = self.ruleset(ruleset_id, as_of)
        overrides = self.overrides(ruleset)  # a bad configuration is refused before the source is read
        context = self.read_context(lenient=lenient, max_skipped=max_skipped, location=location)
        reader = self.adapter(adapter)
        ruleset, not_evaluated = restrict_to_source(ruleset, reader, source)
        compiled = self.evaluator.compile(ruleset, overrides, Location)
        locations = context.stream(reader, source)
        results = counted(evaluate_locations(self.evaluator, compiled, locations, as_of, self.config.region), tracker)
        return stream_readiness(fmt, results, as_of=as_of, ruleset=ruleset, parameters=dict(compiled.parameters),
                                region=self.config.region, skipped=context.summary, out=out,
                                read_summary=lambda: ReadSummary.of(context, reader.name), not_evaluated=not_evaluated)

    def explain_readiness(
        self,
        request: ExplainRequest,
        *,
        source: str,
        as_of: dt.date,
        adapter: str = "file",
        ruleset_id: str = DEFAULT_RULESET,
        lenient: bool = False,
        max_skipped: float = DEFAULT_MAX_SKIPPED,
    ) -> Explained:
        """``readiness`` of ``source`` with an explanation per location (``mipr readiness --explain``); the facts
        are those the evaluation measured, not measured again."""
        from mipr_rules.explain import Explained, explain, rule_of

        if request.rule_id is not None:
            rule_of(self.ruleset(ruleset_id, as_of), request.rule_id)
        facts: dict[str, tuple[Fact, ...]] = {}
        report = self.readiness(source=source, adapter=adapter, as_of=as_of, ruleset_id=ruleset_id, lenient=lenient,
                                max_skipped=max_skipped, allow_incomplete=True, facts_out=facts)
        compiled = self.evaluator.compile(report.ruleset, self.overrides(report.ruleset), Location)
        explanations = [
            explain(compiled, facts[result.location_id], result.alerts, evaluator=self.evaluator,
                    why_not=request.rule_id, partition=result.location_id, limit=10)
            for result in report.locations
            if result.error is None
        ]
        return Explained(report, tuple(explanations))

    def predict(
        self,
        *,
        as_of: dt.date,
        source: str,
        adapter: str = "file",
        ruleset_id: str = DEFAULT_RULESET,
        lenient: bool = False,
        max_skipped: float = DEFAULT_MAX_SKIPPED,
        resolved: Iterable[str] = (),
        store: Path | str | None = None,
        what_would_change: bool = True,
        horizon: int = 14,
    ) -> PredictionReport:
        """The rating CQC might give the one location ``source`` holds if it inspected on ``as_of``.

        Readiness alerts (``ruleset_id``) become predicted statement scores (``saf-prediction-2024``), which
        ``saf-rating-2024`` rates as ``rate`` does. ``resolved`` names alerts (``rule_id@subject``) to treat as
        resolved, to see what fixing them would do. ``store``: an alert store whose history gives the trend;
        ``what_would_change``: false to skip the search for what would change the rating; ``horizon``: days
        ahead (0-366) searched for alerts that open or worsen (the readiness rules run for each day).
        """
        from mipr_rules.predict.core import Scorer, alert_key

        if not 0 <= horizon <= 366:
            raise InputError(f"--horizon: expected 0 to 366 days, got {horizon}")
        from mipr_rules.predict.predict import predict
        from mipr_rules.rating import FRAMEWORKS
        from mipr_rules.readiness import run_readiness

        prediction = self.ruleset("saf-prediction-2024", as_of)
        rating = self.ruleset(FRAMEWORKS["SAF_2024_12"], as_of)
        compiled = self.evaluator.compile(prediction, self.overrides(prediction))
        readiness = self.ruleset(ruleset_id, as_of)
        overrides = self.overrides(readiness)
        context = self.read_context(lenient=lenient, max_skipped=max_skipped)
        reader = self.adapter(adapter)
        locations = list(context.read(reader, source))
        if len(locations) != 1:
            raise InputError(f"{source}: predict works on one location; the source holds {len(locations)}")
        gone = set(resolved)
        gaps = source_gaps(reader, source)  # once: the sql adapter reads its mapping file for it

        def alerts_on(day: dt.date) -> list[Any]:
            report = run_readiness(locations, as_of=day, ruleset=readiness, overrides=overrides,
                                   region=self.config.region, evaluator=self.evaluator, skipped=context.summary(),
                                   allow_incomplete=False, **gaps)
            return [a for a in report.alerts() if alert_key(a) not in gone]

        scorer = Scorer(self.evaluator, compiled, as_of, self.config.region)
        history = None
        if store is not None:
            from mipr_rules.predict.trend import occurrences

            history = occurrences(store, locations[0].location_id)
        return predict(locations[0], alerts_on(as_of), as_of=as_of, scorer=scorer,
                       rater=lambda scores: self.rate(scores, as_of=as_of), ruleset=prediction,
                       rating_ruleset=rating, parameters=compiled.parameters, future=alerts_on,
                       history=history, what_would_change=what_would_change, horizon=horizon,
                       skipped=context.summary())

    def draft_report(self, out: Path | str, *, as_of: dt.date, source: str, adapter: str = "file",
                     ruleset_id: str = DEFAULT_RULESET, lenient: bool = False,
                     max_skipped: float = DEFAULT_MAX_SKIPPED) -> PredictionReport:
        """Write a draft mock-inspection report (``.md`` or ``.docx``) for the location ``source`` holds, from
        its records as of ``as_of``; returns the prediction it was written from."""
        from mipr_rules.predict.draft import write_draft

        path = Path(out)
        if path.suffix.lower() not in (".md", ".docx"):
            raise InputError(f"{path}: expected a .md or .docx file name for --out")
        prediction = self.predict(as_of=as_of, source=source, adapter=adapter, ruleset_id=ruleset_id,
                                  lenient=lenient, max_skipped=max_skipped, what_would_change=False)
        assert prediction.location is not None
        write_draft(prediction, prediction.location, path)
        return prediction

    def timeline(
        self,
        events: Iterable[TimelineEvent],
        *,
        as_of: dt.date,
        region: str | None = None,
        allow_incomplete: bool = False,
    ) -> TimelineReport:
        """Deadlines started by ``events`` and their status as of ``as_of`` (region: the configuration's)."""
        from mipr_rules.timelines import DEFAULT_RULESET as TIMELINES
        from mipr_rules.timelines import run_timeline

        ruleset = self.ruleset(TIMELINES, as_of)
        return run_timeline(events, as_of=as_of, region=region or self.config.region, ruleset=ruleset,
                            overrides=self.overrides(ruleset), evaluator=self.evaluator,
                            allow_incomplete=allow_incomplete)

    def timeline_events(self, as_of: dt.date) -> Any:
        """The events the timeline ruleset in effect on ``as_of`` knows (with the overrides applied)."""
        from mipr_rules.timelines import DEFAULT_RULESET as TIMELINES
        from mipr_rules.timelines import known_events

        ruleset = self.ruleset(TIMELINES, as_of)
        return known_events(ruleset, self.overrides(ruleset))

    def eligibility(
        self,
        record: Mapping[str, Any],
        nomination: Nomination | None = None,
        *,
        as_of: dt.date,
        source: str = "CQC location",
        allow_incomplete: bool = False,
    ) -> EligibilityReport:
        """Whether a CQC location record (``GET /locations/{id}``) could be nominated for an improvement
        inspection as of ``as_of``."""
        from mipr_rules.eligibility import DEFAULT_RULESET as ELIGIBILITY
        from mipr_rules.eligibility import assess_eligibility

        ruleset = self.ruleset(ELIGIBILITY, as_of)
        return assess_eligibility(record, nomination, as_of=as_of, source=source, ruleset=ruleset,
                                  overrides=self.overrides(ruleset), evaluator=self.evaluator,
                                  allow_incomplete=allow_incomplete)

    def rate(self, scores: ScoresInput, *, as_of: dt.date, allow_incomplete: bool = False) -> RatingReport:
        """The rating that ``scores`` lead to under their framework's ruleset in effect on ``as_of``."""
        from mipr_rules.rating import rate

        catalogue = self.catalogue
        overrides = {r.id: self.overrides(r) for r in catalogue.rulesets if r.id in self.config.parameters}
        return rate(scores, as_of=as_of, overrides=overrides, evaluator=self.evaluator, catalogue=catalogue,
                    allow_incomplete=allow_incomplete)

    def review(self, path: Path | str, *, as_of: dt.date, ruleset_id: str | None = None,
               explain: bool = False) -> ReviewReport:
        """The MIPR pre-check of the mock-inspection report at ``path`` (Word, Markdown or YAML)."""
        from mipr_rules.mipr.review import DEFAULT_RULESET as MIPR
        from mipr_rules.mipr.review import review_file

        return review_file(path, as_of=as_of, ruleset_id=ruleset_id or MIPR, config=self.config,
                           evaluator=self.evaluator, catalogue=self.catalogue, explain=explain)

    def panel(self, record: PanelRecord, *, path: str, as_of: dt.date, ruleset_id: str | None = None,
              explain: bool = False, report_path: Path | None = None) -> PanelVerification:
        """The verified score of a panel record and whether the report may be published."""
        from mipr_rules.mipr.panel import DEFAULT_RULESET as PANEL
        from mipr_rules.mipr.panel import verify_record

        return verify_record(record, path=path, as_of=as_of, ruleset_id=ruleset_id or PANEL, config=self.config,
                             evaluator=self.evaluator, catalogue=self.catalogue, explain=explain,
                             report_path=report_path)

    def watcher(self, **options: Any) -> Any:
        """The continuous-alerts service (``mipr_rules.watch.service.WatchService``, what ``mipr watch`` runs) on
        this session's configuration; its options are those of ``mipr_rules.watch.service.watcher``."""
        from mipr_rules.watch.service import watcher

        return watcher(evaluator=self.evaluator, catalogue=self.catalogue, config=self.config, **options)

    def watch_service(
        self,
        *,
        source: str,
        store: str | Path = "alerts.db",
        adapter: str = "file",
        notify: Iterable[str] = (),
        ruleset_id: str | None = None,
        allow_http: bool = False,
        **options: Any,
    ) -> Any:
        """The continuous-alerts service over an installed adapter, this session's ruleset catalogue, engine and
        configuration, and a store URL (a SQLite file or ``postgresql://…``), for a vendor's own process.

        ``notify``: targets as ``mipr watch --notify`` takes them; ``allow_http``: webhook targets over plain
        http:// (as ``--allow-http``); other ``options`` are fields of the service (``interval``, ``clock``,
        ``as_of``, ``digest``, ``on_cycle``...). ``close()`` it: that closes its store and stops this session's
        engine workers (they restart if the session is used again).
        """
        import attrs

        from mipr_rules import plugins
        from mipr_rules.alerts.notify import configured
        from mipr_rules.watch.interfaces import AdapterSource, FullEvaluation
        from mipr_rules.watch.service import WatchService, escalation_targets, parse_targets
        from mipr_rules.watch.store import AlertStore

        found = configured(plugins.notifiers(self.pm), attrs.evolve(self.config.notify, allow_http=allow_http))
        targets = parse_targets(list(notify), found)
        escalation = escalation_targets(self.config, found)
        evaluation = FullEvaluation(self.evaluator, self.catalogue, self.config, ruleset_id or DEFAULT_RULESET)
        alert_store = AlertStore(store)
        used = {t.notifier for t in targets} | {t.notifier for _, _, t in escalation}
        return WatchService(
            AdapterSource(self.adapter(adapter), source, self.config),
            evaluation,
            alert_store,
            targets,
            {name: found[name] for name in used},
            escalation=escalation,
            **options,
        )

    def rule_tests(self) -> Runner:
        """A runner of rule-test files (``*.tests.yaml``) on this session's plugin manager and engine workers."""
        from mipr_rules.ruletest.given import PLUGIN_NAME, ensure_registered
        from mipr_rules.ruletest.runner import Runner

        if not self.pm.has_plugin(PLUGIN_NAME):
            ensure_registered(self.pm)  # the calculator of the test cases' given facts
            self.close()  # an evaluator made before knows only the calculators of then: the next one is made anew
        return Runner(self.evaluator, self.catalogue)

    # --- lifetime

    def close(self) -> None:
        """Stop the engine workers (the session can be used again: they restart on demand)."""
        if self._evaluator is not None and not self._borrowed:
            self._evaluator.close()
            self._evaluator = None

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
