"""``durable_core.Core`` against the real durable-rules engine, one test per hazard of
durable-rules-limits.md.

Only what must hold on every run: the guards work. Hazards the engine reports as catchable errors run in
this process; traffic that would kill a process without a guard (C1, C3, a rule that re-fires forever) runs
in a supervised worker, so that a regression fails a test as an ``EngineCrash`` or a timeout instead of
killing pytest. Compile-time guards (joins, rule counts, branches, regexes, loose equality, aliases,
mutation) are tested in ``test_compile.py``.

That the bare engine still crashes or misbehaves without a guard is evidence about durable-rules, not about
this project, and a crash from heap corruption does not happen on every run: ``bench/durable_evidence.py``
reproduces each hazard on demand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import textwrap
import threading
import warnings
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from mipr_rules.engine import durable_core
from mipr_rules.engine.compile import CompiledRuleset, compile_ruleset
from mipr_rules.engine.durable_core import BATCH, MAX_ID_BYTES, MAX_PROPERTIES, MAX_VALUE_BYTES, Core
from mipr_rules.engine.ids import fact_ids, fnv1a_32
from mipr_rules.engine.worker import EnginePool, Job
from mipr_rules.errors import EngineError
from mipr_rules.ruleset.schema import Ruleset


@pytest.fixture(scope="module")
def core() -> Core:
    """An in-process core (only for hazards the engine reports as catchable errors)."""
    return Core()


def _raw(rules: dict[str, dict[str, Any]]) -> str:
    """A durable-rules definition written by hand (bypassing the compiler, to reach the engine's limits)."""
    return json.dumps({key: {"all": [{"m": expr}]} for key, expr in rules.items()})


def _load(core: Core, definition_json: str) -> str:
    name = "t#" + hashlib.sha256(definition_json.encode()).hexdigest()[:16]
    core.load(name, definition_json)
    return name


def _load_compiled(core: Core, compiled: CompiledRuleset) -> str:
    core.load(compiled.name, compiled.definition_json)
    return compiled.name


GT_ZERO = [{"id": "overdue", "fact": "plan", "when": [{"days": {"gt": 0}}]}]


# --- C1: deleting a session that only saw unmatched facts -------------------------------------------------


def test_c1_sessions_whose_facts_match_no_rule_are_deleted_without_crashing(cqc_ruleset: Ruleset) -> None:
    compiled = compile_ruleset(cqc_ruleset)
    unmatched: list[list[dict[str, Any]]] = [
        [{"id": "f0", "type": "no_such_type", "subject": "x"}],
        [{"id": "f0", "type": "staff", "subject": "staff:S01", "days_since_supervision": 3}],
        [],
    ]
    jobs = [
        Job(f"home-{i}-{n}", compiled.name, compiled.definition_json, facts)
        for i in range(10)
        for n, facts in enumerate(unmatched)
    ]
    with EnginePool(1, timeout=60) as pool:
        results = list(pool.run(jobs))
    assert {r.key: r.error for r in results} == {job.key: None for job in jobs}
    assert all(r.matches == [] for r in results)
    assert pool.crashes == 0


# --- C2: ids long enough to overflow the C stack ----------------------------------------------------------


@pytest.mark.parametrize(
    "sid",
    ["s" * (MAX_ID_BYTES + 1), "é" * (MAX_ID_BYTES // 2 + 1), "x" * 2_000_000],
    ids=["257-bytes", "258-bytes-utf8", "2-MB"],
)
def test_c2_overlong_session_id_is_refused(
    core: Core, compiled_rules: Callable[..., CompiledRuleset], sid: str
) -> None:
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    with pytest.raises(EngineError, match=f"session id is longer than {MAX_ID_BYTES} bytes"):
        core.evaluate(name, sid, [{"id": "f0", "type": "plan", "days": 3}])


@pytest.mark.parametrize(
    "fid",
    ["f" * (MAX_ID_BYTES + 1), "é" * (MAX_ID_BYTES // 2 + 1), "x" * 10_000_000],
    ids=["257-bytes", "258-bytes-utf8", "10-MB"],
)
def test_c2_overlong_fact_id_is_refused(
    core: Core, compiled_rules: Callable[..., CompiledRuleset], fid: str
) -> None:
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    with pytest.raises(EngineError, match=f"fact id is longer than {MAX_ID_BYTES} bytes"):
        core.evaluate(name, "s1", [{"id": fid, "type": "plan", "days": 3}])


@pytest.mark.parametrize("fid", ["", None, 7])
def test_missing_or_non_text_fact_id_is_refused(
    core: Core, compiled_rules: Callable[..., CompiledRuleset], fid: Any
) -> None:
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    with pytest.raises(EngineError, match="fact id must be a non-empty string"):
        core.evaluate(name, "s1", [{"id": fid, "type": "plan", "days": 3}])


def test_c2_ids_at_the_bound_still_work(core: Core, compiled_rules: Callable[..., CompiledRuleset]) -> None:
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    sid, fid = "s" * MAX_ID_BYTES, "f" * MAX_ID_BYTES
    assert core.evaluate(name, sid, [{"id": fid, "type": "plan", "days": 3}]) == [("r0", fid)]


# --- C3: more than 1,024 live sessions --------------------------------------------------------------------


@pytest.mark.slow
def test_c3_thousands_of_sequential_sessions_do_not_exhaust_the_session_limit(
    compiled_rules: Callable[..., CompiledRuleset],
) -> None:
    compiled = compiled_rules(GT_ZERO)
    jobs = [
        Job(
            f"home-{i}",
            compiled.name,
            compiled.definition_json,
            [{"id": "f0", "type": "plan", "days": i % 3}],
        )
        for i in range(3000)
    ]
    with EnginePool(1, timeout=60) as pool:
        results = list(pool.run(jobs))
    assert [r.error for r in results if r.error] == []
    assert sum(len(r.matches) for r in results) == 2000  # days 1 and 2 are overdue, days 0 is not
    assert pool.crashes == 0


# --- error 303: 64 matched rules per fact ---------------------------------------------------------------


def test_64_rules_matching_one_fact_all_fire(
    core: Core, compiled_rules: Callable[..., CompiledRuleset]
) -> None:
    rules = [{"id": f"r{i:02d}", "fact": "plan", "when": [{"days": {"gt": i - 100}}]} for i in range(64)]
    compiled = compiled_rules(rules)
    matches = core.evaluate(_load_compiled(core, compiled), "s1", [{"id": "f0", "type": "plan", "days": 1}])
    assert sorted(compiled.rule_by_key[key].id for key, _ in matches) == [r["id"] for r in rules]


def test_error_303_beyond_64_matches_is_an_engine_error(core: Core) -> None:
    """What the compile-time branch limit prevents: the engine refuses a fact matching 65 rules."""
    definition = _raw({f"r{i}": {"$and": [{"type": "plan"}, {"$gt": {"days": i - 100}}]} for i in range(65)})
    with pytest.raises(EngineError, match="303"):
        core.evaluate(_load(core, definition), "s1", [{"id": "f0", "type": "plan", "days": 1}])


# --- absence-only rules re-fire forever -------------------------------------------------------------------


def test_an_absence_rule_fires_once_per_fact_without_it(
    compiled_rules: Callable[..., CompiledRuleset],
) -> None:
    compiled = compiled_rules(
        [{"id": "never_reviewed", "fact": "plan", "when": [{"reviewed": {"exists": False}}]}]
    )
    facts = [
        {"id": "f0", "type": "plan"},
        {"id": "f1", "type": "plan", "reviewed": "2026-10-01"},
        {"id": "f2", "type": "other"},
        {"id": "f3", "type": "plan"},
    ]
    with EnginePool(1, timeout=30) as pool:  # a rule that re-fired forever would show as a hang here
        (result,) = pool.run([Job("home", compiled.name, compiled.definition_json, facts)])
    assert result.error is None
    assert sorted(result.matches) == [("r0", "f0"), ("r0", "f3")]


# --- errors 302 and 314: properties and value sizes --------------------------------------------------------


def test_302_a_fact_with_too_many_properties_is_refused(
    core: Core, compiled_rules: Callable[..., CompiledRuleset]
) -> None:
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    fact = {"id": "f0", "type": "plan", "days": 1, **{f"p{i}": i for i in range(MAX_PROPERTIES)}}
    with pytest.raises(EngineError, match=f"more than {MAX_PROPERTIES}"):
        core.evaluate(name, "s1", [fact])


def test_a_fact_at_the_property_bound_runs_in_the_engine(
    core: Core, compiled_rules: Callable[..., CompiledRuleset]
) -> None:
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    fact = {"id": "f0", "type": "plan", "days": 1, **{f"p{i}": i for i in range(MAX_PROPERTIES - 3)}}
    assert len(fact) == MAX_PROPERTIES
    assert core.evaluate(name, "s1", [fact]) == [("r0", "f0")]


def test_314_an_oversized_text_value_is_refused(
    core: Core, compiled_rules: Callable[..., CompiledRuleset]
) -> None:
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    with pytest.raises(EngineError, match="field note is longer than"):
        core.evaluate(
            name, "s1", [{"id": "f0", "type": "plan", "days": 1, "note": "n" * (MAX_VALUE_BYTES + 1)}]
        )


def test_a_text_value_at_the_bound_runs_in_the_engine(
    core: Core, compiled_rules: Callable[..., CompiledRuleset]
) -> None:
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    fact = {"id": "f0", "type": "plan", "days": 1, "note": "n" * MAX_VALUE_BYTES}
    assert core.evaluate(name, "s1", [fact]) == [("r0", "f0")]


# --- values that are not JSON scalars ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 11, 2), "is a date, expected a JSON scalar"),
        (dt.datetime(2026, 11, 2, 9, 30), "is a datetime, expected a JSON scalar"),
        (Decimal("12.5"), "is a Decimal, expected a JSON scalar"),
        ({"x"}, "is a set, expected a JSON scalar"),
        (b"bytes", "is a bytes, expected a JSON scalar"),
        ([1, 2], "is a list, expected a JSON scalar"),
        ({"nested": 1}, "is a dict, expected a JSON scalar"),
        (float("nan"), "is not a finite number"),
        (float("inf"), "is not a finite number"),
        (float("-inf"), "is not a finite number"),
        ("text \ud800 with a lone surrogate", "holds invalid text"),
        (None, "is null"),
    ],
    ids=[
        "date",
        "datetime",
        "Decimal",
        "set",
        "bytes",
        "list",
        "dict",
        "NaN",
        "Infinity",
        "-Infinity",
        "lone-surrogate",
        "null",
    ],
)
def test_values_the_engine_cannot_take_are_refused_by_name_not_value(
    core: Core, compiled_rules: Callable[..., CompiledRuleset], value: Any, expected: str
) -> None:
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    with pytest.raises(EngineError) as info:
        core.evaluate(name, "s1", [{"id": "f0", "type": "plan", "days": 1, "secret": value}])
    message = str(info.value)
    assert f"field secret {expected}" in message
    assert "12.5" not in message and "2026" not in message and "bytes'" not in message


def test_text_numbers_and_booleans_are_accepted(
    core: Core, compiled_rules: Callable[..., CompiledRuleset]
) -> None:
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    fact = {"id": "f0", "type": "plan", "days": 1, "ratio": 0.5, "active": True, "who": "staff:S01"}
    assert core.evaluate(name, "s1", [fact]) == [("r0", "f0")]


# --- facts, not events ----------------------------------------------------------------------------------


def test_every_violated_rule_fires_on_one_fact(
    core: Core, compiled_rules: Callable[..., CompiledRuleset]
) -> None:
    compiled = compiled_rules(
        [
            {"id": "overdue", "fact": "plan", "when": [{"days": {"gt": 28}}]},
            {"id": "very_overdue", "fact": "plan", "when": [{"days": {"gt": 60}}]},
            {"id": "unsigned", "fact": "plan", "when": [{"signed": False}]},
            {"id": "fresh", "fact": "plan", "when": [{"days": {"lt": 7}}]},
        ]
    )
    facts = [
        {"id": "f0", "type": "plan", "days": 90, "signed": False},
        {"id": "f1", "type": "plan", "days": 40, "signed": True},
    ]
    matches = core.evaluate(_load_compiled(core, compiled), "s1", facts)
    fired = sorted((compiled.rule_by_key[key].id, fid) for key, fid in matches)
    assert fired == [("overdue", "f0"), ("overdue", "f1"), ("unsigned", "f0"), ("very_overdue", "f0")]


# --- assert_facts with facts that match nothing ---------------------------------------------------------


def test_matches_are_reported_when_other_facts_match_nothing(
    core: Core, compiled_rules: Callable[..., CompiledRuleset]
) -> None:
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    count = 2 * BATCH + 201  # several batches, each with matching and unmatched facts
    ids = fact_ids(count)
    facts = [
        {"id": fid, "type": "plan" if n % 3 else "other", "days": 1 if n % 7 == 0 else 0}
        for n, fid in enumerate(ids)
    ]
    expected = sorted(fid for n, fid in enumerate(ids) if n % 3 and n % 7 == 0)
    matches = core.evaluate(name, "s1", facts)
    assert sorted(fid for _, fid in matches) == expected
    assert {key for key, _ in matches} == {"r0"}


# --- 32-bit FNV-1a identities ---------------------------------------------------------------------------


def test_the_known_pair_collides() -> None:
    assert fnv1a_32("L0872068") == fnv1a_32("L1174626")


def test_our_hash_is_the_engines_hash() -> None:
    """Two facts whose ids collide in ``fnv1a_32`` are taken as one by the bare engine: only one fires."""
    import durable_rules_engine as bare

    handle = bare.create_ruleset("fnv-witness", _raw({"r0": {"type": "plan"}}))
    facts = [{"sid": "s", "id": "L0872068", "type": "plan"}, {"sid": "s", "id": "L1174626", "type": "plan"}]
    bare.assert_facts(handle, json.dumps(facts))
    fired: list[tuple[str, str]] = []
    Core._drain(handle, fired)
    bare.delete_state(handle, "s")
    assert fired == [("r0", "L0872068")]


def test_generated_fact_ids_never_collide() -> None:
    ids = fact_ids(100_000)
    assert len(set(ids)) == 100_000
    assert len({fnv1a_32(i) for i in ids}) == 100_000
    assert max(len(i) for i in ids) < MAX_ID_BYTES


def test_colliding_fact_ids_are_refused_naming_both(
    core: Core, compiled_rules: Callable[..., CompiledRuleset]
) -> None:
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    facts = [{"id": "L0872068", "type": "plan", "days": 1}, {"id": "L1174626", "type": "plan", "days": 1}]
    with pytest.raises(EngineError, match="'L0872068' and 'L1174626' collide"):
        core.evaluate(name, "s1", facts)


def test_a_session_is_deleted_after_an_engine_error(core: Core) -> None:
    """After the engine fails mid-session (error 303), the same session id starts clean."""
    definition = _raw({f"r{i}": {"$and": [{"type": "plan"}, {"$gt": {"days": i - 100}}]} for i in range(65)})
    name = _load(core, definition)
    with pytest.raises(EngineError, match="303"):
        core.evaluate(name, "s-reuse", [{"id": "f0", "type": "plan", "days": 1}])
    # days -60 matches the 40 rules r0..r39; a leftover f0 would be taken as already seen and match none
    assert len(core.evaluate(name, "s-reuse", [{"id": "f0", "type": "plan", "days": -60}])) == 40


# --- threads, the Host, Python 3.12's utcfromtimestamp warning ------------------------------------------


def test_no_timer_threads_and_no_host(core: Core, compiled_rules: Callable[..., CompiledRuleset]) -> None:
    before = threading.active_count()
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    for n in range(50):
        assert core.evaluate(name, f"s{n}", [{"id": "f0", "type": "plan", "days": 1}]) == [("r0", "f0")]
    assert threading.active_count() == before
    assert "durable.engine" not in sys.modules
    assert "durable.lang" not in sys.modules


def test_actions_run_with_warnings_as_errors(
    core: Core, compiled_rules: Callable[..., CompiledRuleset]
) -> None:
    """On 3.12 the stock Host's actions warn (utcfromtimestamp) and silently do not run under ``error``."""
    name = _load_compiled(core, compiled_rules(GT_ZERO))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert core.evaluate(name, "s1", [{"id": "f0", "type": "plan", "days": 1}]) == [("r0", "f0")]


def test_the_utcfromtimestamp_warning_is_filtered_and_nothing_else(run_python: Callable[..., Any]) -> None:
    """durable/engine.py's own ``utcfromtimestamp`` call runs cleanly under ``-W error`` once the core is
    imported, while any other deprecation still raises."""
    code = textwrap.dedent(
        """
        import warnings
        import mipr_rules.engine.durable_core
        from durable.engine import _unix_now
        _unix_now()
        print("filtered")
        try:
            warnings.warn("something else is deprecated", DeprecationWarning)
        except DeprecationWarning:
            print("others still raise")
        """
    )
    result = run_python(code, "-W", "error::DeprecationWarning")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["filtered", "others", "still", "raise"]


def test_the_suite_itself_runs_with_warnings_as_errors(pytestconfig: pytest.Config) -> None:
    assert "error" in pytestconfig.getini("filterwarnings")


# --- the ruleset cache ----------------------------------------------------------------------------------


def test_a_ruleset_is_created_once_per_process(compiled_rules: Callable[..., CompiledRuleset]) -> None:
    fresh = Core()
    compiled = compiled_rules(GT_ZERO)
    fresh.load(compiled.name, compiled.definition_json)
    fresh.load(compiled.name, compiled.definition_json)
    assert fresh.ruleset_count == 1
    other = compiled_rules([{"id": "overdue", "fact": "plan", "when": [{"days": {"gt": 1}}]}])
    assert other.name != compiled.name
    fresh.load(other.name, other.definition_json)
    assert fresh.ruleset_count == 2
    assert fresh.evaluate(other.name, "s1", [{"id": "f0", "type": "plan", "days": 1}]) == []
    assert fresh.evaluate(compiled.name, "s1", [{"id": "f0", "type": "plan", "days": 1}]) == [("r0", "f0")]


def test_a_process_asks_to_be_recycled_before_the_ruleset_limit(
    monkeypatch: pytest.MonkeyPatch, compiled_rules: Callable[..., CompiledRuleset]
) -> None:
    monkeypatch.setattr(durable_core, "MAX_RULESETS_PER_PROCESS", 2)
    fresh = Core()
    first = compiled_rules(GT_ZERO)
    second = compiled_rules([{"id": "overdue", "fact": "plan", "when": [{"days": {"gt": 1}}]}])
    third = compiled_rules([{"id": "overdue", "fact": "plan", "when": [{"days": {"gt": 2}}]}])
    fresh.load(first.name, first.definition_json)
    assert not fresh.needs_recycling()
    fresh.load(second.name, second.definition_json)
    assert fresh.needs_recycling()
    fresh.load(first.name, first.definition_json)  # cached: no new ruleset, no error
    with pytest.raises(EngineError, match="recycled"):
        fresh.load(third.name, third.definition_json)
    assert fresh.ruleset_count == 2


def test_a_definition_the_engine_rejects_is_an_engine_error(core: Core) -> None:
    with pytest.raises(EngineError, match="durable-rules rejected ruleset"):
        core.load("broken#1", json.dumps({"r0": {"all": "not a list"}}))
