"""Regenerate the bundled sample home (mipr_rules/samples/sunrise-house) and the location JSON Schema.

Run from the repository root: ``python tools/make_sample.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
from pathlib import Path

from mipr_rules.adapters.base import ReadContext
from mipr_rules.adapters.csv_export import write_csv_folder
from mipr_rules.adapters.file_adapter import FileAdapter
from mipr_rules.samples.generate import PLANTED_GAPS, generate_home
from mipr_rules.schema_export import location_schema

AS_OF = dt.date(2026, 11, 2)
OUT = Path(__file__).resolve().parents[1] / "mipr_rules" / "samples" / "sunrise-house"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    home = generate_home(AS_OF)
    (OUT / "location.json").write_text(json.dumps(home, indent=1) + "\n")
    meta = {
        "as_of": AS_OF.isoformat(),
        "description": "Sunrise House: an invented 44-bed residential home with planted compliance gaps",
        "planted_gaps": [{"rule": rule, "subject": subject} for rule, subject in PLANTED_GAPS],
    }
    (OUT / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    (location,) = FileAdapter().read(str(OUT / "location.json"), ReadContext(key=secrets.token_bytes(32)))
    shutil.rmtree(OUT / "csv", ignore_errors=True)
    write_csv_folder(location, OUT / "csv")
    schema = OUT.parents[1] / "schemas" / "location.schema.json"
    schema.write_text(json.dumps(location_schema(), indent=1) + "\n")


if __name__ == "__main__":
    main()
