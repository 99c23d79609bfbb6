"""The ``fhir`` adapter: a FHIR R4 Bundle file or a FHIR R4 server → canonical ``Location``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

import attrs

from mipr_rules_adapter_fhir.systems import LOCATION_SYSTEMS, PROVIDER_SYSTEMS

if TYPE_CHECKING:
    from mipr_rules.adapters.base import ReadContext
    from mipr_rules.model import Location


UNMAPPED: tuple[str, ...] = ()
"""Model fields the FHIR mapping (README, "Not read yet") has no place for: they keep the model's defaults,
so the rules that look at them are not evaluated (and named) rather than run on defaults."""


def _version() -> str:
    try:
        return version("mipr-rules-adapter-fhir")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+source"


@attrs.frozen
class FhirAdapter:
    """Reads FHIR R4 (4.0.1) / UK Core resources: a Bundle JSON file, or a server's search results."""

    name: str = "fhir"
    version: str = attrs.field(factory=_version)
    description: str = "FHIR R4 / UK Core: a Bundle JSON file or a FHIR server base URL (paged searches)"
    accepts: tuple[str, ...] = (
        "*.json FHIR R4 Bundle (searchset, collection, transaction)",
        "http(s)://host/fhir FHIR R4 server base URL",
    )

    location_systems: tuple[str, ...] = attrs.field(factory=lambda: _systems(LOCATION_ENV, LOCATION_SYSTEMS))
    """Identifier systems that mark the care Location, preferred first (default: CQC location id, ODS
    organisation code, ODS site code; ``MIPR_FHIR_LOCATION_SYSTEMS`` puts others first)."""
    provider_systems: tuple[str, ...] = attrs.field(factory=lambda: _systems(PROVIDER_ENV, PROVIDER_SYSTEMS))
    """Identifier systems of the provider's Organization (default: CQC provider id, ODS organisation code;
    ``MIPR_FHIR_PROVIDER_SYSTEMS`` puts others first)."""

    unmapped: tuple[str, ...] = attrs.field(factory=lambda: _unmapped())
    """Model fields not read (``UNMAPPED``), with those ``MIPR_FHIR_UNMAPPED`` names: fields a vendor's system
    does not write (often this adapter's own extensions), so that their rules are named as not evaluated."""

    code_map: str | None = attrs.field(factory=lambda: _code_map_file())
    """A code-map YAML file read on top of the default one (``MIPR_FHIR_CODE_MAP``); see ``codemap``."""

    def read(self, source: str, context: ReadContext) -> Iterable[Location]:
        """The location held by ``source``; bad records go through ``context.problem``."""
        # Imported here: registering the adapter (every mipr command) does not load the FHIR client.
        from mipr_rules_adapter_fhir.bundle_file import file_entries
        from mipr_rules_adapter_fhir.codemap import load_code_map
        from mipr_rules_adapter_fhir.reader import read_location
        from mipr_rules_adapter_fhir.server import is_server_url, server_entries

        _check_unmapped(self.unmapped)
        codes = load_code_map(self.code_map)  # a bad code map is refused before the source is read
        entries = server_entries(source, context) if is_server_url(source) else file_entries(source, context)
        return read_location(entries, source, context, self.location_systems, self.provider_systems, codes)


LOCATION_ENV = "MIPR_FHIR_LOCATION_SYSTEMS"
"""Comma-separated identifier systems tried before the defaults to find the care Location."""
PROVIDER_ENV = "MIPR_FHIR_PROVIDER_SYSTEMS"
"""Comma-separated identifier systems tried before the defaults to find the provider's Organization."""


def _systems(env: str, defaults: tuple[str, ...]) -> tuple[str, ...]:
    own = [s.strip() for s in os.environ.get(env, "").split(",") if s.strip()]
    return tuple(dict.fromkeys([*own, *defaults]))


UNMAPPED_ENV = "MIPR_FHIR_UNMAPPED"
"""Comma-separated model fields (dotted paths, e.g. ``people.dols,checks``) a source does not hold."""


def _unmapped() -> tuple[str, ...]:
    own = [p.strip() for p in os.environ.get(UNMAPPED_ENV, "").split(",") if p.strip()]
    return tuple(dict.fromkeys([*UNMAPPED, *own]))


def _check_unmapped(paths: tuple[str, ...]) -> None:
    """A declared field that is not one of the model's is refused (a typo would leave its rules running)."""
    from mipr_rules.errors import ConfigError
    from mipr_rules.model.paths import field_at

    for path in paths:
        if field_at(path) is None:
            raise ConfigError(f"{UNMAPPED_ENV}: {path!r} is not a field of the model (e.g. people.dols)")


def _code_map_file() -> str | None:
    from mipr_rules_adapter_fhir.codemap import CODE_MAP_ENV  # not at import: registering stays cheap

    return os.environ.get(CODE_MAP_ENV) or None
