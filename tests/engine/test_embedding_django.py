"""``Session.readiness`` inside a Django view and a Django management command, in a minimal real project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mipr_rules.testing.contract import sample_path

pytest.importorskip("django", reason="the test extra installs Django")

READINESS = """
import datetime as dt
from mipr_rules.adapters.base import ReadContext
from mipr_rules.privacy import default_pseudonym_key
from mipr_rules.adapters.file_adapter import FileAdapter
from mipr_rules.api import Session


def alerts(path):
    locations = FileAdapter().read(path, ReadContext(key=default_pseudonym_key()))
    with Session() as session:
        report = session.readiness(locations, as_of=dt.date(2026, 11, 2))
    return [[a.rule_id, a.subject] for a in report.alerts()]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """settings, urls with one view, and an app ``homes`` with the command ``readiness``."""
    (tmp_path / "settings.py").write_text(
        'SECRET_KEY = "test"\nDEBUG = False\nALLOWED_HOSTS = ["testserver"]\nROOT_URLCONF = "urls"\n'
        'INSTALLED_APPS = ["homes"]\nUSE_TZ = True\n',
        encoding="utf-8",
    )
    (tmp_path / "urls.py").write_text(
        textwrap.dedent(
            """
            from django.http import JsonResponse
            from django.urls import path
            from homes.readiness import alerts

            def readiness(request):
                return JsonResponse({"alerts": alerts(request.GET["path"])})

            urlpatterns = [path("readiness", readiness)]
            """
        ),
        encoding="utf-8",
    )
    commands = tmp_path / "homes" / "management" / "commands"
    commands.mkdir(parents=True)
    for folder in (tmp_path / "homes", tmp_path / "homes" / "management", commands):
        (folder / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "homes" / "readiness.py").write_text(READINESS, encoding="utf-8")
    (commands / "readiness.py").write_text(
        textwrap.dedent(
            """
            import json
            from django.core.management.base import BaseCommand
            from homes.readiness import alerts

            class Command(BaseCommand):
                def add_arguments(self, parser):
                    parser.add_argument("path")

                def handle(self, *args, **options):
                    self.stdout.write(json.dumps(alerts(options["path"])))
            """
        ),
        encoding="utf-8",
    )
    return tmp_path


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project), "DJANGO_SETTINGS_MODULE": "settings"}
    env.pop("MIPR_RULES_WORKERS", None)
    return subprocess.run(
        [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_django_view_returns_the_samples_alerts(project: Path) -> None:
    code = textwrap.dedent(
        f"""
        import django
        django.setup()
        from django.test import Client
        response = Client().get("/readiness", {{"path": {str(sample_path())!r}}})
        print(response.status_code, response.content.decode())
        """
    )
    result = _run(project, "-c", code)
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.split(" ", 1)
    assert status == "200"
    assert len(json.loads(body)["alerts"]) == 23


def test_a_django_management_command_prints_the_samples_alerts(project: Path) -> None:
    result = _run(project, "-m", "django", "readiness", str(sample_path()))
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 23
