"""The core wheel: only ``mipr_rules*`` lands in site-packages, with the rulesets and the sample inside, and
every entry point it declares resolves to code that is in the wheel.

The wheel is built from a copy of the source tree, so that the build leaves nothing in the repository.
"""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IGNORED = shutil.ignore_patterns(
    ".git",
    "build",
    "dist",
    "*.egg-info",
    ".tox",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".venv",
    "results",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (ROOT / "pyproject.toml").exists():
        pytest.skip("needs the source tree")
    source = tmp_path_factory.mktemp("source") / "mipr-rules"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("mipr_rules-*.whl")
    return built


@pytest.fixture(scope="module")
def names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


@pytest.mark.slow
def test_only_mipr_rules_names_are_installed(names: list[str]) -> None:
    top = {name.split("/")[0] for name in names}
    assert top, "empty wheel"
    assert all(name.startswith("mipr_rules") for name in top), sorted(top)
    assert len([name for name in top if name.endswith(".dist-info")]) == 1
    assert not [n for n in names if n.endswith(".py") and "/" not in n], "top-level modules in the wheel"
    for forbidden in ("cli.py", "tests/", "adapters/", "plugins/", "rulesets/", "bench/", "tools/"):
        assert not [n for n in names if n.startswith(forbidden)], forbidden


@pytest.mark.slow
def test_every_subpackage_of_the_source_is_in_the_wheel(names: list[str]) -> None:
    packages = sorted(
        str(init.parent.relative_to(ROOT))
        for init in (ROOT / "mipr_rules").rglob("__init__.py")
        if "__pycache__" not in init.parts
    )
    missing = [package for package in packages if f"{package}/__init__.py" not in names]
    assert not missing, (
        f"subpackages missing from the wheel (pyproject.toml [tool.setuptools] packages): {missing}"
    )


@pytest.mark.slow
def test_the_rulesets_and_the_sample_ship_inside_the_package(names: list[str]) -> None:
    assert "mipr_rules/rulesets/cqc-readiness.yaml" in names
    sample = "mipr_rules/samples/sunrise-house/"
    assert {
        f"{sample}location.json",
        f"{sample}meta.json",
        f"{sample}csv/location.csv",
        f"{sample}csv/staff.csv",
    } <= set(names)
    assert "mipr_rules/py.typed" in names
    assert "mipr_rules/schemas/location.schema.json" in names
    assert {"mipr_rules/docs/data-format.md", "mipr_rules/docs/commands/watch.md"} <= set(names)
    assert "mipr_rules/samples/mipr/meadowbank-good.docx" in names


@pytest.mark.slow
def test_every_entry_point_resolves_to_code_in_the_wheel(wheel: Path, names: list[str]) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        parser = configparser.ConfigParser(delimiters=("=",))
        parser.read_string(archive.read(entry_points).decode())
        assert parser.get("console_scripts", "mipr").strip() == "mipr_rules_cli.cli:main"
        for section in parser.sections():
            for name, target in parser.items(section):
                module, _, attr = target.strip().partition(":")
                path = module.replace(".", "/")
                found = [n for n in (f"{path}.py", f"{path}/__init__.py") if n in names]
                assert found, f"[{section}] {name} = {target}: module {module} is not in the wheel"
                if attr:
                    source = archive.read(found[0]).decode()
                    assert f"def {attr}(" in source or f"{attr} =" in source, f"{target}: no {attr}"


@pytest.mark.slow
def test_the_installed_wheel_runs_the_demo_without_test_dependencies(wheel: Path, tmp_path: Path) -> None:
    """Installed from the wheel alone (not the editable source), with pytest unimportable, ``mipr demo``
    reports the planted gaps and names a data-format document that is installed."""
    target = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    paths = sysconfig.get_paths()
    # -S: no .pth files, so the editable install of the source tree cannot shadow the wheel;
    # sys.modules["pytest"] = None: importing pytest fails, as on an install without the test extra
    code = textwrap.dedent(
        f"""
        import sys
        sys.path[:0] = [{str(target)!r}, {paths["purelib"]!r}, {paths["platlib"]!r}]
        sys.modules["pytest"] = None
        if __name__ == "__main__":
            import mipr_rules
            assert mipr_rules.__file__.startswith({str(target)!r}), mipr_rules.__file__
            from mipr_rules_cli.cli import main
            main(sys.argv[1:])
        """
    )
    env = {
        "MIPR_RULES_WORKERS": "1",
        "PATH": "/usr/bin:/bin",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        # adapters and plugins installed in editable mode in a developer's environment cannot load under -S
        "MIPR_RULES_DISABLE_PLUGINS": ",".join(ep.name for ep in entry_points(group="mipr_rules")),
    }

    def demo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-S", "-c", code, "demo", *args],
            capture_output=True, text=True, timeout=300, check=False, env=env,
        )

    run = demo("--format", "json")
    assert run.returncode == 0, run.stderr
    from mipr_rules.samples.generate import PLANTED_GAPS

    (location,) = json.loads(run.stdout)["locations"]
    assert sorted((a["rule"], a["subject"]) for a in location["alerts"]) == sorted(PLANTED_GAPS)

    text = demo()
    assert text.returncode == 0, text.stderr
    (hint,) = [line for line in text.stdout.splitlines() if line.startswith("Next:")]
    document = Path(hint.rsplit("(format: ", 1)[1].rstrip(")"))
    assert document.is_relative_to(target) and document.is_file()
    assert document.read_text().startswith("# ")


def test_nothing_but_tests_and_the_pytest_plugin_imports_the_testing_package() -> None:
    """``mipr_rules.testing`` imports pytest (the test extra): the CLI, the library, tools and benchmarks
    must not need it."""
    if not (ROOT / "mipr_rules").is_dir():
        pytest.skip("needs the source tree")
    sources = [ROOT / "cli.py", *ROOT.glob("mipr_rules/**/*.py"), *ROOT.glob("tools/*.py"), *ROOT.glob("bench/*.py"),
               *ROOT.glob("adapters/*/mipr_rules_adapter_*/*.py")]
    importing = re.compile(
        r"^\s*(from|import)\s+mipr_rules\.testing\b|^\s*from\s+mipr_rules\s+import\s+testing\b", re.MULTILINE
    )
    offending = [
        str(path.relative_to(ROOT))
        for path in sources
        if "testing" not in path.relative_to(ROOT).parts and importing.search(path.read_text())
    ]
    assert offending == []


def test_python_313_is_excluded_until_durable_rules_imports_there() -> None:
    """durable-rules 2.0.28 builds on 3.13 but fails to import (PyEval_CallObject): pip must refuse 3.13."""
    from importlib.metadata import metadata

    from packaging.specifiers import SpecifierSet

    supported = SpecifierSet(metadata("mipr-rules")["Requires-Python"])
    assert all(version in supported for version in ("3.10", "3.11", "3.12"))
    assert "3.13" not in supported
