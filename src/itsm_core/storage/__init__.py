"""Storage: the repository / unit-of-work interface and the built-in backends."""

from itsm_core.storage.base import (
    AggregateSpec,
    IndexField,
    Measure,
    OutboxEntry,
    Query,
    StorageBackend,
    UnitOfWork,
    Where,
    lease_end,
)

__all__ = [
    "AggregateSpec",
    "IndexField",
    "Measure",
    "OutboxEntry",
    "Query",
    "StorageBackend",
    "UnitOfWork",
    "Where",
    "lease_end",
]
