"""The service desk: the customer's view, the daily chase, knowledge flags.

Use it through the facade: ``core.desk`` is a :class:`DeskService`. From a
caller's phone number or e-mail address the desk sees the customer and all
their requests (:meth:`DeskService.customer_view`); every day it chases the
open requests (:meth:`DeskService.chase_list`, :meth:`DeskService.note_progress`);
and it flags the knowledge base (:meth:`DeskService.flag_article`,
:meth:`DeskService.flag_case`), each flag routed to the person who decides on
it. The desk's KPIs (first-contact resolution, one-time fix, record
completeness) are :meth:`core.satisfaction.analysis.desk_kpis
<itsm_core.satisfaction.analysis.SatisfactionAnalysis.desk_kpis>`.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itsm_core.desk._contacts import DEFAULT_COUNTRY_CODE, normalise_email, normalise_phone
    from itsm_core.desk.enums import FlagKind, FlagState
    from itsm_core.desk.lifecycle import LIFECYCLE, TRANSITIONS
    from itsm_core.desk.model import CustomerContact, KnowledgeFlag
    from itsm_core.desk.notices import FlagNotice, flag_hook_calls
    from itsm_core.desk.service import DeskService
    from itsm_core.desk.storage import CONTACT_SPEC, DESK_SPECS, FLAG_SPEC
    from itsm_core.desk.views import ArticleEffectiveness, ChaseList, CustomerView, MemberChase
else:
    from itsm_core.kernel.lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "itsm_core.desk._contacts": (
                "DEFAULT_COUNTRY_CODE",
                "normalise_email",
                "normalise_phone",
            ),
            "itsm_core.desk.enums": ("FlagKind", "FlagState"),
            "itsm_core.desk.lifecycle": ("LIFECYCLE", "TRANSITIONS"),
            "itsm_core.desk.model": ("CustomerContact", "KnowledgeFlag"),
            "itsm_core.desk.notices": ("FlagNotice", "flag_hook_calls"),
            "itsm_core.desk.service": ("DeskService",),
            "itsm_core.desk.storage": ("CONTACT_SPEC", "DESK_SPECS", "FLAG_SPEC"),
            "itsm_core.desk.views": (
                "ArticleEffectiveness",
                "ChaseList",
                "CustomerView",
                "MemberChase",
            ),
        },
    )

__all__ = [
    "CONTACT_SPEC",
    "DEFAULT_COUNTRY_CODE",
    "DESK_SPECS",
    "FLAG_SPEC",
    "LIFECYCLE",
    "TRANSITIONS",
    "ArticleEffectiveness",
    "ChaseList",
    "CustomerContact",
    "CustomerView",
    "DeskService",
    "FlagKind",
    "FlagNotice",
    "FlagState",
    "KnowledgeFlag",
    "MemberChase",
    "flag_hook_calls",
    "normalise_email",
    "normalise_phone",
]
