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
# For periodic runs of the reliability suites (docs/explanation/reliability.md):
# ``pytest tests/reliability --hypothesis-profile=long`` or ITSM_HYPOTHESIS_PROFILE=long.
settings.register_profile(
    "long",
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile(
    os.environ.get("ITSM_HYPOTHESIS_PROFILE")
    or os.environ.get("HYPOTHESIS_PROFILE", "ci" if in_ci() else "dev")
)
