"""Fixtures of the improvement tests: the complaint fixtures, for complaints' items."""

from __future__ import annotations

from tests.unit.complaints.conftest import clock, core, recorder

__all__ = ["clock", "core", "recorder"]
