"""Registers the in-memory backend for ``memory://`` (a default plug-in)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from itsm_core.kernel.markers import hookimpl
from itsm_core.storage.base import AggregateSpec, BackendFactory, StorageBackend


def open_memory_backend(url: str, specs: Sequence[AggregateSpec[Any]]) -> StorageBackend:
    """Open a :class:`~itsm_core.storage.memory.MemoryBackend` (imported on first use)."""
    from itsm_core.storage.memory import MemoryBackend

    return MemoryBackend(url, specs)


@hookimpl
def itsm_register_storage(register: Callable[[str, BackendFactory], None]) -> None:
    """Register ``memory://``."""
    register("memory", open_memory_backend)
