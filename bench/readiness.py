"""Benchmark: CQC readiness over generated care homes, against a hand-written Python floor.

    python bench/readiness.py                      # 100, 1,000 and 10,000 homes; 1 and 2 workers
    python bench/readiness.py --quick              # 100 and 1,000 homes, 2 workers (under a minute)
    python bench/readiness.py --homes 10000 --workers 2

Every (homes, workers) case runs in a fresh Python process (so that peak RSS belongs to that case) and
measures, on the same homes, in the same run:

- floor-only: the hand-written rules (``bench/floor.py``) over precomputed fact dicts;
- engine-only: the same fact dicts through the supervised engine workers (``EnginePool``);
- floor end-to-end: fact calculation + hand-written rules + explained ``RuleHit``\\ s;
- engine end-to-end: ``Evaluator.run`` (what ``mipr readiness`` runs): facts, engine workers, hits.

It asserts that the floor and the engine give exactly the same alerts on every home (raw matches for
the "only" pair, whole ``RuleHit`` tuples for the end-to-end pair), samples the RSS of the parent and of
every worker while homes are evaluated one after another, and writes a table and
``bench/results/readiness-<time>.json``. Exit status 1 if any home's alerts differ.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
AS_OF = dt.date(2026, 11, 2)
TARGET_RATIO = 8.0
"""Engine-only time over the floor's at 10,000 homes, 1 worker (issue 15)."""
CHUNK = 1000
"""Homes per chunk in the component ("only") pass, so that its fact dicts stay bounded in memory."""


# --------------------------------------------------------------------------------------------------
# Process measurements (Linux /proc)


def _status(pid: int | str) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in kB; empty if it has gone."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    name, value = line.split(":", 1)
                    out[name] = int(value.split()[0])
    except OSError:
        pass
    return out


