"""What the analysis asks the store: filters, groupings and measures over index fields.

Every figure of the analysis comes from :meth:`UnitOfWork.aggregate
<itsm_core.storage.UnitOfWork.aggregate>` over these index fields — never from
loaded entities — so a SQL backend answers with ``GROUP BY`` in the database
and the memory backend in one pass.

Index fields used (agreed with the capture side):

- responses: ``channel``, ``customer``, ``service``, ``engineer``, ``period``,
  ``campaign_id``, ``question``, ``top_box``, ``normalised``, ``nps_eligible``,
  ``promoter``, ``detractor`` (the last four are 0/1 integers; ``promoter``
  and ``detractor`` are 1 only on NPS-eligible responses);
- service records: ``customer``, ``service``, ``engineer``,
  ``closed_period``, ``closed_at``, ``first_contact``, ``reopened``,
  ``complete`` (0/1 integers);
- survey invitations: ``campaign_id``, ``customer``, ``invited_at``,
  ``responded`` (0/1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.labels import Labelled
from itsm_core.satisfaction.enums import Channel
from itsm_core.storage.base import Measure, Query, Where

__all__ = [
    "INVITATION_FIELDS",
    "INVITATION_MEASURES",
    "RECORD_FIELDS",
    "RECORD_MEASURES",
    "RESPONSE_FIELDS",
    "RESPONSE_MEASURES",
    "Dimension",
    "Filter",
    "GroupKey",
    "channel_codes",
    "dimensions_of",
    "filter_condition",
    "group_key",
    "key_label",
    "period_conditions",
    "row_key",
    "sort_key",
    "where",
]

Filter = str | Sequence[str] | None
"""One value (``eq``), several (``in``), or None (no condition)."""

GroupKey = Mapping[str, str | None]
"""The values of the grouped dimensions of one result row, by dimension code."""


class Dimension(Labelled):
    """What the analysis can group by."""

    SERVICE = "service", "服务", "service"
    CUSTOMER = "customer", "客户", "customer"
    CHANNEL = "channel", "渠道", "channel"
    ENGINEER = "engineer", "工程师", "engineer"
    PERIOD = "period", "周期", "period"
    CAMPAIGN = "campaign", "调查活动", "survey campaign"


RESPONSE_MEASURES: tuple[Measure, ...] = (
    Measure("n", "count"),
    Measure("top_box", "sum", "top_box"),
    Measure("normalised_sum", "sum", "normalised"),
    Measure("nps_n", "sum", "nps_eligible"),
    Measure("promoters", "sum", "promoter"),
    Measure("detractors", "sum", "detractor"),
)
"""The measures of a :class:`~itsm_core.satisfaction.analysis.statistics.Tally`."""

RECORD_MEASURES: tuple[Measure, ...] = (
    Measure("closed", "count"),
    Measure("first_contact", "sum", "first_contact"),
    Measure("reopened", "sum", "reopened"),
    Measure("complete", "sum", "complete"),
)
"""The measures of the desk KPIs over closed service records."""

INVITATION_MEASURES: tuple[Measure, ...] = (
    Measure("invited", "count"),
    Measure("responded", "sum", "responded"),
)
"""The measures of a survey response rate."""


def dimensions_of(
    group_by: Iterable[Dimension | str], allowed: Iterable[Dimension] = tuple(Dimension)
) -> tuple[Dimension, ...]:
    """Return the validated, de-duplicated dimensions of ``group_by`` in the given order.

    :raises ValidationError: naming the allowed dimensions for an unknown one.
    """
    if isinstance(group_by, str):
        group_by = [group_by]
    elif not isinstance(group_by, Iterable) or isinstance(group_by, bytes | Mapping):
        raise ValidationError(
            f"group_by: give a dimension or a list of them, got {group_by!r}", field="group_by"
        )
    permitted = tuple(allowed)
    result: list[Dimension] = []
    for item in group_by:
        dim = Dimension.parse(item, "group_by")
        if dim not in permitted:
            names = ", ".join(d.value for d in permitted)
            raise ValidationError(
                f"group_by: {dim.value!r} cannot be used here; allowed: {names}", field="group_by"
            )
        if dim not in result:
            result.append(dim)
    return tuple(result)


def filter_condition(
    field: str, value: Filter, allowed: Sequence[str] | None = None
) -> Where | None:
    """Return the condition ``field == value`` / ``field in values``, or None for no filter.

    :param allowed: the only values that exist (e.g. the channel codes), if known.
    :raises ValidationError: if a value is not a non-empty string, or not allowed.
    """
    if value is None:
        return None
    if isinstance(value, str):
        values = [value]
    elif isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
        values = list(value)
    else:
        raise ValidationError(
            f"{field}: filter by one value or a list of them, got {value!r}", field=field
        )
    if not values:
        raise ValidationError(f"{field}: an empty filter matches nothing; give None", field=field)
    for item in values:
        if not isinstance(item, str) or not item:
            raise ValidationError(
                f"{field} filter values must be non-empty strings, got {item!r}", field=field
            )
        if allowed is not None and item not in allowed:
            raise ValidationError(
                f"{field}: unknown value {item!r}; allowed: {', '.join(allowed)}", field=field
            )
    if len(values) == 1:
        return Where(field, "eq", values[0])
    return Where(field, "in", tuple(sorted(set(values))))


def channel_codes() -> tuple[str, ...]:
    """The codes of the four channels, the only values a channel filter may name."""
    return tuple(c.value for c in Channel)


RESPONSE_FIELDS: Mapping[Dimension, str] = MappingProxyType(
    {
        Dimension.SERVICE: "service",
        Dimension.CUSTOMER: "customer",
        Dimension.CHANNEL: "channel",
        Dimension.ENGINEER: "engineer",
        Dimension.PERIOD: "period",
        Dimension.CAMPAIGN: "campaign_id",
    }
)
"""The response index field of each dimension."""

RECORD_FIELDS: Mapping[Dimension, str] = MappingProxyType(
    {
        Dimension.SERVICE: "service",
        Dimension.CUSTOMER: "customer",
        Dimension.ENGINEER: "engineer",
        Dimension.PERIOD: "closed_period",
    }
)
"""The service-record index field of each dimension (a record's period is its closing month)."""

INVITATION_FIELDS: Mapping[Dimension, str] = MappingProxyType(
    {
        Dimension.CUSTOMER: "customer",
        Dimension.CAMPAIGN: "campaign_id",
    }
)
"""The invitation index field of each dimension (the period comes from ``invited_at``)."""


def period_conditions(field: str, periods: Sequence[str]) -> tuple[Where, ...]:
    """Return the conditions selecting ``periods`` (validated ``"YYYY-MM"`` strings).

    One period is ``eq``; consecutive months are a range (``ge`` first, ``le``
    last: "YYYY-MM" strings sort as months do), which an index answers with
    one range scan; other sets are ``in``.
    """
    ordered = sorted(set(periods))
    if len(ordered) == 1:
        return (Where(field, "eq", ordered[0]),)
    steps = [_month_index(p) for p in ordered]
    if steps[-1] - steps[0] == len(steps) - 1:
        return (Where(field, "ge", ordered[0]), Where(field, "le", ordered[-1]))
    return (Where(field, "in", tuple(ordered)),)


def _month_index(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def where(*conditions: Where | None) -> Query:
    """Return the query of the given conditions, skipping None."""
    return Query(tuple(c for c in conditions if c is not None))


def row_key(
    dims: Sequence[Dimension], fields: Mapping[Dimension, str], row: Mapping[str, Any]
) -> tuple[str | None, ...]:
    """Return the values of ``dims`` in an aggregate row, as strings (None stays None)."""
    return tuple(None if row.get(fields[d]) is None else str(row[fields[d]]) for d in dims)


def group_key(dims: Sequence[Dimension], values: Sequence[str | None]) -> GroupKey:
    """Return the read-only group key ``{dimension code: value}``."""
    return MappingProxyType({d.value: v for d, v in zip(dims, values, strict=True)})


def sort_key(values: Sequence[str | None]) -> tuple[tuple[bool, str], ...]:
    """Order group keys by value, None last."""
    return tuple((v is None, v or "") for v in values)


def key_label(key: GroupKey, lang: str = "zh") -> str:
    """Return a display label of a group key, e.g. ``服务=desktop 周期=2025-03``."""
    parts = []
    for code, value in key.items():
        dim = Dimension(code)
        name = dim.zh if lang == "zh" else dim.en
        shown = value if value is not None else ("（无）" if lang == "zh" else "(none)")
        parts.append(f"{name}={shown}")
    if not parts:
        return "全部" if lang == "zh" else "all"
    return " ".join(parts)
