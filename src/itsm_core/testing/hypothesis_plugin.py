"""Strategies for the library's types, registered with hypothesis for ``st.from_type``.

Installed with the package (entry point group ``hypothesis``): when
hypothesis is imported, it calls :func:`register_type_strategies`, and
``st.from_type(Complaint)`` (or ``builds(...)`` and ``@given`` with inferred
arguments) draws valid library values instead of failing on them:

=====================================  ==============================================
type                                   drawn by
=====================================  ==============================================
:class:`~itsm_core.Actor`              :func:`~itsm_core.testing.strategies.actors`
:class:`~itsm_core.Complainant`        :func:`~itsm_core.testing.strategies.complainants`
:class:`~itsm_core.Complaint`          a complaint just received (state ``received``,
                                       version 1, one pending event) from
                                       :func:`~itsm_core.testing.strategies.complaint_intakes`
:class:`~itsm_core.QualityIndicator`   text pairs
:class:`~itsm_core.Scale`              :func:`~itsm_core.testing.satisfaction.scales`
:class:`~itsm_core.Score`              a raw value scored on one of those scales
:class:`~itsm_core.ServiceRecord`      :func:`~itsm_core.testing.satisfaction.service_records`
``Response`` (satisfaction)            :func:`~itsm_core.testing.satisfaction.responses`
=====================================  ==============================================

Every instant in them is timezone-aware. The enumerations
(:class:`~itsm_core.kernel.labels.Labelled`: ``ComplaintChannel``,
``Severity``, ``Role``...) need nothing registered: hypothesis draws their
members. ``datetime`` itself is left alone (hypothesis draws naive ones for
it; use :func:`~itsm_core.testing.satisfaction.aware_datetimes` where the
library takes an instant).

Where the entry point is not installed (a source checkout on ``sys.path``,
``HYPOTHESIS_NO_PLUGINS`` set), call :func:`register_type_strategies` once,
e.g. in ``conftest.py``. Registering again changes nothing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["register_type_strategies"]


def register_type_strategies() -> None:
    """Register a strategy for each library type listed above (idempotent).

    Runs while hypothesis itself is being imported, so it imports only the
    library's types here; the strategies are built on first use
    (``st.deferred``), after every module is ready.
    """
    from hypothesis import strategies as st

    from itsm_core.complaints.model import Complainant, Complaint
    from itsm_core.improvements import QualityIndicator
    from itsm_core.kernel.actors import Actor
    from itsm_core.satisfaction.model import Response, ServiceRecord
    from itsm_core.satisfaction.scales import Scale, Score

    def strategies() -> Any:
        from itsm_core.testing import strategies

        return strategies

    def satisfaction() -> Any:
        from itsm_core.testing import satisfaction

        return satisfaction

    table: dict[type[Any], st.SearchStrategy[Any]] = {
        Actor: st.deferred(lambda: strategies().actors()),
        Complainant: st.deferred(lambda: strategies().complainants()),
        Complaint: st.deferred(_complaints),
        QualityIndicator: st.deferred(
            lambda: strategies().quality_indicators(max_size=1).map(lambda q: q[0])
        ),
        Scale: st.deferred(lambda: satisfaction().scales()),
        Score: st.deferred(lambda: satisfaction().scored().map(lambda p: p[0].score(p[1]))),
        ServiceRecord: st.deferred(lambda: satisfaction().service_records()),
        Response: st.deferred(lambda: satisfaction().responses()),
    }
    for kind, strategy in table.items():
        st.register_type_strategy(kind, strategy)


def _complaints() -> Any:
    from hypothesis import strategies as st

    from itsm_core.complaints.model import Complaint
    from itsm_core.testing import strategies as its
    from itsm_core.testing.satisfaction import aware_datetimes

    return st.builds(
        lambda intake, at, key: Complaint.receive(
            its.receiver(), at, complaint_id=f"cmp-{key.hex}", **intake
        ),
        its.complaint_intakes(),
        aware_datetimes(),
        st.uuids(),
    )


_hypothesis_setup_hook = register_type_strategies
"""What the ``hypothesis`` entry point names (hypothesis calls it when imported)."""
