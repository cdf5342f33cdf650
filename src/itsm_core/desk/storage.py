"""How the desk's aggregates are stored: the records and the index fields.

The records are derived from the entities' attrs fields (see
:meth:`~itsm_core.storage.AggregateSpec.of`). Revision 0011 creates both tables.

``knowledge_flag`` (:data:`FLAG_SPEC`)
    ``kind``, ``state``, ``article``, ``record_id``, ``customer``,
    ``route_to``, ``raised_by`` (str), ``raised_at`` datetime, ``uses`` int
    (1: an article flag not rejected, one use of the article) and
    ``resolved`` int (1: such a use that resolved the request), which the
    article ranking sums per article in the database.

``customer_contact`` (:data:`CONTACT_SPEC`)
    ``customer``, ``phone`` (international form), ``email`` (lower case):
    a caller's number or address finds the contact, hence the customer, in
    one indexed query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itsm_core.storage.base import AggregateSpec, IndexField

if TYPE_CHECKING:
    from itsm_core.desk.model import CustomerContact, KnowledgeFlag

__all__ = ["CONTACT_SPEC", "DESK_SPECS", "FLAG_SPEC"]


FLAG_SPEC: AggregateSpec[KnowledgeFlag] = AggregateSpec.of(
    "itsm_core.desk.model:KnowledgeFlag",
    kind="knowledge_flag",
    record_version=1,
    index=(
        IndexField("kind", "str", lambda f: f.kind.value),
        IndexField("state", "str", lambda f: f.state.value),
        IndexField("article", "str", lambda f: f.article),
        IndexField("record_id", "str", lambda f: f.record_id),
        IndexField("customer", "str", lambda f: f.customer),
        IndexField("route_to", "str", lambda f: f.route_to),
        IndexField("raised_by", "str", lambda f: f.raised_by),
        IndexField("raised_at", "datetime", lambda f: f.raised_at),
        IndexField("uses", "int", lambda f: 1 if f.counts_as_use else 0),
        IndexField("resolved", "int", lambda f: 1 if f.resolved else 0),
    ),
)
"""The storage spec of knowledge flags (kind ``"knowledge_flag"``)."""

CONTACT_SPEC: AggregateSpec[CustomerContact] = AggregateSpec.of(
    "itsm_core.desk.model:CustomerContact",
    kind="customer_contact",
    record_version=1,
    index=(
        IndexField("customer", "str", lambda c: c.customer),
        IndexField("phone", "str", lambda c: c.phone),
        IndexField("email", "str", lambda c: c.email),
    ),
)
"""The storage spec of customer contacts (kind ``"customer_contact"``)."""

DESK_SPECS: tuple[AggregateSpec[Any], ...] = (FLAG_SPEC, CONTACT_SPEC)
"""Every storage spec of the desk."""
