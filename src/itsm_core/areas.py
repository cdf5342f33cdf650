"""The list of the library's areas: the aggregate kinds each one stores.

The facade opens the store with these specs, and the schema tool
(:mod:`itsm_core.schema`) builds the migrated tables from them. The storage
layer knows no area: it is always handed the specs.
"""

from __future__ import annotations

from typing import Any

from itsm_core.communications import COMMUNICATION_SPECS
from itsm_core.complaints import COMPLAINT_SPEC, PRAISE_SPEC
from itsm_core.desk import DESK_SPECS
from itsm_core.improvements import IMPROVEMENT_SPEC
from itsm_core.reviews import PLAN_SPEC, REVIEW_SPEC
from itsm_core.reviews.analysis import ANALYSIS_SPECS as REVIEW_ANALYSIS_SPECS
from itsm_core.satisfaction import satisfaction_specs
from itsm_core.satisfaction.analysis import ANALYSIS_SPECS
from itsm_core.sla import AGREEMENT_SPEC, CLOCK_SPEC
from itsm_core.storage.base import AggregateSpec

__all__ = ["aggregate_specs"]


def aggregate_specs() -> list[AggregateSpec[Any]]:
    """Return the storage specs of every aggregate kind of the library."""
    specs: list[AggregateSpec[Any]] = [
        COMPLAINT_SPEC,
        PRAISE_SPEC,
        IMPROVEMENT_SPEC,
        CLOCK_SPEC,
        AGREEMENT_SPEC,
    ]
    specs.extend(satisfaction_specs())
    specs.extend(ANALYSIS_SPECS)
    specs.extend((REVIEW_SPEC, PLAN_SPEC))
    specs.extend(REVIEW_ANALYSIS_SPECS)
    specs.extend(DESK_SPECS)
    specs.extend(COMMUNICATION_SPECS)
    return specs
