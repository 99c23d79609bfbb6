"""WCAG 2.2 AA of the HTML report: axe-core run in headless Chromium finds no violation."""

from __future__ import annotations

import html
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent.parent / "fixtures" / "axe" / "axe.min.js"
"""axe-core, vendored (MPL-2.0; tests/fixtures/axe/README.txt) so that the check needs no network."""

_RUN_AXE = """
<script src="%s"></script>
<script>
axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
  "best-practice"]}}).then(function (r) {
  var out = document.createElement("pre"); out.id = "axe-result";
  out.textContent = JSON.stringify({passes: r.passes.length, violations: r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(function (n) { return n.target.join(" ") + ": " + n.failureSummary; })};
  })});
  document.body.appendChild(out);
}).catch(function (e) {
  var out = document.createElement("pre"); out.id = "axe-result";
  out.textContent = JSON.stringify({error: String(e)}); document.body.appendChild(out);
});
</script>
"""


def axe(chromium: Callable[..., subprocess.CompletedProcess[str]], page: Path) -> dict[str, Any]:
    """axe-core's results on ``page`` (a copy with axe injected), as Chromium rendered it."""
    probe = page.with_name(page.stem + ".axe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _RUN_AXE % AXE.as_uri() + "</body>"))
    done = chromium("--virtual-time-budget=30000", "--dump-dom", probe.as_uri())
    match = re.search(r'<pre id="axe-result">(.*?)</pre>', done.stdout, re.S)
    assert match, f"axe did not report (chromium exit {done.returncode}): {done.stderr[-500:]}"
    result: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    assert "error" not in result, result
    return result


def test_axe_finds_no_violation_in_the_sample_report(chromium: Any, sample_html: Path) -> None:
    result = axe(chromium, sample_html)
    assert result["violations"] == [], json.dumps(result["violations"], indent=2)
    assert result["passes"] > 10  # axe really ran its checks on the page


def test_the_check_catches_a_low_contrast_badge(chromium: Any, sample_html: Path) -> None:
    """The old amber badge (white on #d68910, 2.8:1) is what the check is there to catch."""
    bad = sample_html.with_name("low-contrast.html")
    bad.write_text(sample_html.read_text(encoding="utf-8").replace(".medium{background:#8a5300}",
                                                                   ".medium{background:#d68910}"))
    ids = {v["id"] for v in axe(chromium, bad)["violations"]}
    assert "color-contrast" in ids


def test_tables_have_column_headers_and_the_page_has_landmarks(sample_html: Path) -> None:
    text = sample_html.read_text(encoding="utf-8")
    assert text.count("<table>") == text.count('<th scope="col">Severity</th>') > 1
    assert "<main>" in text and "<footer>" in text
