"""Provider configuration: parameter overrides per ruleset and the working-day region.

::

    region: england-and-wales
    parameters:
      cqc-readiness:
        care_plan_review_days: 30
        required_courses: [moving_and_handling, fire_safety]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from mipr_rules.errors import ConfigError
from mipr_rules.loading import load_data_file
from mipr_rules.ruleset.parameters import validate_overrides
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.workdays import DEFAULT_REGION, REGIONS


@attrs.frozen
class Config:
    """A provider's configuration."""

    region: str = DEFAULT_REGION
    """Working-day calendar region."""
    parameters: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    """Ruleset id → parameter name → value."""
    path: str = ""
    """File it came from."""

    def overrides_for(self, ruleset: Ruleset) -> dict[str, Any]:
        """Validated overrides for ``ruleset`` (``validate_overrides``: the same check as the API's)."""
        return validate_overrides(
            ruleset, self.parameters.get(ruleset.id, {}), f"{self.path or 'config'}: parameters.{ruleset.id}"
        )


def load_config(path: Path | str | None) -> Config:
    """Read a configuration file; no file means the defaults."""
    if path is None:
        return Config()
    data = load_data_file(Path(path), ConfigError)
    if data is None:
        return Config(path=str(path))
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with 'region' and 'parameters'")
    unknown = set(data) - {"region", "parameters"}
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; expected region, parameters")
    region = data.get("region", DEFAULT_REGION)
    if region not in REGIONS:
        raise ConfigError(f"{path}: region: expected one of {', '.join(REGIONS)}")
    params = data.get("parameters") or {}
    if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
        raise ConfigError(f"{path}: parameters: expected ruleset id → mapping of parameter values")
    return Config(region=region, parameters=params, path=str(path))
