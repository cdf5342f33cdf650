"""Use cases of satisfaction capture: :class:`SatisfactionService` (``core.satisfaction``).

Every public method takes the acting :class:`~itsm_core.kernel.actors.Actor` first and
checks their role (DOMAIN §1, seed 000 §7.2.4):

========================================  =============================================
survey campaigns (create, open, invite,   operations manager (运维经理, responsible for
remind, close, mark analysed)             satisfaction), project manager, relationship
                                          manager, quality specialist (质控专员)
survey answers by token                   the invited customer; or the staff above,
                                          coordinator or service desk on their behalf
                                          (interview, phone)
customer monthly score                    the customer; the project manager (项目经理)
service ticket score                      the customer; the engineer (工程师), service
                                          desk or coordinator entering it; the system
                                          (imported from the ticketing tool)
callback sampling, scheduling             coordinator (协调岗), service desk, system
callback register (record, cancel)        coordinator, service desk
service records (register, resolve,       service desk, coordinator, engineer, system
close, reopen)
customer register (key customers)         relationship manager, operations manager,
                                          project manager, system
reading                                   the staff roles above, operations director,
                                          incident manager, complaint specialist, system
========================================  =============================================
"""

from __future__ import annotations

from itsm_core.satisfaction.service_callbacks import CallbackUseCases
from itsm_core.satisfaction.service_responses import ResponseUseCases
from itsm_core.satisfaction.service_surveys import SurveyUseCases

__all__ = ["SatisfactionService"]


class SatisfactionService(ResponseUseCases, CallbackUseCases, SurveyUseCases):
    """Satisfaction capture: scales, the four channels, campaigns, service records,
    callbacks and the complaint trigger.

    Built by the facade as ``core.satisfaction``.

    :param runtime: the shared runtime (clock, store, plug-ins).
    :param policy: the provider's settings (default :class:`SatisfactionPolicy`).
    :param calendar: the provider's business calendar for callback due times
        (default: :func:`~itsm_core.satisfaction.callbacks.WeekdayCalendar`
        in the policy's zone).
    :param complaints: opens complaints for very dissatisfied responses (the
        facade passes its complaint service); None: the responses wait in
        :meth:`open_pending_complaints` until one is set.
    :param sla: the SLA clock keeper (the facade passes the one of ``core.sla``): each callback
        then runs on an SLA clock, started and stopped in the callback's own
        unit of work (:mod:`~itsm_core.satisfaction.callback_clocks`); None: no
        clocks.

    The use cases live in three parts: customers and responses
    (:class:`~itsm_core.satisfaction.service_responses.ResponseUseCases`),
    service records and callbacks
    (:class:`~itsm_core.satisfaction.service_callbacks.CallbackUseCases`) and
    survey campaigns (:class:`~itsm_core.satisfaction.service_surveys.SurveyUseCases`).
    """
