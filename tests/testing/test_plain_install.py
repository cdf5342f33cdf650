"""Without the testing extra the package and the recording notifier work; the rest names it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

PROBE = """
import sys
sys.modules["hypothesis"] = None  # as if it were not installed
import itsm_core.testing as testing
testing.RecordingNotifier()
for name in ("strategies", "actors"):
    try:
        getattr(testing, name)
    except ModuleNotFoundError as error:
        print(error.name, "|", error)
    else:
        raise SystemExit(f"{name} imported without hypothesis")
try:
    import itsm_core.testing.contract
except ModuleNotFoundError as error:
    print(error.name, "|", error)
"""


def test_a_plain_install_names_the_testing_extra() -> None:
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 3, lines
    for line in lines:
        name, message = line.split(" | ")
        assert name == "hypothesis"
        assert "pip install 'itsm-core[testing]'" in message
