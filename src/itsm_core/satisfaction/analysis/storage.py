"""How targets and standings are stored: their aggregate specs."""

from __future__ import annotations

from typing import Any

from itsm_core.satisfaction.analysis.standings import (
    SatisfactionStanding,
    standing_from_record,
    standing_to_record,
)
from itsm_core.satisfaction.analysis.targets import (
    SatisfactionTarget,
    target_from_record,
    target_to_record,
)
from itsm_core.storage.base import AggregateSpec, IndexField

__all__ = ["ANALYSIS_SPECS", "STANDING_SPEC", "TARGET_SPEC"]

TARGET_SPEC: AggregateSpec[SatisfactionTarget] = AggregateSpec(
    kind=SatisfactionTarget.KIND,
    entity_type=SatisfactionTarget,
    to_record=target_to_record,
    from_record=target_from_record,
    index=(
        IndexField("service", "str", lambda t: t.service),
        IndexField("customer", "str", lambda t: t.customer),
        IndexField("metric", "str", lambda t: t.metric.value),
        IndexField("active", "bool", lambda t: t.active),
    ),
)
"""Satisfaction targets, one per service and customer (or service overall)."""


def _level(s: SatisfactionStanding) -> Any:
    return None if s.level is None else s.level.value


STANDING_SPEC: AggregateSpec[SatisfactionStanding] = AggregateSpec(
    kind=SatisfactionStanding.KIND,
    entity_type=SatisfactionStanding,
    to_record=standing_to_record,
    from_record=standing_from_record,
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