def _reset_peak(pid: int | str) -> None:
    """Reset a process's VmHWM to its current RSS (Linux >= 4.0), so that peaks are per phase."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process; 0 if it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def _slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of (homes, kB) points, in kB per 1,000 homes."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    if var == 0:
        return None
    return 1000 * sum((x - mx) * (y - my) for x, y in points) / var


# --------------------------------------------------------------------------------------------------
# Homes


def _varied(home: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Plant 1-4 further gaps (and near-misses at thresholds) so that every rule is exercised."""

    def ago(days: int) -> str:
        return (AS_OF - dt.timedelta(days=days)).isoformat()

    def stamp(days: int, hour: int) -> str:
        return f"{ago(days)}T{hour:02d}:00"

    people, staff = home["people"], home["staff"]

    def plan() -> dict[str, Any]:
        result: dict[str, Any] = rng.choice(people)["care_plans"][0]
        return result

    def member() -> dict[str, Any]:
        result: dict[str, Any] = rng.choice(staff)
        return result

    def never_reviewed() -> None:
        plan()["last_reviewed"] = None

    def needs_changed() -> None:
        p = plan()
        p["last_reviewed"] = ago(20)
        p["needs_changed"] = ago(rng.choice((7, 8, 12)))  # 7 days is the threshold: not yet late

    def inactive_plan() -> None:
        p = plan()
        p["active"] = False
        p["last_reviewed"] = ago(60)

    def review_boundary() -> None:
        plan()["last_reviewed"] = ago(rng.choice((28, 29)))

    def old_risk_assessment() -> None:
        rng.choice(people)["risk_assessments"][0]["last_reviewed"] = ago(rng.choice((28, 29, 60)))

    def old_supervision() -> None:
        for s in member()["supervisions"]:
            if s.get("kind", "supervision") == "supervision":
                s["held"] = ago(rng.choice((91, 92, 120)))

    def training_missing() -> None:
        m = member()
        m["training"] = m["training"][1:]

    def training_expiry() -> None:
        m = member()
        m["training"][rng.randrange(len(m["training"]))]["expires"] = ago(rng.choice((-31, -30, -10, 0, 1, 5)))

    def no_supervision() -> None:
        m = member()
        m["supervisions"] = [s for s in m["supervisions"] if s.get("kind") == "appraisal"]

    def no_appraisal() -> None:
        m = member()
        m["supervisions"] = [s for s in m["supervisions"] if s.get("kind") != "appraisal"]

    def appraisal_boundary() -> None:
        m = member()
        m["started"] = ago(rng.choice((364, 365)))
        m["supervisions"] = [s for s in m["supervisions"] if s.get("kind") != "appraisal"]

    def no_dbs() -> None:
        member()["dbs"] = None

    def old_dbs() -> None:
        m = member()
        m["dbs"] = {"issued": ago(rng.choice((1080, 1100, 1200))), "update_service": rng.random() < 0.3}

    def no_competency() -> None:
        m = member()
        m["administers_medication"] = True
        m["medication_competency_assessed"] = None if rng.random() < 0.5 else ago(400)

    def incident(category: str, **extra: Any) -> Callable[[], None]:
        def plant() -> None:
            n = len(home["incidents"])
            home["incidents"].append(
                {
                    "incident_id": f"INC-2{n:03d}",
                    "category": category,
                    "occurred": stamp(rng.choice((1, 2, 3)), 9),
                    **extra,
                }
            )

        return plant

    def late_notification() -> None:
        n = len(home["incidents"])
        home["incidents"].append(
            {
                "incident_id": f"INC-3{n:03d}",
                "category": rng.choice(("death", "serious_injury")),
                "occurred": stamp(10, 6),
                "cqc_notified": stamp(rng.choice((8, 9)), 7),
            }
        )

    def referred_safeguarding() -> None:
        home["safeguarding"].append(
            {
                "concern_id": "SG-0401",
                "raised": ago(6),
                "referral_not_required_reason": "Discussed with the LA duty desk",
            }
        )

    def late_complaint() -> None:
        home["complaints"].append(
            {"complaint_id": "CMP-0301", "received": ago(60), "acknowledged": ago(50), "responded": ago(10)}
        )

    def no_manager() -> None:
        home["registered_manager_id"] = None
        if rng.random() < 0.5:
            home["manager_recruitment_started"] = ago(40)

    def pir() -> None:
        home["pir_requested"] = ago(rng.choice((20, 29, 40)))

    def absence() -> None:
        home["manager_absences"] = [
            {"start": ago(-10), "expected_days": 30, "planned": True},
            {"start": ago(12), "expected_days": rng.choice((28, 40)), "planned": False},
        ]

    def condition() -> None:
        home["conditions"] = [
            {
                "description": "Accommodation for up to 44 people",
                "met": False,
                "reason": None if rng.random() < 0.7 else "Temporary variation applied for",
            }
        ]

    def feedback() -> None:
        kept = [f for f in home["feedback"] if f["source"] not in ("person", "relative")]
        if rng.random() < 0.5:
            kept.append({"received": ago(200), "source": "relative", "channel": "survey"})
        home["feedback"] = kept

    def audits() -> None:
        home["audits"] = [a for a in home["audits"] if a["kind"] != "medication"]
        for a in home["audits"]:
            if a["kind"] in ("care_plans", "health_and_safety"):
                a["completed"] = ago(400)

    def rating_display() -> None:
        home["rating_display"] = {"premises": None, "website": None, "has_website": rng.random() < 0.5}

    plants = [
        never_reviewed,
        needs_changed,
        inactive_plan,
        review_boundary,
        old_risk_assessment,
        training_missing,
        training_expiry,
        old_supervision,
        no_supervision,
        no_appraisal,
        appraisal_boundary,
        no_dbs,
        old_dbs,
        no_competency,
        incident("serious_injury"),
        incident("police_incident", reported_to_police=True),
        incident("fall", reported_to_police=True),
        incident("abuse_allegation", cqc_notified=stamp(0, 1)),
        late_notification,
        referred_safeguarding,
        late_complaint,
        no_manager,
        pir,
        absence,
        condition,
        feedback,
        audits,
        rating_display,
    ]
    for plant in rng.sample(plants, rng.randint(1, 4)):
        plant()
    return home


def records(location: Any) -> int:
    """Records in a home: the location, people, care plans, risk assessments, staff, DBS checks, training,
    supervisions, incidents, safeguarding concerns, complaints, audits, feedback, evidence, manager
    absences, registration conditions and the current rating."""
    return (
        1
        + len(location.people)
        + sum(len(p.care_plans) + len(p.risk_assessments) for p in location.people)
        + len(location.staff)
        + sum((m.dbs is not None) + len(m.training) + len(m.supervisions) for m in location.staff)
        + len(location.incidents)
        + len(location.safeguarding)
        + len(location.complaints)
        + len(location.audits)
        + len(location.feedback)
        + len(location.evidence)
        + len(location.manager_absences)
        + len(location.conditions)
        + (location.current_rating is not None)
    )


