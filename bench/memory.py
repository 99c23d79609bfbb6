"""Peak memory of ``mipr readiness`` over many homes, read from a JSON-lines file.

    python bench/memory.py                      # 10,000 homes
    python bench/memory.py --homes 2000

The homes are ``readiness.py``'s (3-5 residents, 2-4 staff, about 79 records each, planted gaps and
near-misses), ``--distinct`` of them generated and repeated under their own location ids. They are
written once to a temporary ``homes.jsonl`` (one location per line), then ``mipr readiness --source
homes.jsonl --format json`` runs with its output sent to a file. (A CSV folder holds one location, so a
many-home source is JSON lines, or a JSON list, which is parsed whole; the file adapter reads JSON lines
one line at a time.) While it runs, the resident set size (RSS)
of the ``mipr`` process and of its engine workers is sampled every 20 ms (``psutil``); the figures are the
peak of the ``mipr`` process alone and of the whole process tree. The output's size and its location and
alert counts are printed, so that a run that stopped early does not look frugal.

Target (issue 15): under 250 MB peak RSS at 10,000 homes. The last line is

    memory: peak RSS N MB (jsonl) at H homes; target 250 MB

(the whole process tree, MB = 2**20 bytes). Exit 1 if ``mipr`` fails or reports the wrong number of
locations.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET_MB = 250
MB = 1 << 20


def _mipr() -> list[str]:
    script = Path(sys.executable).with_name("mipr")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from mipr_rules_cli.cli import main; main()"]


def write_inputs(folder: Path, homes: int, distinct: int) -> dict[str, Path]:
    """``homes.jsonl`` in ``folder``, holding ``homes`` homes built from ``distinct`` templates."""
    import readiness

    from mipr_rules.convert import unstructure

    templates = readiness.templates(distinct)
    lines = [json.dumps(unstructure(location), ensure_ascii=False) for location in templates]
    jsonl = folder / "homes.jsonl"
    with jsonl.open("w", encoding="utf-8") as out:
        for i in range(homes):
            template = i % distinct
            old, new = templates[template].location_id, f"1-{i:09d}"
            out.write(lines[template].replace(f'"{old}"', f'"{new}"') + "\n")
    return {"jsonl": jsonl}


def measure(source: Path, out: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run ``mipr readiness`` on ``source`` and sample the RSS of its process tree."""
    import psutil
    import readiness

    argv = [*_mipr(), "readiness", "--source", str(source), "--as-of", readiness.AS_OF.isoformat(), "--format", "json"]
    peak_self = peak_tree = 0
    start = time.perf_counter()
    with out.open("w") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE, env=env)
        watched = psutil.Process(process.pid)
        while process.poll() is None:
            try:
                tree = [watched, *watched.children(recursive=True)]
                sizes = []
                for proc in tree:
                    try:
                        sizes.append(proc.memory_info().rss)
                    except psutil.Error:
                        sizes.append(0)
                peak_self, peak_tree = max(peak_self, sizes[0]), max(peak_tree, sum(sizes))
            except psutil.Error:
                pass
            time.sleep(0.02)
        stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    return {
        "exit": process.returncode,
        "stderr": stderr[-500:],
        "seconds": time.perf_counter() - start,
        "peak_self_mb": peak_self / MB,
        "peak_tree_mb": peak_tree / MB,
        "output_mb": out.stat().st_size / MB,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--homes", type=int, default=10_000)
    parser.add_argument("--distinct", type=int, default=200)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    env = dict(os.environ)
    env.setdefault("MIPR_RULES_PSEUDONYM_KEY", "bench-memory-key-0123456789abcdef0123456789")
    kinds = ("jsonl",)
    results: dict[str, dict[str, Any]] = {}
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sources = write_inputs(folder, args.homes, args.distinct)
        print(f"{'source':<8}{'input MB':>10}{'exit':>6}{'s':>8}{'mipr MB':>10}{'tree MB':>10}{'output MB':>11}"
              f"{'locations':>11}{'alerts':>9}")
        for kind in kinds:
            source = sources[kind]
            size = (
                source.stat().st_size if source.is_file() else sum(p.stat().st_size for p in source.glob("*.csv"))
            ) / MB
            out = folder / f"{kind}.json"
            result = measure(source, out, env)
            summary: dict[str, Any] = {}
            if result["exit"] in (0, 1):
                with out.open(encoding="utf-8") as handle:  # the summary is near the top: no need to parse all
                    head = "".join(line for _, line in zip(range(400), handle, strict=False))
                start = head.index('"summary": ')
                summary = json.JSONDecoder().raw_decode(head[start + len('"summary": '):])[0]
            if result["exit"] not in (0, 1) or summary.get("locations") != args.homes:
                failed = True
                print(f"{kind}: exit {result['exit']}: {result['stderr']}", file=sys.stderr)
            results[kind] = result
            print(
                f"{kind:<8}{size:>10.1f}{result['exit']:>6}{result['seconds']:>8.1f}{result['peak_self_mb']:>10.1f}"
                f"{result['peak_tree_mb']:>10.1f}{result['output_mb']:>11.1f}{summary.get('locations', '-'):>11}"
                f"{summary.get('alerts', '-'):>9}"
            )
    figures = ", ".join(f"{results[k]['peak_tree_mb']:.0f} MB ({k})" for k in kinds)
    print(f"memory: peak RSS {figures} at {args.homes} homes; target {TARGET_MB} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
