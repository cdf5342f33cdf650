"""The service desk's KPIs from service records (the desk's indicators).

Computed over the service records *closed* in the periods asked (their
``closed_period``), so every rate has the same denominator:

- **first-contact resolution rate** (首问解决率): records resolved at first
  contact / records closed;
- **one-time fix rate** (一次性解决率): records closed and never reopened /
  records closed;
- **record completeness rate** (工作记录完整率): records whose record is
  complete / records closed.

Each rate is a :class:`~itsm_core.satisfaction.analysis.statistics.Rate`
with its 95 % Wilson interval. KPI figures add up (``+``) like tallies.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.labels import Labelled, Language
from itsm_core.satisfaction.analysis._format import number, small_sample_note
from itsm_core.satisfaction.analysis.queries import GroupKey, key_label
from itsm_core.satisfaction.analysis.statistics import SMALL_SAMPLE, Rate

__all__ = ["DeskKpi", "KpiFigures"]


class DeskKpi(Labelled):
    """The KPIs of the service desk computed from service records."""

    FIRST_CONTACT_RESOLUTION = (
        "first_contact_resolution",
        "首问解决率",
        "first-contact resolution rate",
    )
    ONE_TIME_FIX = "one_time_fix", "一次性解决率", "one-time fix rate"
    RECORD_COMPLETENESS = "record_completeness", "工作记录完整率", "record completeness rate"


def _count(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            f"{attribute.name} must be a non-negative integer, got {value!r}", field=attribute.name
        )


@attrs.frozen
class KpiFigures:
    """The desk KPIs of one group of closed service records.

    :param key: the group (dimension code → value).
    :param closed: records closed.
    :param first_contact: of them, resolved at first contact.
    :param reopened: of them, reopened at least once.
    :param complete: of them, with a complete record.
    """

    key: GroupKey
    closed: int = attrs.field(default=0, validator=_count)
    first_contact: int = attrs.field(default=0, validator=_count)
    reopened: int = attrs.field(default=0, validator=_count)
    complete: int = attrs.field(default=0, validator=_count)

    def __attrs_post_init__(self) -> None:
        for name in ("first_contact", "reopened", "complete"):
            if getattr(self, name) > self.closed:
                raise ValidationError(
                    f"{name} ({getattr(self, name)}) cannot exceed closed ({self.closed})",
                    field=name,
                )

    @classmethod
    def from_row(cls, key: GroupKey, row: Mapping[str, Any]) -> KpiFigures:
        """Build the figures from one aggregate row of ``RECORD_MEASURES``."""
        return cls(
            key=key,
            closed=int(row.get("closed") or 0),
            first_contact=int(row.get("first_contact") or 0),
            reopened=int(row.get("reopened") or 0),
            complete=int(row.get("complete") or 0),
        )

    def __add__(self, other: KpiFigures) -> KpiFigures:
        if not isinstance(other, KpiFigures):
            return NotImplemented
        common = {k: v for k, v in self.key.items() if other.key.get(k, v) == v}
        return KpiFigures(
            key=MappingProxyType(common),
            closed=self.closed + other.closed,
            first_contact=self.first_contact + other.first_contact,
            reopened=self.reopened + other.reopened,
            complete=self.complete + other.complete,
        )

    @property
    def first_contact_resolution(self) -> Rate:
        """Records resolved at first contact over records closed."""
        return Rate(self.first_contact, self.closed)

    @property
    def one_time_fix(self) -> Rate:
        """Records closed and never reopened over records closed."""
        return Rate(self.closed - self.reopened, self.closed)

    @property
    def record_completeness(self) -> Rate:
        """Records with a complete record over records closed."""
        return Rate(self.complete, self.closed)

    def rate(self, kpi: DeskKpi | str) -> Rate:
        """Return the rate of ``kpi``."""
        which = DeskKpi.parse(kpi, "kpi")
        if which is DeskKpi.FIRST_CONTACT_RESOLUTION:
            return self.first_contact_resolution
        if which is DeskKpi.ONE_TIME_FIX:
            return self.one_time_fix
        return self.record_completeness

    @property
    def small_sample(self) -> bool:
        """True if fewer than 30 records were closed."""
        return self.closed < SMALL_SAMPLE

    def describe(self, lang: Language = "zh") -> str:
        """Return a display line in ``lang``."""
        parts = []
        for kpi in DeskKpi:
            rate = self.rate(kpi)
            margin = "" if rate.margin is None else f" ±{rate.margin:.1f}"
            parts.append(f"{kpi.label(lang)} {number(rate.percent)}%{margin}")
        closed = f"关闭 {self.closed} 单" if lang == "zh" else f"{self.closed} closed"
        sep = "，" if lang == "zh" else ", "
        return (
            f"{key_label(self.key, lang)}: {closed}{sep}{sep.join(parts)}"
            f"{small_sample_note(self.small_sample, lang)}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the figures as JSON-able data."""
        return {
            "key": dict(self.key),
            "closed": self.closed,
            **{kpi.value: self.rate(kpi).value for kpi in DeskKpi},
            "small_sample": self.small_sample,
        }
