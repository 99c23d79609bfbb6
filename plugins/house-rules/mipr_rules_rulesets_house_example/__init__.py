"""An example provider's house rules as an installable ruleset pack: ``sunrise-care-house-rules`` extends
``cqc-readiness`` (one rule added, one changed, one switched off). The same folder works uninstalled with
``mipr readiness --rules-path``."""

from __future__ import annotations

from importlib import resources

from mipr_rules import hookimpl


@hookimpl
def mipr_ruleset_paths() -> list[str]:
    """The folder of this pack's ruleset files (and their test cases)."""
    return [str(resources.files(__name__) / "rulesets")]
