"""How the tests know they run in CI, in one place: ``CI`` set to 1, true or yes.

Under CI nothing may be skipped for lack of a service or a package: what
would be a skip on a developer's machine is a failure there.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

__all__ = ["in_ci", "require_module"]


def in_ci() -> bool:
    """True when the environment variable ``CI`` is 1, true or yes (any case)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_module(name: str) -> ModuleType:
    """Import ``name``; without it skip the test, or fail it under CI."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if in_ci():
            pytest.fail(f"{name} is needed and CI must not skip: {exc}", pytrace=False)
        pytest.skip(f"{name} is not installed: {exc}")
