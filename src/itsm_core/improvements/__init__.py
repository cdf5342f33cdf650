"""The service improvement register: improvement items of every source.

Use it through the facade: ``core.improvements`` is an
:class:`ImprovementService`. Complaints and satisfaction evaluations raise
items in their own units of work and refer to them by id; the lifecycle is
data (:data:`~itsm_core.improvements.lifecycle.TRANSITIONS`).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itsm_core.improvements._register import (
        SUBJECT_KIND,
        ImprovementRegister,
        ItemChange,
        SourceListener,
    )
    from itsm_core.improvements.enums import ImprovementSource, ImprovementState
    from itsm_core.improvements.lifecycle import LIFECYCLE, RULES, TRANSITIONS, SourceRules
    from itsm_core.improvements.model import ImprovementItem
    from itsm_core.improvements.service import ImprovementService
    from itsm_core.improvements.storage import IMPROVEMENT_SPEC
    from itsm_core.improvements.values import (
        FollowUp,
        ProgressNote,
        QualityIndicator,
        quality_indicators,
    )
else:
    from itsm_core.kernel.lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "itsm_core.improvements._register": (
                "SUBJECT_KIND",
                "ImprovementRegister",
                "ItemChange",
                "SourceListener",
            ),
            "itsm_core.improvements.enums": ("ImprovementSource", "ImprovementState"),
            "itsm_core.improvements.lifecycle": (
                "LIFECYCLE",
                "RULES",
                "TRANSITIONS",
                "SourceRules",
            ),
            "itsm_core.improvements.model": ("ImprovementItem",),
            "itsm_core.improvements.service": ("ImprovementService",),
            "itsm_core.improvements.storage": ("IMPROVEMENT_SPEC",),
            "itsm_core.improvements.values": (
                "FollowUp",
                "ProgressNote",
                "QualityIndicator",
                "quality_indicators",
            ),
        },
    )

__all__ = [
    "IMPROVEMENT_SPEC",
    "LIFECYCLE",
    "RULES",
    "SUBJECT_KIND",
    "TRANSITIONS",
    "FollowUp",
    "ImprovementItem",
    "ImprovementRegister",
    "ImprovementService",
    "ImprovementSource",
    "ImprovementState",
    "ItemChange",
    "ProgressNote",
    "QualityIndicator",
    "SourceListener",
    "SourceRules",
    "quality_indicators",
]
