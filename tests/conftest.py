"""Shared test configuration."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from itsm_core.testing.hypothesis_plugin import register_type_strategies
from tests.ci import in_ci

# The plug-ins an installed itsm-core brings through entry points (pytest11, hypothesis),
# also when the suite runs from a source checkout; pytester runs sample suites in-process.
pytest_plugins = ["pytester", "itsm_core.testing.pytest_plugin"]
register_type_strategies()

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=40, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if in_ci() else "dev"))
