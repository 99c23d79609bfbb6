"""No message quotes a record: names, dates of birth and NHS numbers fed through every error path of the
data readers never reach standard error, nor the reasons listed for skipped records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

NAME, BIRTH, NHS = "Margaret Thistlewood", "1931-04-17", "943 476 5919"
PERSONAL = (NAME, BIRTH, NHS, "9434765919")


def _clean(outcome: Any, where: str) -> None:
    for secret in PERSONAL:
        assert secret not in outcome.err, f"{where}: {secret!r} in stderr: {outcome.err}"
    if outcome.code in (0, 1) and outcome.out.lstrip().startswith("{"):
        reasons = json.dumps(json.loads(outcome.out).get("skipped", []))
        for secret in PERSONAL:
            assert secret not in reasons, f"{where}: {secret!r} in a skipped record's reason"


def test_every_csv_cell_holding_personal_data(hostile: Any, tmp_path: Path) -> None:
    """Each column of each file in turn gets a name, a date of birth or an NHS number where something
    else belongs, read strictly and leniently."""
    files = sorted(path.name for path in Path(hostile.csv).iterdir())
    runs = 0
    for file in files:
        header = (Path(hostile.csv) / file).read_text(encoding="utf-8").splitlines()[0].split(",")
        for column in range(len(header)):
            secret = PERSONAL[(runs) % 3]
            runs += 1
            export = hostile.copy_csv(hostile.csv, tmp_path / "export")
            path = export / file
            lines = path.read_text(encoding="utf-8").splitlines()
            cells = lines[1].split(",")
            cells[column] = f'"{secret}' if runs % 4 == 0 else secret  # now and then an unclosed quote too
            lines[1] = ",".join(cells)
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            for extra in ([], ["--lenient", "--max-skipped", "100", "--format", "json"]):
                outcome = hostile.run(*hostile.args(export, *extra))
                hostile.judge(outcome, "privacy")
                _clean(outcome, f"{file} column {header[column]} {extra}")
    assert runs > 60


def test_csv_rows_in_place_of_a_header(hostile: Any, tmp_path: Path) -> None:
    for file in sorted(path.name for path in Path(hostile.csv).iterdir()):
        export = hostile.copy_csv(hostile.csv, tmp_path / "export")
        path = export / file
        lines = path.read_text(encoding="utf-8").splitlines()
        width = len(lines[0].split(","))
        lines[0] = ",".join((PERSONAL * width)[:width])
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        outcome = hostile.run(*hostile.args(export))
        assert outcome.code == 2
        hostile.judge(outcome, "privacy")
        _clean(outcome, file)


def test_every_json_and_yaml_field_holding_personal_data(hostile: Any, tmp_path: Path) -> None:
    """Each top-level field, and each field of the first record of each list, holds personal data."""
    home = hostile.home
    changes: list[tuple[str, Any]] = []
    for key, value in home.items():
        changes.append((key, [NAME, BIRTH, NHS]))
        changes.append((key, {"nhs": NHS, "born": BIRTH}))
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for field in value[0]:
                changes.append((f"{key}.0.{field}", NHS if field.endswith("_id") else {"name": NAME}))
    for index, (where, value) in enumerate(changes):
        data = json.loads(json.dumps(home))
        key, *rest = where.split(".")
        if rest:
            data[key][0][rest[1]] = value
        else:
            data[key] = value
        suffix = ".json" if index % 2 else ".yaml"
        path = tmp_path / f"home{suffix}"
        path.write_text(json.dumps(data) if suffix == ".json" else yaml.safe_dump(data), encoding="utf-8")
        for extra in ([], ["--lenient", "--max-skipped", "100", "--format", "json"]):
            outcome = hostile.run(*hostile.args(path, *extra))
            hostile.judge(outcome, "privacy")
            _clean(outcome, f"{where} {extra}")


def test_syntax_errors_next_to_personal_data(hostile: Any, tmp_path: Path) -> None:
    """Parsers' own messages (JSON, YAML) name line and column, never the text around the error."""
    texts = {
        "a.json": f'{{"name": "{NAME}", "nhs": {NHS}}}',
        "b.json": f'{{"name": "{NAME}" "born": "{BIRTH}"}}',
        "c.yaml": f"name: {NAME}\nnhs: [{NHS}\n",
        "d.yaml": f"name: '{NAME}\nborn: {BIRTH}\n",
        "e.yaml": f"{NAME}: !!python/name:os.system {NHS}\n",
        "f.yaml": f"name: {NAME}\n\tborn: {BIRTH}\n",
        "g.yaml": f"? {NAME}\n: {NHS}\n- {BIRTH}\n",
        "h.yaml": f"!{NAME} {NHS}\n",
        "i.yaml": f"name: {NAME}\nborn: !!timestamp 1931-13-17 {NHS}\n",
    }
    for name, text in texts.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        outcome = hostile.run(*hostile.args(path))
        assert outcome.code == 2, f"{name}: {outcome.err}"
        hostile.judge(outcome, "privacy")
        _clean(outcome, name)
