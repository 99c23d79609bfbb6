"""Shards of a follower: every location belongs to exactly one shard, the same in every process; the command
refuses what cannot work (``adapters/sql/tests/test_feed_shards.py`` follows a database with several)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from mipr_rules_cli.cli import cli

from mipr_rules.errors import InputError
from mipr_rules.watch.shard import Shard

IDS = [f"1-{n:09d}" for n in range(2000)]


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_each_location_belongs_to_exactly_one_shard_and_the_shares_are_even(count: int) -> None:
    shards = [Shard(number, count) for number in range(1, count + 1)]
    owners = [[shard.number for shard in shards if shard.owns(key)] for key in IDS]
    assert all(len(found) == 1 for found in owners)
    for shard in shards:
        share = sum(1 for found in owners if found == [shard.number]) / len(IDS)
        assert 0.7 / count <= share <= 1.3 / count


def test_ownership_is_the_same_in_another_process() -> None:
    code = (
        "from mipr_rules.watch.shard import Shard\n"
        f"print(''.join(str(int(Shard(2, 3).owns(f'1-{{n:09d}}'))) for n in range({len(IDS)})))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert there.strip() == "".join(str(int(Shard(2, 3).owns(key))) for key in IDS)


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "a/b", "2", "1/2/3", " "])
def test_a_shard_that_cannot_be_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="expected I/N"):
        Shard.parse(text)


def test_a_shard_is_parsed_and_keeps_its_own_feed_position() -> None:
    shard = Shard.parse(" 2/4 ")
    assert (shard.number, shard.count, shard.label) == (2, 4, "2/4")
    assert shard.position_key("postgresql://db/care") != Shard(1, 4).position_key("postgresql://db/care")
    assert Shard(1, 1).position_key("postgresql://db/care") == "postgresql://db/care"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--shard", "1/2"], "--shard is for --follow"),
        (["--follow", "--shard", "1/2"], "a SQLite file is for one process"),
        (["--follow", "--shard", "3/2"], "expected I/N"),
    ],
)
def test_the_command_refuses_shards_it_cannot_run(
    options: list[str], message: str, tmp_path: Path, sample_json: Path
) -> None:
    result = CliRunner().invoke(
        cli, ["watch", "--source", str(sample_json), "--store", str(tmp_path / "alerts.db"), *options]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "alerts.db").exists()  # refused before anything is made
