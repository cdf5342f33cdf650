"""The example plug-in package under examples/ is installed with pip and loaded by entry point.

It is installed into a temporary directory that is put on ``sys.path`` only
for these tests (``pip install --target``), so the example never stays in
the environment the rest of the suite runs in. No network is used: the build
runs without isolation, with the setuptools already installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from itsm_core import ItsmCore
from tests.ci import in_ci

from .support import IDENTITY, make_core, receive_ticket, ticket_event

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "itsm-example-notifier"
MODULE = "itsm_example_notifier"
NAME = "example.event-log"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build and install the example once per run; return the directory it is in."""
    if importlib.util.find_spec("pip") is None:
        if in_ci():
            pytest.fail("pip is needed to install the example plug-in, and CI must not skip")
        pytest.skip("pip is not available to install the example plug-in")
    base = tmp_path_factory.mktemp("example-plugin")
    source = base / "source"  # build from a copy: the build leaves files behind
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    target = base / "site"
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
        "--no-build-isolation", "--disable-pip-version-check", "--target", str(target),
        str(source),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, (
        "pip could not install the example plug-in (building it offline needs "
        f"setuptools>=70.1, or setuptools with the 'wheel' package):\n{done.stderr}"
    )
    return target


@pytest.fixture
def example(installed: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """The example on ``sys.path`` with a fresh import, logging to a file; removed afterwards."""
    monkeypatch.setenv("ITSM_EXAMPLE_EVENT_LOG", str(tmp_path / "events.jsonl"))
    monkeypatch.syspath_prepend(str(installed))
    sys.modules.pop(MODULE, None)
    try:
        yield importlib.import_module(MODULE)
    finally:
        sys.modules.pop(MODULE, None)


def test_the_example_declares_its_entry_point(example: Any) -> None:
    (ep,) = [ep for ep in entry_points(group="itsm_core") if ep.name == NAME]
    assert ep.value == f"{MODULE}:notifier"
    assert ep.dist is not None and ep.dist.name == "itsm-example-notifier"
    assert ep.load() is example.notifier


def test_the_facade_loads_it_and_it_receives_events(example: Any, tmp_path: Path) -> None:
    assert ItsmCore().plugins.get_plugin(NAME) is example.notifier
    core, _ = make_core(load_entrypoints=True)
    names = {impl.plugin_name for impl in core.plugins.hook.itsm_on_event.get_hookimpls()}
    assert NAME in names

    receive_ticket(core, "t-1")
    receive_ticket(core, "t-2")

    events = example.notifier.events
    assert [e.aggregate_id for e in events] == ["t-1", "t-2"]
    assert all(e.payload["complainant"] == "[redacted]" for e in events)
    lines = (tmp_path / "events.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["event_id"] for line in lines] == [e.event_id for e in events]
    assert IDENTITY not in "".join(lines)


def test_the_example_is_idempotent_by_event_id(example: Any) -> None:
    event = ticket_event()
    example.notifier.itsm_on_event(event)
    example.notifier.itsm_on_event(event)  # delivered again after a retry
    assert [e.event_id for e in example.notifier.events] == [event.event_id]
    assert example.notifier.events[0].payload["complainant"] == "[redacted]"


def test_without_the_example_on_the_path_nothing_is_loaded() -> None:
    assert NAME not in {ep.name for ep in entry_points(group="itsm_core")}
