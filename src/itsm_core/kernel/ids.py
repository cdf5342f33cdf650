"""Identifiers: random, sortable-enough, URL-safe strings."""

from __future__ import annotations

import uuid

__all__ = ["new_id"]


def new_id(prefix: str = "") -> str:
    """Return a new unique id, optionally prefixed (e.g. ``"cmp-"``)."""
    return f"{prefix}{uuid.uuid4().hex}"
