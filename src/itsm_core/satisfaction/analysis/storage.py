"""How targets and standings are stored: their aggregate specs.

The records are derived from the entities' attrs fields (see
:meth:`~itsm_core.storage.AggregateSpec.of`). A target's record version 2
holds its improvement period in whole microseconds, as every duration;
version 1, the shape of 0.1.0, held it in seconds. A standing's record
version 2 holds the ids of its improvement items (kept in the improvement
register); version 1 embedded the items. Revision 0004 moves embedded items
out into the register; the upcaster reads a record of either shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itsm_core.storage.base import AggregateSpec, IndexField

if TYPE_CHECKING:
    from itsm_core.satisfaction.analysis.model import SatisfactionStanding, SatisfactionTarget

__all__ = ["ANALYSIS_SPECS", "STANDING_SPEC", "TARGET_SPEC"]


def _target_v1_to_v2(record: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (0.1.0) held the improvement period in seconds (a float)."""
    record["improvement_period"] = round(float(record["improvement_period"]) * 1_000_000)
    return record


TARGET_SPEC: AggregateSpec[SatisfactionTarget] = AggregateSpec.of(
    "itsm_core.satisfaction.analysis.targets:SatisfactionTarget",
    kind="satisfaction_target",
    record_version=2,
    upcasters={1: _target_v1_to_v2},
    index=(
        IndexField("service", "str", lambda t: t.service),
        IndexField("customer", "str", lambda t: t.customer),
        IndexField("metric", "str", lambda t: t.metric.value),
        IndexField("active", "bool", lambda t: t.active),
    ),
)
"""Satisfaction targets, one per service and customer (or service overall)."""


def _standing_v1_to_v2(record: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (0.1.0) embedded the improvement items; version 2 keeps their ids."""
    record["improvements"] = [
        item if isinstance(item, str) else item["id"] for item in record.get("improvements", ())
    ]
    return record


def _level(s: SatisfactionStanding) -> Any:
    return None if s.level is None else s.level.value


STANDING_SPEC: AggregateSpec[SatisfactionStanding] = AggregateSpec.of(
    "itsm_core.satisfaction.analysis.standings:SatisfactionStanding",
    kind="satisfaction_standing",
    record_version=2,
    upcasters={1: _standing_v1_to_v2},
    index=(
        IndexField("service", "str", lambda s: s.service),
        IndexField("customer", "str", lambda s: s.customer),
        IndexField("period", "str", lambda s: s.period),
        IndexField("level", "str", _level),
        IndexField("below_target", "bool", lambda s: s.below_target),
    ),
)
"""The last classification of each service and customer, with the ids of its improvement items."""

ANALYSIS_SPECS: tuple[AggregateSpec[Any], ...] = (TARGET_SPEC, STANDING_SPEC)
"""Every aggregate kind of the analysis side."""
