"""Deferred fact calculators: registered by name, imported only when a run measures their subjects."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mipr_rules.errors import PluginError
from mipr_rules.facts.deferred import DeferredCalculator, serves
from mipr_rules.mipr import plugin, review_plugin
from mipr_rules.mipr.measures import CALCULATORS
from mipr_rules.mipr.report import Report
from mipr_rules.model import Location


def test_the_report_plugin_stands_for_every_report_calculator_in_order() -> None:
    assert [d.name for d in plugin.CALCULATORS] == [c.name for c in CALCULATORS]
    for deferred, real in zip(plugin.CALCULATORS, CALCULATORS, strict=True):
        assert type(deferred.load()) is type(real)
        assert deferred.subject_type is Report and deferred.fact_types == real.fact_types
        assert serves(deferred, Report) and not serves(deferred, Location)
    for deferred in review_plugin.CALCULATORS:
        assert deferred.load().name == deferred.name


def test_a_readiness_run_does_not_import_the_report_measures() -> None:
    code = (
        "import sys; from mipr_rules import plugins; from mipr_rules.facts.deferred import serves; "
        "from mipr_rules.model import Location; "
        "used = [c for c in plugins.fact_calculators().values() if serves(c, Location)]; "
        "print(len(used), 'mipr_rules.mipr.measures' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    used, imported = done.stdout.split()
    assert int(used) >= 1 and imported == "False"


def test_a_deferred_calculator_that_is_not_what_it_says_is_refused() -> None:
    risks = "mipr_rules.mipr.measures.risks:RiskFacts"
    wrong = DeferredCalculator("mipr_findings", "mipr_rules.mipr.report:Report", risks)
    with pytest.raises(PluginError, match=r"mipr_findings .* is mipr_risks"):
        wrong.load()
