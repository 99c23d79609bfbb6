"""Hostile provider configurations through ``mipr readiness --config``, in-process, as the CLI runs them.

Each generated configuration is valid or carries one known defect (an unknown name, a wrong type or
shape, a value out of the declared bounds, a non-finite or huge number). The readiness source is an
empty object, which fails *after* the configuration is validated: so a valid configuration must end
in the source's error, and a defective one in one line naming the configuration file and the
parameter. Never a traceback, never exit 3.

``MIPR_HOSTILE_COUNT=1`` records outcomes instead of asserting and prints the tally, and
``MIPR_HOSTILE_SCALE`` scales the number of examples (bench use).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from params_support import Corpus, examples, mipr

from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.schema import Parameter, Ruleset

CORPUS = Corpus("config")
SETTINGS = settings(
    derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module", autouse=True)
def _tally() -> Iterator[None]:
    yield
    CORPUS.report()


RULESET: Ruleset = Catalogue.installed().get("cqc-readiness")
NUMERIC = {n: p for n, p in RULESET.parameters.items() if p.type in ("integer", "number")}


def _bounded(param: Parameter) -> st.SearchStrategy[int]:
    low = int(param.minimum if param.minimum is not None else -1000)
    high = int(param.maximum if param.maximum is not None else 1000)
    return st.integers(low, high)


def valid_value(name: str) -> st.SearchStrategy[Any]:
    param = RULESET.parameters[name]
    if param.type in ("integer", "number"):
        return _bounded(param)
    if param.type == "list":
        return st.lists(st.text(max_size=30), max_size=8)
    if param.type == "mapping":
        return st.dictionaries(st.text(min_size=1, max_size=30), _bounded(param), max_size=8)
    return st.text(max_size=20)


@st.composite
def valid_config(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(sorted(RULESET.parameters)), max_size=5, unique=True))
    return {name: draw(valid_value(name)) for name in names}


_WRONG_SCALARS = st.one_of(
    st.text(max_size=20), st.booleans(), st.none(), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), min_size=1, max_size=3),
)


@st.composite
def defect(draw: st.DrawFn) -> tuple[str, Any]:
    """(parameter name, bad value) with exactly one defect."""
    kind = draw(st.sampled_from(["unknown", "type", "bounds", "float", "list-shape", "mapping-shape"]))
    if kind == "unknown":
        name = draw(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=40))
        if name in RULESET.parameters:
            name += "_x"
        return name, draw(st.integers())
    if kind in ("type", "bounds", "float"):
        name = draw(st.sampled_from(sorted(NUMERIC)))
        param = NUMERIC[name]
        if kind == "type":
            return name, draw(_WRONG_SCALARS)
        if kind == "float":
            return name, draw(st.sampled_from([math.inf, -math.inf, math.nan]))
        high = int(param.maximum) + 1 if param.maximum is not None else 10**13
        low = int(param.minimum) - 1 if param.minimum is not None else -(10**13)
        return name, draw(st.one_of(st.integers(high, high + 10**30), st.integers(low - 10**30, low)))
    if kind == "list-shape":
        return "required_courses", draw(st.one_of(
            st.lists(st.lists(st.integers(), max_size=3), min_size=1, max_size=3),
            st.lists(st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), min_size=1, max_size=3),
            st.text(max_size=10), st.integers(),
        ).filter(lambda v: not (isinstance(v, list) and all(isinstance(i, str) for i in v))))
    return "training_refresh_months", draw(st.one_of(
        st.dictionaries(st.text(min_size=1, max_size=20), st.one_of(st.text(max_size=10), st.lists(st.integers())),
                        min_size=1, max_size=3),
        st.dictionaries(st.text(min_size=1, max_size=20), st.integers(121, 10**20), min_size=1, max_size=3),
        st.lists(st.integers(), max_size=3), st.integers(),
    ))


def write(tmp_path: Path, data: Any, name: str = "provider.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("config")
    (folder / "empty.json").write_text("{}", encoding="utf-8")
    return folder


def readiness(workdir: Path, config: Path) -> tuple[int, str, str]:
    return mipr("readiness", "--source", str(workdir / "empty.json"), "--as-of", "2026-11-02",
                "--config", str(config))


@settings(SETTINGS, max_examples=examples(400))
@given(config=valid_config())
def test_valid_configurations_pass_validation(workdir: Path, config: dict[str, Any]) -> None:
    path = write(workdir, {"parameters": {"cqc-readiness": config}})
    code, _, err = readiness(workdir, path)
    CORPUS.check(code, err, "empty.json")  # refused for the source only


@settings(SETTINGS, max_examples=examples(500))
@given(bad=defect(), others=valid_config())
def test_each_defective_parameter_is_one_line_naming_it(
    workdir: Path, bad: tuple[str, Any], others: dict[str, Any]
) -> None:
    name, value = bad
    config = {**{k: v for k, v in others.items() if k != name}, name: value}
    path = write(workdir, {"parameters": {"cqc-readiness": config}})
    code, _, err = readiness(workdir, path)
    shown = name.isprintable() and len(name) <= 100
    expect = f"parameters.cqc-readiness.{name}" if shown else "parameters.cqc-readiness."
    CORPUS.check(code, err, expect)


@settings(SETTINGS, max_examples=examples(150))
@given(data=st.one_of(
    st.lists(st.integers(), max_size=3),
    st.text(max_size=20).filter(lambda t: t.strip() != "" and not t.lstrip().startswith(("#", "%", "-", "!"))),
    st.fixed_dictionaries({"region": st.text(max_size=20)}),
    st.fixed_dictionaries({"parameters": st.one_of(st.lists(st.integers(), min_size=1), st.integers(),
                                                   st.dictionaries(st.text(min_size=1, max_size=10),
                                                                   st.integers(), min_size=1))}),
    st.dictionaries(st.text(min_size=1, max_size=10).filter(lambda k: k not in ("region", "parameters")),
                    st.integers(), min_size=1, max_size=3),
))
def test_malformed_configuration_files_are_one_line(workdir: Path, data: Any) -> None:
    path = write(workdir, data)
    code, _, err = readiness(workdir, path)
    if code == 2 and "empty.json" in err:  # happened to be a valid file (e.g. a known region)
        CORPUS.record("clean", None)
        return
    CORPUS.check(code, err, "provider.yaml")


NAMED = [
    ({"training_refresh_months": {"moving_and_handling": "soon"}}, "moving_and_handling: expected integer"),
    ({"required_courses": [[1, 2]]}, "item 0: expected string, got list"),
    ({"medication_error_window_days": 999999}, "above the maximum"),
    ({"medication_audit_days": -100}, "below the minimum 1"),
    ({"medication_audit_dys": 10}, "did you mean 'medication_audit_days'?"),
    ({"care_plan_review_days": "28"}, "care_plan_review_days: expected integer, got str"),
    ({"care_plan_review_days": 10**40}, "above the maximum"),
]


@pytest.mark.parametrize(("config", "message"), NAMED)
def test_named_cases_from_the_issue(workdir: Path, config: dict[str, Any], message: str) -> None:
    code, _, err = readiness(workdir, write(workdir, {"parameters": {"cqc-readiness": config}}))
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "provider.yaml: parameters.cqc-readiness." in err and message in err
