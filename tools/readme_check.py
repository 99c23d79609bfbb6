"""Run the READMEs' commands as written, on bare installs from freshly built wheels (``tox -e readme``).

* The core README: the "Set up" block runs in a fresh virtual environment inside a copy of the source tree
  (``pip install .`` as a new user would); the "Commands" and "Python API" blocks run in another fresh
  environment holding only the core wheel and its dependencies, no extras, no test dependencies.
* Each adapter's README (``adapters/<name>/README.md``): every ``sh``/``console`` and ``python`` block, in a
  fresh environment holding the core wheel and that adapter's wheel.

Commands run one by one from a scratch folder prepared with the files they name (copied from the shipped
sample and the test fixtures). A command passes when it exits 0, or 1 (alerts at or above ``--fail-on``).
A command whose comment says ``pip install '<dist>[<extra>]'`` must fail on the bare install with exit 2
and a message naming that extra, then pass once the extra is installed. A ``python`` block is saved as a
script, without a main guard, and run with the environment's interpreter. A block right after the line
``<!-- readme-check: skip: REASON -->`` is not run; the reason is printed. A ``yaml`` block whose first
line is ``# NAME`` is written to the scratch folder as NAME.

Standard library only (it runs in an environment with nothing installed)::

    python tools/readme_check.py                  # the core README and every adapter's
    python tools/readme_check.py core cqc         # some of them
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import venv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE_SECTIONS = ("Set up", "Commands", "Python API")
ADAPTERS = ("fhir", "sql", "cqc")
SKIP = re.compile(r"<!--\s*readme-check:\s*skip:\s*(.+?)\s*-->")
FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
NEEDS = re.compile(r"pip install '([\w.-]+\[[\w,-]+\])'")
RECEIVER_PORT = 8765
"""The port of the local webhook receiver the core README's ``watch`` example delivers to."""
IGNORED = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", ".tox", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
    ".venv", "results",
)


@dataclass(frozen=True)
class Block:
    """A fenced code block of a README."""

    readme: str
    line: int
    section: str
    lang: str
    code: str
    skip: str | None


@dataclass
class Outcome:
    """What the run of a README gave."""

    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def blocks(path: Path, sections: Sequence[str] | None = None) -> list[Block]:
    """The fenced blocks of ``path``, those under the ``##`` sections named (all when ``None``)."""
    found: list[Block] = []
    section, skip = "", None
    lines = path.read_text(encoding="utf-8").splitlines()
    n = 0
    while n < len(lines):
        line = lines[n]
        if line.startswith("## "):
            section = line[3:].strip()
        marker = SKIP.search(line)
        fence = FENCE.match(line)
        if fence:
            indent, lang = fence.group(1), fence.group(2)
            end = next(i for i in range(n + 1, len(lines)) if lines[i].strip() == "```")
            code = "\n".join(text[len(indent):] if text.startswith(indent) else text for text in lines[n + 1 : end])
            if sections is None or section in sections:
                found.append(Block(str(path.relative_to(ROOT)), n + 1, section, lang, code + "\n", skip))
            n, skip = end + 1, None
            continue
        skip = marker.group(1) if marker else (skip if not line.strip() else None)
        n += 1
    return found


def commands(block: Block) -> Iterator[str]:
    """The commands of a shell block: prompts removed, continuations joined, comment-only lines dropped."""
    pending = ""
    for raw in block.code.splitlines():
        line = raw[2:] if block.lang == "console" and raw.startswith("$ ") else raw
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        line, pending = pending + line, ""
        if line.strip() and not line.lstrip().startswith("#"):
            yield line.strip()


def test_command(readme: Path = ROOT / "README.md") -> str:
    """The README's test command: the one command of the "Set up" block that runs tox."""
    found = [c for b in blocks(readme, ["Set up"]) for c in commands(b) if " tox " in f" {c} "]
    if len(found) != 1:
        sys.exit(f"readme-check: expected one tox command in the Set up section of {readme}, found {len(found)}")
    return found[0]


