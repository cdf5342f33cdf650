"""A notifier that records what the relay delivers, for tests.

Pass one to the facade and read what reached the plug-ins::

    recorder = RecordingNotifier()
    core = ItsmCore("memory://", plugins=[recorder], load_entrypoints=False)
    ...
    assert recorder.names() == ["complaint.received", ...]
    assert [n.step for n in recorder.calls_of("itsm_sla_breach")] == [...]

It implements every notifier hook of :mod:`itsm_core.hookspecs`:
``itsm_on_event`` (kept in :attr:`RecordingNotifier.events`) and the
dedicated hooks (SLA warnings and breaches, service-period notices, service
records sent back, satisfaction level crossings), kept in
:attr:`RecordingNotifier.calls` in the order they arrived. With
``failures=n`` the first ``n`` deliveries raise :class:`OSError`, as a
notifier whose server is down would; the relay retries them with backoff.
With ``fail_when=predicate`` every delivery for which ``predicate(call)``
is true raises, until the predicate says otherwise (e.g. one step of the
breach chain that cannot be reached). :attr:`RecordingNotifier.attempts`
lists every delivery tried, failed ones included.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.markers import hookimpl

__all__ = ["HookCall", "RecordingNotifier"]


@attrs.frozen
class HookCall:
    """One call of a hook: its name and its arguments by name."""

    hook: str
    kwargs: dict[str, Any]

    @property
    def value(self) -> Any:
        """The call's only argument (e.g. the notification), or the dict of all of them."""
        if len(self.kwargs) == 1:
            return next(iter(self.kwargs.values()))
        return self.kwargs


class RecordingNotifier:
    """A notifier plug-in that keeps every delivery, for assertions in tests.

    :param name: the plug-in's name (deliveries are tracked per name, so two
        recorders in one facade need different names).
    :param failures: raise :class:`OSError` on this many deliveries first.
    :param fail_when: raise :class:`OSError` on every delivery this predicate
        accepts (it gets the :class:`HookCall`; an event delivery is the call
        ``itsm_on_event`` with the argument ``event``).
    """

    def __init__(
        self,
        name: str = "recording",
        *,
        failures: int = 0,
        fail_when: Callable[[HookCall], bool] | None = None,
    ) -> None:
        if not isinstance(failures, int) or isinstance(failures, bool) or failures < 0:
            raise ValidationError(
                f"failures must be a non-negative integer, got {failures!r}", field="failures"
            )
        if fail_when is not None and not callable(fail_when):
            raise ValidationError(
                f"fail_when must be a callable taking a HookCall, got {fail_when!r}",
                field="fail_when",
            )
        self.plugin_name = name
        self.failures = failures
        self.fail_when = fail_when
        self.failed = 0
        self.events: list[DomainEvent] = []
        self.calls: list[HookCall] = []
        self.attempts: list[HookCall] = []

    def _deliver(self, call: HookCall) -> None:
        self.attempts.append(call)
        if self.failures > 0 or (self.fail_when is not None and self.fail_when(call)):
            self.failures = max(self.failures - 1, 0)
            self.failed += 1
            raise OSError(f"{self.plugin_name}: {call.hook} refused (a simulated failure)")

    # -- what was delivered -------------------------------------------------

    def names(self) -> list[str]:
        """The names of the events received, in order (e.g. ``"complaint.received"``)."""
        return [e.name for e in self.events]

    def of(self, name: str) -> list[DomainEvent]:
        """The events received with the event name ``name``."""
        return [e for e in self.events if e.name == name]

    def for_aggregate(self, aggregate_id: str) -> list[DomainEvent]:
        """The events received about one aggregate, in order."""
        return [e for e in self.events if e.aggregate_id == aggregate_id]

    def calls_of(self, hook: str, *hooks: str) -> list[Any]:
        """The values passed to the dedicated hook ``hook`` (e.g. ``"itsm_sla_breach"``).

        With more hooks, the values passed to any of them, in the order they
        arrived (e.g. the SLA warnings and breach steps as a desk saw them).
        """
        wanted = {hook, *hooks}
        return [c.value for c in self.calls if c.hook in wanted]

    def clear(self) -> None:
        """Forget everything received and tried so far."""
        self.events.clear()
        self.calls.clear()
        self.attempts.clear()

    # -- the hooks ----------------------------------------------------------

    @hookimpl
    def itsm_on_event(self, event: DomainEvent) -> None:
        """Keep a committed event."""
        self._deliver(HookCall("itsm_on_event", {"event": event}))
        self.events.append(event)

    def _call(self, hook: str, **kwargs: Any) -> None:
        call = HookCall(hook, kwargs)
        self._deliver(call)
        self.calls.append(call)

    @hookimpl
    def itsm_sla_warning(self, notification: Any) -> None:
        """Keep an SLA warning."""
        self._call("itsm_sla_warning", notification=notification)

    @hookimpl
    def itsm_sla_breach(self, notification: Any) -> None:
        """Keep one step of an SLA breach chain."""
        self._call("itsm_sla_breach", notification=notification)

    @hookimpl
    def itsm_service_period_notice(self, notice: Any) -> None:
        """Keep a service-period notice."""
        self._call("itsm_service_period_notice", notice=notice)

    @hookimpl
    def itsm_satisfaction_level_crossed(self, crossing: Any) -> None:
        """Keep a satisfaction level crossing."""
        self._call("itsm_satisfaction_level_crossed", crossing=crossing)

    @hookimpl
    def itsm_knowledge_flag_raised(self, notice: Any) -> None:
        """Keep a knowledge flag routed to the person who decides on it."""
        self._call("itsm_knowledge_flag_raised", notice=notice)

    @hookimpl
    def itsm_service_record_returned(
        self,
        record_id: str,
        reason: str,
        customer: str,
        service: str,
        engineer: str | None,
        callback_id: str,
        returned_at: datetime,
    ) -> None:
        """Keep a service record sent back to its engineer."""
        self._call(
            "itsm_service_record_returned",
            record_id=record_id,
            reason=reason,
            customer=customer,
            service=service,
            engineer=engineer,
            callback_id=callback_id,
            returned_at=returned_at,
        )
