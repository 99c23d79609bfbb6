"""The bundled samples: the sample care home Sunrise House (``location.json``, ``csv/``, ``meta.json``) and
three mock-inspection reports (``mipr/``), with the helpers that find and read them.

Product code (``mipr demo``, ``tools/``) uses it on a plain install, so it depends on the core only.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

from mipr_rules.model import Location

SAMPLE_HOME = "sunrise-house"
"""Folder of the sample home inside this package."""


def sample_path(name: str = "location.json") -> Path:
    """Path of a file of the bundled sample home (``location.json``, ``csv/``...)."""
    return Path(str(resources.files(__name__) / SAMPLE_HOME / name))


def sample_as_of() -> dt.date:
    """The as-of date the sample home is written for (its planted gaps are relative to it)."""
    meta = json.loads(sample_path("meta.json").read_text())
    return dt.date.fromisoformat(meta["as_of"])


def sample_location() -> Location:
    """The sample home as the canonical model, read by the built-in file adapter.

    The sample holds pseudonymous ids already, so the key only has to be a key: a fresh random one is used.
    """
    import secrets

    from mipr_rules.adapters.base import ReadContext
    from mipr_rules.adapters.file_adapter import FileAdapter

    (location,) = FileAdapter().read(str(sample_path()), ReadContext(key=secrets.token_bytes(32)))
    return location
