"""Test helpers shipped with the library, for its own tests and applications' tests.

- :mod:`itsm_core.testing.recording`: :class:`RecordingNotifier`, a notifier
  plug-in that keeps every event and hook call the relay delivers.
- :mod:`itsm_core.testing.strategies`: hypothesis strategies for actors,
  complaints and complaint command sequences.
- :mod:`itsm_core.testing.satisfaction`: hypothesis strategies for scales,
  scores, responses and service records.
- :mod:`itsm_core.testing.contract`: the storage contract suite (pytest) that
  every storage backend runs; import it explicitly, it needs pytest.
- :mod:`itsm_core.testing.pytest_plugin`: fixtures for applications' test
  suites (a core on each store, a frozen clock, the recording notifier),
  loaded by pytest through its entry point.
- :mod:`itsm_core.testing.hypothesis_plugin`: strategies for the library's
  types, registered with hypothesis through its entry point (``st.from_type``).

The strategies and the contract suite need hypothesis and pytest, which come
with the ``testing`` extra (``pip install 'itsm-core[testing]'``); they are
imported when first used, so this package and the recording notifier work
on a plain install, and a missing extra is named in the error.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from itsm_core.testing.recording import HookCall, RecordingNotifier

if TYPE_CHECKING:
    from itsm_core.testing import strategies
    from itsm_core.testing.strategies import (
        ComplaintCommand,
        actors,
        authorised_actors,
        command_sequences,
        commands,
        complainants,
        complaint_intakes,
        improvement_requirements,
    )

__all__ = [
    "ComplaintCommand",
    "HookCall",
    "RecordingNotifier",
    "actors",
    "authorised_actors",
    "command_sequences",
    "commands",
    "complainants",
    "complaint_intakes",
    "improvement_requirements",
    "strategies",
]

_FROM_STRATEGIES = frozenset(__all__) - {"HookCall", "RecordingNotifier", "strategies"}


def __getattr__(name: str) -> Any:
    if name == "strategies":
        return importlib.import_module("itsm_core.testing.strategies")
    if name in _FROM_STRATEGIES:
        return getattr(importlib.import_module("itsm_core.testing.strategies"), name)
    raise AttributeError(f"module 'itsm_core.testing' has no attribute {name!r}")
