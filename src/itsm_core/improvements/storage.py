"""How improvement items are stored: the record and the index fields.

The record is derived from the item's attrs fields (see
:meth:`~itsm_core.storage.AggregateSpec.of`) and round-trips exactly. The
index fields are what the register's queries use: source kind and reference,
owner, state, due instant, service and customer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from itsm_core.storage.base import AggregateSpec, IndexField

if TYPE_CHECKING:
    from itsm_core.improvements.model import ImprovementItem

__all__ = ["IMPROVEMENT_SPEC"]


IMPROVEMENT_SPEC: AggregateSpec[ImprovementItem] = AggregateSpec.of(
    "itsm_core.improvements.model:ImprovementItem",
    kind="improvement_item",
    record_version=1,
    index=(
        IndexField("state", "str", lambda i: i.state._value_),
        IndexField("source_kind", "str", lambda i: i.source_kind._value_),
        IndexField("source_ref", "str", lambda i: i.source_ref),
        IndexField("owner", "str", lambda i: i.owner),
        IndexField("open", "bool", lambda i: i.is_open),
        IndexField("due_at", "datetime", lambda i: i.due_at),
        IndexField("issued_at", "datetime", lambda i: i.issued_at),
        IndexField("service", "str", lambda i: i.service),
        IndexField("customer", "str", lambda i: i.customer),
        IndexField("business_unit", "str", lambda i: i.business_unit or None),
    ),
)
"""The storage spec of improvement items (kind ``"improvement_item"``)."""
