"""The review pack (服务回顾资料): what the library holds on a customer for a review's period.

A :class:`ReviewPack` is compiled by
:meth:`ReviewAnalysis.pack <itsm_core.reviews.analysis.service.ReviewAnalysis.pack>`
for a customer (optionally some services) and a run of months, or for a
service review (its customer and period). It holds:

* **SLA fulfilment** per target kind (:class:`SlaFulfilment`): the SLA clocks
  of the customer stopped in the period, met or breached, with their
  *lateness* — the business time a breached clock ran past its budget, as
  the clock measures it at its stop (``sla_clock.stopped``'s ``lateness_us``),
  in hours, summed and at its largest — and the clocks breached in the period
  that still run (their lateness is not settled yet, so it is not counted);
* **complaints** (:class:`ComplaintFigures`) received in the period, by
  verdict, source and party complained about, with their escalations, and
  the complaint improvement items of the customer open or overdue now;
  an item is *open* until it is concluded (done, decided or cancelled):
  proposed, approved, in progress, verifying, extended or escalated;
* **satisfaction** per service and channel (:class:`SatisfactionLine`) from
  ``core.satisfaction.analysis`` and ``core.satisfaction.targets``: the
  figures, the target and critical line (the level the value falls in, with
  its measures), and the change of the last month against the month before
  with its significance test;
* the **open improvement items** of the customer, from every source and
  service (:class:`ImprovementSummary`).

Everything is counted with aggregates in the database. Every class is frozen
attrs; :meth:`ReviewPack.as_dict` is JSON-able (instants as ISO 8601
strings, codes for enumerations) and :meth:`ReviewPack.markdown` renders it
in Chinese or English. An internal complainant's identity is never in a
pack: complaints are only counted, over index fields that do not hold it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from itsm_core.improvements.enums import ImprovementSource, ImprovementState
from itsm_core.kernel.codec import RECORDS
from itsm_core.kernel.labels import Language
from itsm_core.reviews.analysis._markdown import pack_markdown
from itsm_core.reviews.analysis.counts import Count
from itsm_core.satisfaction.analysis.targets import AlertLevel, TargetMetric
from itsm_core.satisfaction.analysis.trend import Trend
from itsm_core.sla.agreements import TargetKind

__all__ = [
    "ComplaintFigures",
    "Count",
    "ImprovementLine",
    "ImprovementSummary",
    "ReviewPack",
    "SatisfactionLine",
    "SlaFulfilment",
]


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


@attrs.frozen
class SlaFulfilment:
    """The SLA clocks of one target kind in the period.

    :param target: the promised time (acceptance, response, resolution...).
    :param measured: clocks stopped in the period (their promise settled).
    :param met: of those, the ones not breached.
    :param breached: of those, the ones breached.
    :param breached_open: clocks breached in the period that still run.
    :param lateness_hours: the business time the breached ones ran past their
        budget, summed, in hours.
    :param max_lateness_hours: the largest of those (None when none was late).
    """

    target: TargetKind
    measured: int
    met: int
    breached: int
    breached_open: int = 0
    lateness_hours: float = 0.0
    max_lateness_hours: float | None = None

    @property
    def fulfilment(self) -> float | None:
        """Met over measured, in percent (None when nothing was measured)."""
        return _percent(self.met, self.measured)

    @property
    def mean_lateness_hours(self) -> float | None:
        """The mean lateness of the breached clocks, in hours."""
        return None if self.breached == 0 else self.lateness_hours / self.breached


@attrs.frozen
class ComplaintFigures:
    """The complaints of the customer received in the period.

    :param received: how many.
    :param closed: of those, closed by now.
    :param escalated: of those, escalated at least once (service team lead or
        the general manager's office).
    :param escalations: their escalations in all.
    :param by_verdict: counts by verdict (None: not judged yet).
    :param by_source: counts by source (complaint channel, callback, satisfaction...).
    :param by_party: counts by party complained about, most first.
    :param improvements_open: the customer's complaint improvement items open
        now (not concluded), whenever the complaint came in.
    :param improvements_overdue: of those, past their due instant.
    """

    received: int = 0
    closed: int = 0
    escalated: int = 0
    escalations: int = 0
    by_verdict: tuple[Count, ...] = ()
    by_source: tuple[Count, ...] = ()
    by_party: tuple[Count, ...] = ()
    improvements_open: int = 0
    improvements_overdue: int = 0

    @property
    def open(self) -> int:
        """Received in the period and not closed yet."""
        return self.received - self.closed


@attrs.frozen
class SatisfactionLine:
    """Satisfaction of one service on one channel against its target.

    :param service: the service.
    :param channel: the channel code (survey, monthly, ticket, callback).
    :param n: responses in the period.
    :param csat: CSAT in percent.
    :param margin: the 95 % margin of error of CSAT, percentage points.
    :param index: the mean normalised score on 0–100.
    :param metric: the target's metric (None without a target).
    :param target: the target value.
    :param value: the measured value on the target's metric.
    :param deviation: value minus target.
    :param level: the level the value falls in by the critical lines.
    :param measures: the measures the target gives at that level.
    :param previous_period: the month before the period's last.
    :param last_csat: CSAT in the period's last month.
    :param previous_csat: CSAT in the month before it.
    :param p_value: the two-proportion z-test of the change.
    :param trend: improved / declined (significant), stable, insufficient data.
    :param small_sample: fewer than 30 responses in either month or the period.
    """

    service: str | None
    channel: str | None
    n: int
    csat: float | None
    margin: float | None
    index: float | None
    metric: TargetMetric | None = None
    target: float | None = None
    value: float | None = None
    deviation: float | None = None
    level: AlertLevel | None = None
    measures: str = ""
    previous_period: str | None = None
    last_csat: float | None = None
    previous_csat: float | None = None
    p_value: float | None = None
    trend: Trend = Trend.INSUFFICIENT_DATA
    small_sample: bool = True


@attrs.frozen
class ImprovementLine:
    """One open improvement item.

    :param id: the item's id.
    :param source_kind: what raised it.
    :param state: where it stands.
    :param description: what is to be improved.
    :param owner: the improvement owner.
    :param due_at: when it is due.
    :param overdue: past its due instant when the pack was compiled.
    :param service: the service it concerns, if any.
    """

    id: str
    source_kind: ImprovementSource
    state: ImprovementState
    description: str
    owner: str
    due_at: datetime
    overdue: bool
    service: str | None = None


@attrs.frozen
class ImprovementSummary:
    """The customer's open improvement items.

    :param by_state: open items by state.
    :param overdue: open items past their due instant.
    :param items: the items, oldest first.
    """

    by_state: tuple[Count, ...] = ()
    overdue: int = 0
    items: tuple[ImprovementLine, ...] = ()

    @property
    def open(self) -> int:
        """How many are open."""
        return sum(c.count for c in self.by_state)


@attrs.frozen
class ReviewPack:
    """The review pack of a customer for a run of months.

    :param customer: the customer.
    :param services: the services it is limited to (empty: all).
    :param periods: the months covered, oldest first.
    :param start: the first instant of the period.
    :param end: the first instant after it.
    :param compiled_at: when it was compiled.
    :param compiled_by: who compiled it (actor id).
    :param review_id: the service review it was compiled for, if any.
    :param sla: SLA fulfilment per target kind.
    :param complaints: the complaints of the period.
    :param satisfaction: satisfaction per service and channel.
    :param improvements: the open improvement items.
    """

    customer: str
    services: tuple[str, ...]
    periods: tuple[str, ...]
    start: datetime
    end: datetime
    compiled_at: datetime
    compiled_by: str
    review_id: str | None = None
    sla: tuple[SlaFulfilment, ...] = ()
    complaints: ComplaintFigures = ComplaintFigures()
    satisfaction: tuple[SatisfactionLine, ...] = ()
    improvements: ImprovementSummary = ImprovementSummary()

    def as_dict(self) -> dict[str, Any]:
        """Return the pack as JSON-able data (``json.dumps`` accepts it)."""
        data: dict[str, Any] = RECORDS.unstructure(self)
        for line, raw in zip(self.sla, data["sla"], strict=True):
            raw["fulfilment"] = line.fulfilment
        data["complaints"]["open"] = self.complaints.open
        data["improvements"]["open"] = self.improvements.open
        return data

    def markdown(self, lang: Language = "zh") -> str:
        """Return the pack as a Markdown document in ``lang`` (``"zh"`` or ``"en"``)."""
        return pack_markdown(self, lang)
