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
    check_value,
    lease_end,
    validate_aggregate,
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
    "check_value",
    "lease_end",
    "validate_aggregate",
]