def needed_extra(command: str) -> str | None:
    """``dist[extra]`` when the command's comment says it needs an extra installed."""
    parts = re.split(r"\s#\s", command, maxsplit=1)
    match = NEEDS.search(parts[1]) if len(parts) == 2 else None
    return match.group(1) if match else None


# --- environments -----------------------------------------------------------------------------------------


def build_wheels(out: Path) -> dict[str, Path]:
    """The core's and every adapter's wheel, built from a copy of the source tree (the tree stays clean)."""
    source = out / "source"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    targets = {"core": source, **{name: source / "adapters" / name for name in ADAPTERS}}
    wheels = out / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(wheels),
          *map(str, targets.values())])
    built = {}
    for name in targets:
        stem = "mipr_rules-" if name == "core" else f"mipr_rules_adapter_{name}-"
        (built[name],) = wheels.glob(f"{stem}*.whl")
    return built


def make_venv(path: Path, *requirements: str) -> Path:
    """A fresh virtual environment with ``requirements`` installed; returns its ``bin`` folder."""
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    bin_dir = path / "bin"
    if requirements:
        _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", *requirements])
    return bin_dir


def _run(args: Sequence[str], **kwargs: object) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        sys.exit(f"readme-check: {shlex.join(args)} failed:\n{result.stdout}{result.stderr}")


