"""Storage: the repository / unit-of-work interface and the built-in backends."""

from itsm_core.storage.base import (
    AggregateSpec,
    FailedDelivery,
    IndexField,
    Measure,
    OutboxEntry,
    OutboxOutcome,
    Query,
    StorageBackend,
    UnitOfWork,
    Where,
    check_value,
    lease_end,
    settle_one_by_one,
    validate_aggregate,
)

__all__ = [
    "AggregateSpec",
    "FailedDelivery",
    "IndexField",
    "Measure",
    "OutboxEntry",
    "OutboxOutcome",
    "Query",
    "StorageBackend",
    "UnitOfWork",
    "Where",
    "check_value",
    "lease_end",
    "settle_one_by_one",
    "validate_aggregate",
]
