"""Registers the in-memory backend for ``memory://`` (a default plug-in)."""

from __future__ import annotations

from collections.abc import Callable

from itsm_core.kernel.markers import hookimpl
from itsm_core.storage.base import BackendFactory
from itsm_core.storage.memory import MemoryBackend


@hookimpl
def itsm_register_storage(register: Callable[[str, BackendFactory], None]) -> None:
    """Register ``memory://``."""
    register("memory", MemoryBackend)