def environment(bin_dir: Path, scratch: Path) -> dict[str, str]:
    """The environment commands run in: the venv first on PATH, a scratch user configuration directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_REQUIRE", "MIPR_", "TOX_"))}
    env.pop("VIRTUAL_ENV", None)
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(bin_dir.parent),
        XDG_CONFIG_HOME=str(scratch / "user-config"),
        NO_COLOR="1",
        COLUMNS="120",
    )
    return env


# --- running blocks ---------------------------------------------------------------------------------------


class Receiver(ThreadingHTTPServer):
    """A local webhook receiver: counts the JSON documents POSTed to it."""

    def __init__(self) -> None:
        self.received: list[object] = []
        super().__init__(("127.0.0.1", RECEIVER_PORT), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _shown(text: str, limit: int = 6) -> str:
    lines = text.strip().splitlines()
    return "\n".join(f"      | {line}" for line in lines[-limit:])


def run_blocks(
    found: list[Block], bin_dir: Path, cwd: Path, outcome: Outcome, *, python_lines: int | None = None,
    extras: dict[str, Path] | None = None, receiver: Receiver | None = None,
) -> None:
    """Run every block; commands needing an extra are rerun after installing it (``extras``: dist → wheel)."""
    env = environment(bin_dir, cwd.parent)
    for block in found:
        if block.lang == "yaml" and block.code.startswith("# ") and block.code.split()[1].endswith((".yaml", ".yml")):
            (cwd / block.code.split()[1]).write_text(block.code)
    deferred: list[tuple[Block, str]] = []
    for block in found:
        where = f"{block.readme}:{block.line}"
        if block.lang not in ("sh", "console", "bash", "python"):
            continue
        if block.skip:
            outcome.skipped.append(f"{where} ({block.section}): {block.skip}")
            print(f"SKIP {where}: {block.skip}")
            continue
        if block.lang == "python":
            script = cwd / f"readme_{Path(block.readme).parent.name or 'core'}_{block.line}.py"
            script.write_text(block.code)
            result = subprocess.run([str(bin_dir / "python"), script.name], cwd=cwd, env=env, capture_output=True,
                                    text=True, timeout=600, check=False)
            lines = [line for line in result.stdout.splitlines() if line.strip()]
            ok = result.returncode == 0 and (python_lines is None or len(lines) == python_lines)
            expect = f", expected {python_lines} lines of output" if python_lines is not None else ""
            _record(outcome, ok, f"{where} python script ({len(lines)} lines of output{expect})", result)
            continue
        for command in commands(block):
            extra = needed_extra(command)
            before = len(receiver.received) if receiver else 0
            result = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                                    timeout=900, check=False)
            if extra is not None:
                ok = result.returncode == 2 and extra in result.stderr and result.stderr.strip().count("\n") == 0
                _record(outcome, ok, f"{where} {command}  [bare install: exit 2 naming {extra}]", result)
                deferred.append((block, command))
                continue
            ok = result.returncode in (0, 1)
            if receiver is not None and f"127.0.0.1:{RECEIVER_PORT}" in command:
                ok = ok and len(receiver.received) > before
            _record(outcome, ok, f"{where} {command}", result)
    for extra_name in sorted({e for _, c in deferred if (e := needed_extra(c))}):
        dist, _, wanted = extra_name.partition("[")
        wheel = (extras or {}).get(dist)
        requirement = f"{wheel}[{wanted}" if wheel else extra_name
        _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", requirement])
        for block, command in deferred:
            if needed_extra(command) == extra_name:
                result = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                                        timeout=900, check=False)
                _record(outcome, result.returncode in (0, 1),
                        f"{block.readme}:{block.line} {command}  [with {extra_name}]", result)


def _record(outcome: Outcome, ok: bool, what: str, result: subprocess.CompletedProcess[str]) -> None:
    if ok:
        outcome.passed.append(what)
        print(f"ok   {what}", flush=True)
    else:
        outcome.failed.append(what)
        print(f"FAIL {what}: exit {result.returncode}\n{_shown(result.stdout)}\n{_shown(result.stderr)}", flush=True)


# --- the READMEs ------------------------------------------------------------------------------------------


def prepare_core(work: Path) -> None:
    """The files the core README's commands name."""
    sample = ROOT / "mipr_rules" / "samples"
    fixtures = ROOT / "tests" / "fixtures"
    shutil.copy(sample / "sunrise-house" / "location.json", work / "home.json")
    home = json.loads((sample / "sunrise-house" / "location.json").read_text(encoding="utf-8"))
    (work / "homes.jsonl").write_text(  # JSON lines: the sample home twice, under two location ids
        "".join(json.dumps(dict(home, location_id=f"1-00000000{i}")) + "\n" for i in (1, 2)), encoding="utf-8"
    )
    shutil.copytree(sample / "sunrise-house" / "csv", work / "exports")
    shutil.copy(sample / "mipr" / "oakfield-requires-improvement.docx", work / "report.docx")
    shutil.copy(sample / "mipr" / "oakfield-requires-improvement.md", work / "report.md")
    shutil.copy(sample / "mipr" / "oakfield-requires-improvement.yaml", work / "report.yaml")
    shutil.copy(fixtures / "mipr" / "panel-publishable.yaml", work / "panel.yaml")
    shutil.copy(fixtures / "rating" / "saf-scores.yaml", work / "scores.yaml")
    shutil.copy(fixtures / "eligibility" / "good-care-home.json", work / "location.json")
    shutil.copy(fixtures / "eligibility" / "nomination-la.yaml", work / "nomination.yaml")
    shutil.copytree(ROOT / "rulesets", work / "rulesets", ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    house = ROOT / "plugins" / "house-rules" / "mipr_rules_rulesets_house_example" / "rulesets"
    shutil.copytree(house, work / "house-rules", ignore=shutil.ignore_patterns("__pycache__"))


def prepare_adapter(name: str, work: Path, bin_dir: Path) -> None:
    """The files an adapter's README names."""
    fixtures = ROOT / "adapters" / name / "tests" / "fixtures"
    if name == "fhir":
        (work / "export").mkdir()
        shutil.copy(fixtures / "sunrise-house.bundle.json", work / "export" / "bundle.json")
    elif name == "cqc":
        (work / "cqc-records").mkdir()
        for record in ("lucerne-house", "homecare-requires-improvement", "never-rated"):
            shutil.copy(fixtures / "locations" / f"{record}.json", work / "cqc-records")
        shutil.copy(fixtures / "locations" / "lucerne-house.json", work)
    elif name == "sql":  # the sample home in a SQLite file of the reference schema
        code = (
            "import sys; sys.path.insert(0, sys.argv[1])\n"
            "import sqlalchemy as sa\n"
            "from sql_fixtures import load_location, read_canonical\n"
            "from mipr_rules_adapter_sql.schema import create_reference_schema\n"
            "engine = sa.create_engine('sqlite:///care.db')\n"
            "create_reference_schema(engine)\n"
            "with engine.begin() as connection:\n"
            "    load_location(connection, read_canonical(__import__('pathlib').Path(sys.argv[2])))\n"
        )
        home = ROOT / "mipr_rules" / "samples" / "sunrise-house" / "location.json"
        _run([str(bin_dir / "python"), "-c", code, str(ROOT / "adapters" / "sql" / "tests"), str(home)], cwd=work)


def check_core(wheels: dict[str, Path], scratch: Path, outcome: Outcome) -> None:
    readme = ROOT / "README.md"
    print("== README.md: Set up (a fresh environment, a copy of the source tree)", flush=True)
    source = scratch / "setup" / "mipr-rules"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    run_blocks(blocks(readme, ["Set up"]), make_venv(scratch / "setup" / "venv"), source, outcome)

    print("== README.md: Commands and Python API (the core wheel alone, no extras)", flush=True)
    work = scratch / "core" / "work"
    work.mkdir(parents=True)
    bin_dir = make_venv(scratch / "core" / "venv", str(wheels["core"]))
    bare = subprocess.run([str(bin_dir / "python"), "-c", "import pytest"], capture_output=True, check=False)
    if bare.returncode == 0:
        outcome.failed.append("the bare install has pytest: it is not bare")
    prepare_core(work)
    meta = json.loads((ROOT / "mipr_rules" / "samples" / "sunrise-house" / "meta.json").read_text())
    try:
        receiver = Receiver()
    except OSError as exc:
        sys.exit(f"readme-check: cannot listen on 127.0.0.1:{RECEIVER_PORT} for the webhook example: {exc}")
    try:
        run_blocks(blocks(readme, CORE_SECTIONS[1:]), bin_dir, work, outcome, python_lines=len(meta["planted_gaps"]),
                   extras={"mipr-rules": wheels["core"]}, receiver=receiver)
    finally:
        receiver.shutdown()
        receiver.server_close()


def check_adapter(name: str, wheels: dict[str, Path], scratch: Path, outcome: Outcome) -> None:
    print(f"== adapters/{name}/README.md (the core wheel and the {name} adapter's wheel)", flush=True)
    work = scratch / name / "work"
    work.mkdir(parents=True)
    bin_dir = make_venv(scratch / name / "venv", str(wheels["core"]), str(wheels[name]))
    prepare_adapter(name, work, bin_dir)
    dist = f"mipr-rules-adapter-{name}"
    run_blocks(blocks(ROOT / "adapters" / name / "README.md"), bin_dir, work, outcome,
               extras={"mipr-rules": wheels["core"], dist: wheels[name]})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("which", nargs="*", help=f"READMEs to run: core, {', '.join(ADAPTERS)} (default all)")
    parser.add_argument("--test-command", action="store_true", help="print the README's test command and exit")
    args = parser.parse_args(argv)
    if args.test_command:
        print(test_command())
        return 0
    which = args.which or ["core", *ADAPTERS]
    unknown = set(which) - {"core", *ADAPTERS}
    if unknown:
        parser.error(f"unknown README(s): {', '.join(sorted(unknown))}")
    outcome = Outcome()
    with tempfile.TemporaryDirectory(prefix="readme-check-") as tmp:
        scratch = Path(tmp)
        wheels = build_wheels(scratch / "build")
        for name in which:
            if name == "core":
                check_core(wheels, scratch, outcome)
            else:
                check_adapter(name, wheels, scratch, outcome)
    print(f"\n{len(outcome.passed)} passed, {len(outcome.failed)} failed, {len(outcome.skipped)} skipped")
    for line in outcome.skipped:
        print(f"  skipped {line}")
    for line in outcome.failed:
        print(f"  FAILED {line}")
    return 1 if outcome.failed or not outcome.passed else 0


if __name__ == "__main__":
    sys.exit(main())
