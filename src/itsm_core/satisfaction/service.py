"""Satisfaction as the facade offers it: ``core.satisfaction``.

A :class:`SatisfactionService` composes one sub-service per job; each checks
the actor's role first:

.. list-table::
   :header-rows: 1
   :widths: 18 46 36

   * - sub-service
     - what it does
     - who acts
   * - ``surveys``
     - survey campaigns, invitations by token, reminders, survey submission
     - the operations, project and relationship managers, the quality
       specialist; the invited customer
   * - ``service_records``
     - the requests handled in the ticketing tool (register, resolve, close,
       reopen)
     - the service desk, the coordinator, the engineer, the system
   * - ``callbacks``
     - the callback register: daily sampling, monthly key-customer callbacks,
       outcomes
     - the coordinator, the service desk, the system
   * - ``responses``
     - ticket, monthly and other scores; the complaint sweep
     - the customer, or the staff entering a score for them
   * - ``customers``
     - the customer register (key customers)
     - the relationship, operations and project managers, the system
   * - ``analysis``
     - figures, changes, response rates, desk KPIs, watch lists (reports)
     - the readers of the analysis
   * - ``targets``
     - targets and critical lines, evaluation, standings
     - the relationship manager, the operations manager or director

Reading is open to the staff roles named in each sub-service. The
sub-services share one ``Capture``, a private helper holding the settings, the
complaint trigger and the callback clocks; none inherits from another.
"""

from __future__ import annotations

from datetime import tzinfo

from itsm_core.calendars.working import WorkingCalendar
from itsm_core.improvements import ImprovementRegister
from itsm_core.runtime import Runtime
from itsm_core.satisfaction._capture import Capture
from itsm_core.satisfaction.analysis import (
    AnalysisSources,
    ChannelWeights,
    SatisfactionAnalysis,
    TargetService,
    key_customers_from,
)
from itsm_core.satisfaction.callbacks import CallbackService
from itsm_core.satisfaction.customers import CustomerService
from itsm_core.satisfaction.policy import SatisfactionPolicy
from itsm_core.satisfaction.responses import ResponseService
from itsm_core.satisfaction.service_records import ServiceRecordService
from itsm_core.satisfaction.storage import (
    CUSTOMER_SPEC,
    INVITATION_SPEC,
    RESPONSE_SPEC,
    SERVICE_RECORD_SPEC,
)
from itsm_core.satisfaction.surveys import SurveyService
from itsm_core.satisfaction.triggers import ComplaintOpener
from itsm_core.sla.keeper import ClockKeeper

__all__ = ["SatisfactionService"]


class SatisfactionService:
    """Satisfaction on four channels and its analysis, as sub-services.

    Built by the facade as ``core.satisfaction``.

    :param runtime: the shared runtime (clock, store, plug-ins).
    :param policy: the provider's settings (default :class:`SatisfactionPolicy`).
    :param calendar: the provider's business calendar for callback due times
        (default: :func:`~itsm_core.satisfaction.sampling.WeekdayCalendar`
        in the policy's zone).
    :param complaints: opens complaints for very dissatisfied responses (the
        facade passes its complaint service); None: the responses wait in
        :meth:`ResponseService.open_pending_complaints
        <itsm_core.satisfaction.responses.ResponseService.open_pending_complaints>`
        until one is set.
    :param sla: the SLA clock keeper (the facade passes the one of ``core.sla``):
        each callback then runs on an SLA clock, started and stopped in the
        callback's own unit of work (:mod:`~itsm_core.satisfaction.callback_clocks`);
        None: no clocks.
    :param weights: the weight of each channel in combined figures, target
        evaluation and watch lists (None: all responses pooled).
    :param improvements: the improvement register the items raised below
        target go to (the facade passes ``core.improvements.keeper``).
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        policy: SatisfactionPolicy | None = None,
        calendar: WorkingCalendar | None = None,
        complaints: ComplaintOpener | None = None,
        sla: ClockKeeper | None = None,
        weights: ChannelWeights | None = None,
        improvements: ImprovementRegister | None = None,
    ) -> None:
        self._capture = Capture(
            runtime, policy=policy, calendar=calendar, complaints=complaints, sla=sla
        )
        timezone: str | tzinfo = self._capture.policy.timezone
        sources = AnalysisSources(
            runtime,
            responses=RESPONSE_SPEC,
            service_records=SERVICE_RECORD_SPEC,
            invitations=INVITATION_SPEC,
            key_customers=key_customers_from(CUSTOMER_SPEC),
            weights=weights,
            timezone=timezone,
        )
        self.surveys = SurveyService(self._capture)
        """Survey campaigns, invitations and submissions."""
        self.service_records = ServiceRecordService(self._capture)
        """The requests handled in the provider's ticketing tool."""
        self.callbacks = CallbackService(self._capture)
        """The callback register: daily sampling, monthly callbacks, outcomes."""
        self.responses = ResponseService(self._capture)
        """Ticket, monthly and other scores; the complaint sweep."""
        self.customers = CustomerService(self._capture)
        """The customer register and key customers."""
        self.analysis = SatisfactionAnalysis(sources)
        """Figures, changes, response rates, desk KPIs and watch lists."""
        self.targets = TargetService(sources, improvements)
        """Targets and critical lines, evaluation and standings."""

    @property
    def policy(self) -> SatisfactionPolicy:
        """The provider's satisfaction settings."""
        return self._capture.policy

    @property
    def complaints(self) -> ComplaintOpener | None:
        """What opens complaints for very dissatisfied responses (None: they wait)."""
        return self._capture.complaints

    @complaints.setter
    def complaints(self, value: ComplaintOpener | None) -> None:
        self._capture.complaints = value

    @property
    def sla(self) -> ClockKeeper | None:
        """The SLA clock keeper callbacks run their clocks on (None: no clocks)."""
        return self._capture.sla

    @property
    def calendar(self) -> WorkingCalendar:
        """The business calendar callbacks are due on (see
        :mod:`~itsm_core.satisfaction.callback_clocks`); assign another to change it."""
        return self._capture.calendar

    @calendar.setter
    def calendar(self, value: WorkingCalendar) -> None:
        self._capture.calendar = value
