"""Provider configuration: parameter overrides per ruleset and the working-day region.

::

    region: england-and-wales
    parameters:
      cqc-readiness:
        care_plan_review_days: 30
        required_courses: [moving_and_handling, fire_safety]
    notify:                      # optional: where mipr watch's notifiers may deliver (docs/commands/watch.md)
      allow_hosts: [hooks.care.internal]
    pseudonym_key_file: /etc/mipr-rules/pseudonym.key   # relative paths: to this file's folder
    rules_path: [house-rules/]   # extra ruleset folders (house rules; relative to this file's folder)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from mipr_rules.alerts.policy import DeliveryPolicy
from mipr_rules.errors import ConfigError
from mipr_rules.loading import load_data_file
from mipr_rules.privacy import pseudonym_key
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
    notify: DeliveryPolicy = attrs.field(factory=DeliveryPolicy)
    """Where and how notifiers may deliver (``notify:``)."""
    pseudonym_key_file: str | None = None
    """File holding the pseudonymisation key (``MIPR_RULES_PSEUDONYM_KEY`` takes precedence)."""
    rules_path: tuple[str, ...] = ()
    """Extra ruleset folders or files (house rules), relative to the configuration file."""

    def pseudonym_key(self) -> bytes:
        """The pseudonymisation key for this provider (see ``mipr_rules.privacy``)."""
        return pseudonym_key(self.pseudonym_key_file)

    def overrides_for(self, ruleset: Ruleset) -> dict[str, Any]:
        """Validated overrides for ``ruleset`` (``validate_overrides``: the same check as the API's)."""
        return validate_overrides(
            ruleset, self.parameters.get(ruleset.id, {}), f"{self.path or 'config'}: parameters.{ruleset.id}"
        )


def load_config(path: Path | str | None) -> Config:
    """Read a configuration file; no file means the defaults."""
    if path is None:
        return Config()
    data = load_data_file(Path(path), ConfigError, allow_empty=True)
    if data is None:
        return Config(path=str(path))
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with 'region' and 'parameters'")
    unknown = set(data) - {"region", "parameters", "notify", "pseudonym_key_file", "rules_path"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))}; "
            "expected region, parameters, notify, pseudonym_key_file, rules_path"
        )
    rules_path = data.get("rules_path") or []
    if isinstance(rules_path, str):
        rules_path = [rules_path]
    if not isinstance(rules_path, list) or not all(isinstance(p, str) and p.strip() for p in rules_path):
        raise ConfigError(f"{path}: rules_path: expected a folder, or a list of folders, of ruleset files")
    region = data.get("region", DEFAULT_REGION)
    if region not in REGIONS:
        raise ConfigError(f"{path}: region: expected one of {', '.join(REGIONS)}")
    params = data.get("parameters") or {}
    if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
        raise ConfigError(f"{path}: parameters: expected ruleset id → mapping of parameter values")
    key_file = data.get("pseudonym_key_file")
    if key_file is not None and (not isinstance(key_file, str) or not key_file.strip()):
        raise ConfigError(f"{path}: pseudonym_key_file: expected the path of a file")
    if key_file is not None:
        key_file = str(Path(path).parent / Path(key_file).expanduser())
    notify = DeliveryPolicy.from_config(data.get("notify"), f"{path}: notify")
    folders = tuple(str(Path(path).parent / Path(p).expanduser()) for p in rules_path)
    return Config(
        region=region, parameters=params, path=str(path), notify=notify, pseudonym_key_file=key_file,
        rules_path=folders,
    )
