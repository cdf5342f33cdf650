"""The HTML report in a real browser (headless Chromium): its charts load and have a size.

Runs wherever ``chromium`` is installed; under ``CI=true`` it must run (CI
installs Debian's ``chromium``), so a missing browser fails there.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from itsm_core.cli.app import cli
from tests.ci import in_ci

CHECK = """
<script>
window.addEventListener("load", () => {
  const images = [...document.querySelectorAll("img.chart")];
  const drawn = images.filter((img) => img.complete && img.naturalWidth > 0);
  const marker = document.createElement("div");
  marker.id = "charts-checked";
  marker.textContent = `charts ${drawn.length}/${images.length}`;
  document.body.appendChild(marker);
});
</script>
"""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if in_ci():
            pytest.fail("CI=true but chromium is not installed (.ci/run installs it)")
        pytest.skip("the browser test needs chromium")
    return found


def test_the_html_report_shows_its_charts(demo_url: str, tmp_path: Path) -> None:
    browser = _chromium()
    page = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli,
        ["report", "--db", demo_url, "--from", "2025-01-01", "--to", "2025-01-31",
         "--format", "html", "--out", str(page)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert html.count('<img class="chart"') == 3
    page.write_text(html.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    done = subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000",
            "--dump-dom", page.as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    marker = re.search(r'<div id="charts-checked">charts (\d+)/(\d+)</div>', done.stdout)
    assert marker is not None, done.stderr[-2000:]
    assert marker.groups() == ("3", "3")
