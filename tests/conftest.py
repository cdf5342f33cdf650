"""Shared test configuration."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from tests.ci import in_ci

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=40, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if in_ci() else "dev"))