def templates(count: int) -> list[Any]:
    """``count`` distinct small homes: 3-5 residents, 2-4 staff; a third with the planted gaps of the
    sample home; half of them with 1-4 further gaps."""
    from mipr_rules.convert import structure
    from mipr_rules.model import Location
    from mipr_rules.samples.generate import generate_home

    out = []
    for i in range(count):
        rng = random.Random(i)
        home = generate_home(
            AS_OF,
            seed=i,
            residents=3 + i % 3,
            staff=2 + (i // 3) % 3,
            planted_gaps=i % 3 == 0,
            location_id=f"1-{i:09d}",
            name=f"Home {i}",
        )
        if rng.random() < 0.5:
            home = _varied(home, rng)
        out.append(structure(home, Location, f"template {i}"))
    return out


def rule_test_agreement(evaluator: Any) -> dict[str, Any]:
    """Engine and floor on the homes of ``rulesets/cqc-readiness.tests.yaml``: every rule's boundaries.

    The generated homes do not plant every gap the ruleset looks for; the ruleset's own test cases
    do (each rule on both sides of each threshold, with the cases' parameter overrides). Each inline
    case runs through ``Evaluator.run``; the floor explains the same facts; the hits must be equal.
    Returns the cases checked, the cases skipped (not inline), the rules that fired and the cases
    that differ (names).
    """
    from floor import Floor

    from mipr_rules.api import Session
    from mipr_rules.engine.evaluate import _rule_parameters
    from mipr_rules.model import Location
    from mipr_rules.ruletest.runner import Runner

    runner = Runner(evaluator, Session(evaluator=evaluator).catalogue)
    suite = runner.load(Path(__file__).resolve().parent.parent / "rulesets" / "cqc-readiness.tests.yaml")
    checked, skipped, rules = 0, 0, 0
    fired: set[str] = set()
    differ: list[str] = []
    for case in suite.cases:
        if case.subject is None:
            skipped += 1
            continue
        compiled = evaluator.compile(case.ruleset, case.overrides, Location)
        rules = len(case.ruleset.rules)
        params = compiled.parameters
        keys = {rule.id: key for key, rule in compiled.rule_by_key.items()}
        floor = Floor(case.ruleset, params, keys, functools.partial(_rule_parameters, params=params))
        (result,) = evaluator.run(compiled, [("case", case.subject)], case.as_of, case.region)
        facts = [{k: v for k, v in fact.items() if k != "id"} for fact in result.facts]  # as calculated
        wanted = floor.hits(facts, result.key, case.as_of)
        checked += 1
        fired.update(hit.rule_id for hit in result.hits)
        if result.error is not None or result.hits != wanted:
            differ.append(case.name)
    return {"checked": checked, "skipped": skipped, "rules": rules, "rules_fired": len(fired), "differ": differ}


def rule_test_line(agreement: Mapping[str, Any]) -> str:
    """One line saying how the engine and the floor compared on the ruleset's test cases."""
    differ = agreement["differ"]
    return (
        f"rule test cases: engine and floor {'equal' if not differ else 'DIFFER'} on "
        f"{agreement['checked'] - len(differ)} of {agreement['checked']} inline cases of "
        f"cqc-readiness.tests.yaml ({agreement['skipped']} not inline, skipped); {agreement['rules_fired']} of "
        f"{agreement['rules']} rules fire in them" + (f"; differ: {json.dumps(differ[:5])}" if differ else "")
    )


# --------------------------------------------------------------------------------------------------
# One case, in its own process


class Case:
    """Everything one (homes, workers) measurement needs."""

    def __init__(self, homes: int, workers: int, distinct: int) -> None:
        import attrs
        from floor import Floor

        from mipr_rules.engine import evaluate
        from mipr_rules.engine.evaluate import Evaluator
        from mipr_rules.facts.base import FactContext
        from mipr_rules.facts.location_facts import LocationFacts
        from mipr_rules.model import Location
        from mipr_rules.readiness import DEFAULT_RULESET
        from mipr_rules.ruleset.catalogue import Catalogue
        from mipr_rules.workdays import calendar

        self.n, self.workers = homes, workers
        self.evaluator = Evaluator(processes=workers)
        extra = sorted(
            name
            for name, calc in self.evaluator.calculators.items()
            if name != "location" and issubclass(Location, calc.subject_type)
        )
        if extra:
            raise SystemExit(
                f"other fact calculators measure locations ({', '.join(extra)}): the floor only "
                "knows the built-in one; run in a venv without those plugins"
            )
        ruleset = Catalogue.installed(self.evaluator.pm).get(DEFAULT_RULESET, AS_OF)
        self.compiled = self.evaluator.compile(ruleset, None, Location)
        params = self.compiled.parameters
        keys = {rule.id: key for key, rule in self.compiled.rule_by_key.items()}
        self.floor = Floor(ruleset, params, keys, lambda rule: evaluate._rule_parameters(rule, params))
        self.calculator = LocationFacts()
        self.context = FactContext(as_of=AS_OF, parameters=params, calendar=calendar())
        started = time.perf_counter()
        self.templates = templates(min(homes, distinct))
        self.input_s = time.perf_counter() - started
        self.records = [records(t) for t in self.templates]
        self._evolve = attrs.evolve

    def homes(self, count: int | None = None, prefix: str = "1-") -> Iterator[Any]:
        """The homes, one after another: template ``i % distinct`` under its own location id."""
        for i in range(self.n if count is None else count):
            yield self._home(i, prefix)

    def worker_pids(self) -> list[int]:
        return [int(pid) for pid in self.evaluator.pool.pids()]

    def cpu(self) -> tuple[float, float]:
        """(parent CPU s, workers CPU s) so far."""
        return time.process_time(), sum(_cpu(pid) for pid in self.worker_pids())

    def run(self) -> dict[str, Any]:
        from mipr_rules.engine.ids import fact_ids
        from mipr_rules.engine.wire import WireFormat
        from mipr_rules.engine.worker import Job

        rss_after_input = _status("self").get("VmRSS", 0)
        # Warm up: spawn the workers and load the ruleset in each (not timed).
        list(self.evaluator.run(self.compiled, ((h.location_id, h) for h in self.homes(64, "warm-")), AS_OF))
        out: dict[str, Any] = {
            "homes": self.n,
            "workers": self.workers,
            "distinct_homes": len(self.templates),
            "input_s": self.input_s,
        }
        n_records = sum(self.records[i % len(self.records)] for i in range(self.n))
        out["records"] = n_records
        out["records_per_home"] = n_records / self.n
        # Counts, and the first few examples only: recording differences must not itself take memory in
        # proportion to the homes (it would show as growth in the memory samples).
        mismatches: list[dict[str, Any]] = []
        duplicates: list[dict[str, Any]] = []
        """Homes where the engine reported an alert more than once and is otherwise equal to the floor."""
        counts: Counter[str] = Counter()

        def record(kind: str, examples: list[dict[str, Any]]) -> bool:
            """Count one home of ``kind``; True if it should also be kept as an example."""
            counts[kind] += 1
            return len(examples) < 5

        # --- Pass 1: components, on the same precomputed fact dicts, chunk by chunk -------------------
        t_facts = t_ids = t_floor = t_engine = 0.0
        cpu_engine = cpu_floor = 0.0
        n_facts = n_matches = 0
        homes = self.homes()
        pool, floor, calc, ctx = self.evaluator.pool, self.floor, self.calculator, self.context
        name, definition = self.compiled.name, self.compiled.definition_json
        wire = WireFormat(definition)
        while True:
            chunk = [h for _, h in zip(range(CHUNK), homes, strict=False)]
            if not chunk:
                break
            t0 = time.perf_counter()
            facts = [list(calc.calculate(h, ctx)) for h in chunk]
            t1 = time.perf_counter()
            for home_facts in facts:
                for fid, fact in zip(fact_ids(len(home_facts)), home_facts, strict=True):
                    fact["id"] = fid
            t2 = time.perf_counter()
            f0 = time.process_time()
            floor_matches = [floor.matches(f) for f in facts]
            f1 = time.process_time()
            t3 = time.perf_counter()
            p0, w0 = self.cpu()
            # As Evaluator.run builds them: each job's wire (checks, tested facts and fields, JSON) in the parent.
            jobs = [
                Job(h.location_id, name, definition, [], wire.encode(f"b{h.location_id}", f))
                for h, f in zip(chunk, facts, strict=True)
            ]
            engine_matches = {r.key: r for r in pool.run(jobs)}
            t4 = time.perf_counter()
            p1, w1 = self.cpu()
            t_facts += t1 - t0
            t_ids += t2 - t1
            t_floor += t3 - t2
            t_engine += t4 - t3
            cpu_engine += (p1 - p0) + (w1 - w0)
            cpu_floor += f1 - f0
            for home, home_facts, expected in zip(chunk, facts, floor_matches, strict=True):
                n_facts += len(home_facts)
                n_matches += len(expected)
                result = engine_matches[home.location_id]
                if result.error is None and sorted(result.matches) == sorted(expected):
                    continue
                # A fact that satisfies two ``any`` alternatives matches once per alternative in the raw output;
                # Evaluator.run reports the alert once. Counted (``duplicate_homes.only``), not a difference.
                if result.error is None and sorted(dict.fromkeys(result.matches)) == sorted(expected):
                    if record("duplicate only", duplicates):
                        duplicates.append(
                            {
                                "pass": "only",
                                "home": home.location_id,
                                "repeated": [
                                    (self.compiled.rule_by_key[rule].id, fid)
                                    for (rule, fid), count in Counter(result.matches).items()
                                    if count > 1
                                ],
                            }
                        )
                    continue
                if record("mismatch", mismatches):
                    mismatches.append(
                        {
                            "pass": "only",
                            "home": home.location_id,
                            "error": str(result.error or ""),
                            "engine_only": sorted(set(result.matches) - set(expected)),
                            "floor_only": sorted(set(expected) - set(result.matches)),
                        }
                    )
            # Drop this chunk before the next one is built (and its cyclic garbage), outside the timings.
            del chunk, facts, floor_matches, jobs, engine_matches
            gc.collect()
        out["facts"] = n_facts
        out["facts_per_home"] = n_facts / self.n
        out["matches"] = n_matches
        out["only"] = {
            "facts_s": t_facts,
            "fact_ids_s": t_ids,
            "floor_s": t_floor,
            "floor_cpu_s": cpu_floor,
            "engine_s": t_engine,
            "engine_cpu_s": cpu_engine,
        }
        rss_after_only = _status("self").get("VmRSS", 0)
        print(f"  [{self.n} homes, {self.workers} worker(s)] components done", file=sys.stderr, flush=True)

        # --- Pass 2: the floor end to end --------------------------------------------------------------
        digests: list[bytes] = []
        t_digest = cpu_digest = 0.0
        n_alerts = 0
        by_rule: Counter[str] = Counter()
        c0 = time.process_time()
        t0 = time.perf_counter()
        for home in self.homes():
            hits = floor.hits(calc.calculate(home, ctx), home.location_id, AS_OF)
            d0, dc0 = time.perf_counter(), time.process_time()
            n_alerts += len(hits)
            by_rule.update(h.rule_id for h in hits)
            digests.append(hashlib.blake2b(repr(hits).encode(), digest_size=16).digest())
            t_digest += time.perf_counter() - d0
            cpu_digest += time.process_time() - dc0
        floor_e2e = time.perf_counter() - t0 - t_digest
        floor_e2e_cpu = time.process_time() - c0 - cpu_digest  # CPU minus CPU (not minus wall time)
        out["alerts"] = n_alerts
        out["alerts_by_rule"] = {rule.id: by_rule[rule.id] for rule in self.compiled.rule_by_key.values()}
        rss_after_floor = _status("self").get("VmRSS", 0)
        print(f"  [{self.n} homes, {self.workers} worker(s)] floor end to end done", file=sys.stderr, flush=True)

        # --- Pass 3: the engine end to end, sampling memory -------------------------------------------
        every = 1000 if self.n >= 2000 else max(1, self.n // 10)
        samples: list[dict[str, Any]] = []
        overhead = overhead_cpu = 0.0
        gc.collect()
        _reset_peak("self")
        for pid in self.worker_pids():
            _reset_peak(pid)
        rss_before = _status("self").get("VmRSS", 0)
        workers_before = {pid: _status(pid).get("VmRSS", 0) for pid in self.worker_pids()}
        first_result = None
        p0, w0 = self.cpu()
        t0 = time.perf_counter()
        subjects = ((h.location_id, h) for h in self.homes())
        for index, evaluation in enumerate(self.evaluator.run(self.compiled, subjects, AS_OF)):
            d0, dc0 = time.perf_counter(), time.process_time()
            if first_result is None:
                first_result = d0 - t0
            if evaluation.error is not None or (
                hashlib.blake2b(repr(evaluation.hits).encode(), digest_size=16).digest() != digests[index]
            ):
                wanted = floor.hits(calc.calculate(self._home(index), ctx), evaluation.key, AS_OF)
                distinct = tuple({repr(h): h for h in evaluation.hits}.values())
                got = [(h.rule_id, h.subject) for h in evaluation.hits]
                if evaluation.error is None and distinct == wanted:
                    if record("duplicate end-to-end", duplicates):
                        duplicates.append(
                            {
                                "pass": "end-to-end",
                                "home": evaluation.key,
                                "repeated": [key for key, count in Counter(got).items() if count > 1],
                            }
                        )
                else:
                    want = {(h.rule_id, h.subject) for h in wanted}
                    if record("mismatch", mismatches):
                        mismatches.append(
                            {
                                "pass": "end-to-end",
                                "home": evaluation.key,
                                "error": str(evaluation.error or ""),
                                "engine_only": sorted(set(got) - want),
                                "floor_only": sorted(want - set(got)),
                                "same_keys_other_fields_differ": set(got) == want,
                            }
                        )
            done = index + 1
            if done % every == 0 or done in (1000, 5000, 10000) or done == self.n:
                samples.append(
                    {
                        "homes": done,
                        "parent_kb": _status("self").get("VmRSS", 0),
                        "workers_kb": {str(pid): _status(pid).get("VmRSS", 0) for pid in self.worker_pids()},
                    }
                )
            overhead += time.perf_counter() - d0
            overhead_cpu += time.process_time() - dc0
        engine_e2e = time.perf_counter() - t0 - overhead
        p1, w1 = self.cpu()
        engine_e2e_cpu = (p1 - p0 - overhead_cpu) + (w1 - w0)
        peak_parent = _status("self").get("VmHWM", 0)
        peak_workers = {str(pid): _status(pid).get("VmHWM", 0) for pid in self.worker_pids()}
        print(f"  [{self.n} homes, {self.workers} worker(s)] engine end to end done", file=sys.stderr, flush=True)

        out["end_to_end"] = {
            "engine_s": engine_e2e,
            "engine_cpu_s": engine_e2e_cpu,
            "engine_parent_cpu_s": p1 - p0 - overhead_cpu,
            "engine_workers_cpu_s": w1 - w0,
            "floor_s": floor_e2e,
            "floor_cpu_s": floor_e2e_cpu,
            "first_result_s": first_result,
        }
        out["memory"] = {
            "parent_rss_after_input_kb": rss_after_input,
            "parent_rss_after_only_pass_kb": rss_after_only,
            "parent_rss_after_floor_pass_kb": rss_after_floor,
            "parent_rss_before_kb": rss_before,
            "parent_peak_kb": peak_parent,
            "workers_rss_before_kb": {str(k): v for k, v in workers_before.items()},
            "workers_peak_kb": peak_workers,
            "samples": samples,
            "parent_slope_kb_per_1k_homes": _slope([(s["homes"], s["parent_kb"]) for s in samples]),
            "workers_slope_kb_per_1k_homes": {
                pid: _slope([(s["homes"], s["workers_kb"][pid]) for s in samples if pid in s["workers_kb"]])
                for pid in peak_workers
            },
        }
        out["crashes"] = self.evaluator.pool.crashes
        out["mismatches"] = counts["mismatch"]
        out["mismatch_examples"] = mismatches
        out["duplicate_homes"] = {p: counts[f"duplicate {p}"] for p in ("only", "end-to-end")}
        out["duplicate_examples"] = duplicates
        out["load_average"] = os.getloadavg()
        self.evaluator.close()
        return out

    def _home(self, index: int, prefix: str = "1-") -> Any:
        return self._evolve(
            self.templates[index % len(self.templates)], location_id=f"{prefix}{index:09d}", name=f"Home {index}"
        )


def run_case(homes: int, workers: int, distinct: int, out_path: str) -> None:
    result = Case(homes, workers, distinct).run()
    Path(out_path).write_text(json.dumps(result, indent=1))


# --------------------------------------------------------------------------------------------------
# Orchestration and report


def best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One case from repeated runs: each pass (``only``, ``end_to_end``) is the one of the run whose engine
    was fastest in it, engine and floor times together, so that a ratio pairs times of the same run; the
    rest is the first run's; mismatches and duplicates are the most of any run, so that a difference in any
    run shows."""
    case: dict[str, Any] = json.loads(json.dumps(runs[0]))
    for section in ("only", "end_to_end"):
        case[section] = dict(min((run[section] for run in runs), key=lambda part: part["engine_s"]))
    case["runs"] = len(runs)
    case["mismatches"] = max(run["mismatches"] for run in runs)
    case["duplicate_homes"] = {k: max(run["duplicate_homes"][k] for run in runs) for k in case["duplicate_homes"]}
    case["engine_s_per_run"] = [run["end_to_end"]["engine_s"] for run in runs]
    return case


def derive(case: dict[str, Any]) -> dict[str, Any]:
    """Rates and ratios of one case."""
    only, e2e = case["only"], case["end_to_end"]
    floor_only = only["floor_s"]
    floor_e2e = e2e["floor_s"]
    worker_slopes = [s for s in case["memory"]["workers_slope_kb_per_1k_homes"].values() if s is not None]
    return {
        "engine_records_per_s": case["records"] / e2e["engine_s"],
        "floor_records_per_s": case["records"] / floor_e2e,
        "engine_facts_per_s_only": case["facts"] / only["engine_s"],
        "ratio_only": only["engine_s"] / floor_only,
        "ratio_only_cpu": only["engine_cpu_s"] / only["floor_cpu_s"] if only.get("floor_cpu_s") else None,
        "ratio_only_incl_ids": (only["engine_s"] + only["fact_ids_s"]) / floor_only,
        "ratio_end_to_end": e2e["engine_s"] / floor_e2e,
        "ratio_end_to_end_cpu": e2e["engine_cpu_s"] / e2e["floor_cpu_s"],
        "parent_peak_mb": case["memory"]["parent_peak_kb"] / 1024,
        "parent_growth_mb": (case["memory"]["parent_peak_kb"] - case["memory"]["parent_rss_before_kb"]) / 1024,
        "worker_peak_mb": max(case["memory"]["workers_peak_kb"].values(), default=0) / 1024,
        "parent_slope_kb_per_1k": case["memory"]["parent_slope_kb_per_1k_homes"],
        "worker_slope_kb_per_1k": max(worker_slopes, key=abs) if worker_slopes else None,
    }


def _fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _equal(case: dict[str, Any]) -> str:
    if case["mismatches"]:
        return f"NO ({case['mismatches']})"
    duplicated = case["duplicate_homes"]["end-to-end"]
    return f"dup ({duplicated})" if duplicated else "yes"


def table(cases: list[dict[str, Any]]) -> str:
    rows = [
        (
            "homes",
            "wk",
            "rec/home",
            "facts/home",
            "alerts",
            "equal",
            "engine e2e s",
            "rec/s",
            "floor e2e s",
            "floor rec/s",
            "e2e x",
            "e2e x cpu",
            "engine-only s",
            "floor-only s",
            "only x",
            "only x cpu",
            "facts s",
            "parent peak MB",
            "of which e2e MB",
            "worker peak MB",
            "parent kB/1k",
            "worker kB/1k",
        )
    ]
    for c in cases:
        d = c["derived"]
        rows.append(
            (
                f"{c['homes']:,}",
                str(c["workers"]),
                f"{c['records_per_home']:.1f}",
                f"{c['facts_per_home']:.1f}",
                f"{c['alerts']:,}",
                _equal(c),
                f"{c['end_to_end']['engine_s']:.2f}",
                f"{d['engine_records_per_s']:,.0f}",
                f"{c['end_to_end']['floor_s']:.2f}",
                f"{d['floor_records_per_s']:,.0f}",
                f"{d['ratio_end_to_end']:.1f}",
                f"{d['ratio_end_to_end_cpu']:.1f}",
                f"{c['only']['engine_s']:.2f}",
                f"{c['only']['floor_s']:.3f}",
                f"{d['ratio_only']:.1f}",
                _fmt(d["ratio_only_cpu"], ".1f"),
                f"{c['only']['facts_s']:.2f}",
                f"{d['parent_peak_mb']:.0f}",
                f"{d['parent_growth_mb']:.1f}",
                f"{d['worker_peak_mb']:.0f}",
                _fmt(d["parent_slope_kb_per_1k"], ",.0f"),
                _fmt(d["worker_slope_kb_per_1k"], ",.0f"),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--homes", default="100,1000,10000", help="comma-separated home counts")
    parser.add_argument("--workers", default="1,2", help="comma-separated engine worker counts")
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 homes with 2 workers")
    parser.add_argument(
        "--distinct",
        type=int,
        default=1000,
        help="distinct generated homes, cycled under new location ids (default 1000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every case this many times and keep the best time of each measurement",
    )
    parser.add_argument("--out", help="JSON result file (default bench/results/readiness-<time>.json)")
    parser.add_argument("--case", nargs=3, metavar=("HOMES", "WORKERS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.case:
        run_case(int(args.case[0]), int(args.case[1]), args.distinct, args.case[2])
        return 0

    homes = [100, 1000] if args.quick else [int(h) for h in args.homes.split(",")]
    workers = [2] if args.quick else [int(w) for w in args.workers.split(",")]
    # The generated homes leave most rules silent; the ruleset's test cases make every rule fire.
    from mipr_rules.engine.evaluate import Evaluator

    checker = Evaluator(processes=1)
    try:
        agreement = rule_test_agreement(checker)
    finally:
        checker.close()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_path = Path(args.out) if args.out else RESULTS / f"readiness-{stamp}.json"
    cases = []
    started = time.perf_counter()
    for n in homes:
        for w in workers:
            runs = []
            for attempt in range(args.repeat):
                part = RESULTS / f".case-{stamp}-{n}-{w}-{attempt}.json"
                print(
                    f"case: {n:,} homes, {w} worker(s)"
                    + (f", run {attempt + 1} of {args.repeat}" if args.repeat > 1 else ""),
                    file=sys.stderr,
                    flush=True,
                )
                subprocess.run(
                    [
                        sys.executable,
                        str(Path(__file__).resolve()),
                        "--distinct",
                        str(args.distinct),
                        "--case",
                        str(n),
                        str(w),
                        str(part),
                    ],
                    check=True,
                )
                runs.append(json.loads(part.read_text()))
                part.unlink()
            case = best_of(runs)
            case["derived"] = derive(case)
            cases.append(case)
    import platform

    report: dict[str, Any] = {
        "benchmark": "readiness",
        "as_of": AS_OF.isoformat(),
        "python": platform.python_version(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "target_ratio": TARGET_RATIO,
        "wall_s": time.perf_counter() - started,
        "cases": cases,
        "rule_tests": agreement,
    }
    print(table(cases))
    for w in workers:
        # Growth of the parent during the end-to-end pass (peak - RSS before it), against the homes evaluated:
        # what a slope taken between samples cannot see (memory taken before the first result comes back).
        sized = [c for c in cases if c["workers"] == w]
        if len(sized) > 1:
            growth = _slope(
                [(c["homes"], c["memory"]["parent_peak_kb"] - c["memory"]["parent_rss_before_kb"]) for c in sized]
            )
            worker = _slope([(c["homes"], max(c["memory"]["workers_peak_kb"].values(), default=0)) for c in sized])
            print(
                f"across cases, {w} worker(s): parent growth during the end-to-end pass {_fmt(growth, ',.0f')} kB "
                f"per 1,000 homes; worker peak {_fmt(worker, ',.0f')} kB per 1,000 homes"
            )
            report["across_cases_kb_per_1k_homes"] = report.get("across_cases_kb_per_1k_homes", {}) | {
                str(w): {"parent_growth": growth, "worker_peak": worker}
            }
    out_path.write_text(json.dumps(report, indent=1))
    print(
        f"\nratios: engine time / floor time on the same homes in the same run ('x cpu': parent + worker CPU "
        f"seconds / the floor's CPU seconds); target: engine-only <= {TARGET_RATIO:g}x at 10,000 homes, 1 worker"
    )
    print(rule_test_line(agreement))
    print(f"results: {out_path}  ({report['wall_s']:.0f} s)")
    bad = bool(agreement["differ"])
    for c in cases:
        where = f"({c['homes']:,} homes, {c['workers']} worker(s))"
        if c["mismatches"]:
            bad = True
            print(
                f"ALERTS DIFFER on {c['mismatches']} home(s) {where}: {json.dumps(c['mismatch_examples'][:2])}",
                file=sys.stderr,
            )
        if c["duplicate_homes"]["end-to-end"]:
            bad = True
            print(
                f"THE ENGINE REPORTED AN ALERT TWICE on {c['duplicate_homes']['end-to-end']} home(s) {where} "
                f"(otherwise equal to the floor): {json.dumps(c['duplicate_examples'][:2])}",
                file=sys.stderr,
            )
        elif c["duplicate_homes"]["only"]:
            print(
                f"note: the engine's raw matches repeat a (rule, fact) pair on {c['duplicate_homes']['only']} "
                f"home(s) {where} (a fact that satisfies two 'any' alternatives); Evaluator.run reports each "
                "alert once, as the floor does",
                file=sys.stderr,
            )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
