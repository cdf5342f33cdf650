"""Hypothesis strategies for satisfaction capture: scales, scores, responses, service records.

For the library's own tests and for applications that test their integration::

    from hypothesis import given
    from itsm_core.testing import satisfaction as st_sat

    @given(st_sat.scored())
    def test_normalised_in_range(pair):
        scale, raw = pair
        assert 0 <= scale.score(raw).normalised <= 1

The entity strategies (:func:`responses`, :func:`service_records`) build
valid, unsaved entities, ready for ``uow.save(spec, entity)`` in a store
opened with :func:`~itsm_core.satisfaction.storage.satisfaction_specs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from itsm_core.satisfaction._values import DEFAULT_TIMEZONE
from itsm_core.satisfaction.enums import Channel, ServiceRecordState, Subject, SubjectKind
from itsm_core.satisfaction.model import Response, ServiceRecord
from itsm_core.satisfaction.scales import (
    FIVE_LEVEL,
    NPS_0_10,
    SCORE_1_5,
    SEED_4,
    Scale,
    numeric_scale,
    stars_scale,
)
from itsm_core.testing._extra import missing_extra

try:
    from hypothesis import strategies as st
except ModuleNotFoundError as exc:  # a plain install: say which extra brings it
    raise missing_extra(__name__, exc) from exc

__all__ = [
    "CUSTOMERS",
    "ENGINEERS",
    "SERVICES",
    "aware_datetimes",
    "builtin_scale_values",
    "numeric_scales",
    "out_of_range",
    "raw_values",
    "responses",
    "scales",
    "scored",
    "service_records",
]

CUSTOMERS: tuple[str, ...] = ("acme", "globex", "initech", "umbrella")
"""The customer ids the entity strategies draw from."""

SERVICES: tuple[str, ...] = ("desktop", "network", "erp")
"""The service ids the entity strategies draw from."""

ENGINEERS: tuple[str, ...] = ("eng-li", "eng-wang", "eng-zhang")
"""The engineer ids the entity strategies draw from."""

_START = datetime(2025, 1, 1, tzinfo=UTC)
_END = datetime(2027, 12, 31, tzinfo=UTC)

#: any text a store keeps (no NUL, no lone surrogate: see itsm_core.kernel.text)
_STORABLE = st.characters(codec="utf-8", exclude_characters="\x00")


def aware_datetimes(start: datetime = _START, end: datetime = _END) -> st.SearchStrategy[datetime]:
    """UTC instants between ``start`` and ``end``, to the second."""
    span = int((end - start).total_seconds())
    return st.integers(0, span).map(lambda s: start + timedelta(seconds=s))


def numeric_scales() -> st.SearchStrategy[Scale]:
    """Numeric scales ``score_L_H`` with ``0 <= L < H <= 100`` and star scales of 3..10."""
    scores = st.tuples(st.integers(0, 99), st.integers(1, 100)).filter(lambda p: p[0] < p[1])
    return st.one_of(
        scores.map(lambda p: numeric_scale(p[0], p[1])),
        st.integers(3, 10).map(stars_scale),
    )


def scales() -> st.SearchStrategy[Scale]:
    """Every kind of scale: the built-ins, numeric scales and stars."""
    return st.one_of(st.sampled_from([SEED_4, FIVE_LEVEL, SCORE_1_5, NPS_0_10]), numeric_scales())


def raw_values(scale: Scale) -> st.SearchStrategy[int]:
    """The raw values on ``scale``."""
    return st.sampled_from([lv.raw for lv in scale.levels])


def scored(
    scale_strategy: st.SearchStrategy[Scale] | None = None,
) -> st.SearchStrategy[tuple[Scale, int]]:
    """``(scale, raw value on it)`` pairs."""
    chosen = scale_strategy if scale_strategy is not None else scales()
    return chosen.flatmap(lambda s: st.tuples(st.just(s), raw_values(s)))


def out_of_range(scale: Scale) -> st.SearchStrategy[int]:
    """Whole numbers that are *not* on ``scale``."""
    return st.one_of(
        st.integers(max_value=scale.low - 1),
        st.integers(min_value=scale.high + 1),
    )


def builtin_scale_values() -> st.SearchStrategy[tuple[Scale, object]]:
    """``(built-in scale, value)`` where the value is a raw int, a level key or a label."""

    def values(scale: Scale) -> st.SearchStrategy[object]:
        return st.sampled_from(scale.levels).flatmap(
            lambda lv: st.sampled_from([lv.raw, lv.key, lv.zh, lv.en])
        )

    builtins = st.sampled_from([SEED_4, FIVE_LEVEL, SCORE_1_5, NPS_0_10, stars_scale(5)])
    return builtins.flatmap(lambda s: st.tuples(st.just(s), values(s)))


@st.composite
def responses(
    draw: st.DrawFn,
    *,
    channels: Sequence[Channel] = tuple(Channel),
    customers: Sequence[str] = CUSTOMERS,
    services: Sequence[str] = SERVICES,
    scale_strategy: st.SearchStrategy[Scale] | None = None,
    responded: st.SearchStrategy[datetime] | None = None,
    timezone: str = DEFAULT_TIMEZONE,
) -> Response:
    """A valid, unsaved :class:`~itsm_core.satisfaction.response.Response` with a unique id.

    :param channels: the channels to draw from.
    :param customers: the customers to draw from.
    :param services: the services to draw from.
    :param scale_strategy: the scales (default :func:`scales`).
    :param responded: the response instants (default :func:`aware_datetimes`).
    :param timezone: the provider's zone.
    """
    scale, raw = draw(scored(scale_strategy))
    channel = draw(st.sampled_from(list(channels)))
    number = draw(st.integers(1, 10**9))
    response_id = f"response-{channel.value}-{number}-{draw(st.uuids()).hex[:8]}"
    engineer = draw(st.none() | st.sampled_from(ENGINEERS))
    campaign = f"campaign-{draw(st.integers(1, 3))}" if channel is Channel.SURVEY else None
    subject = (
        Subject(SubjectKind.CAMPAIGN, campaign)
        if campaign
        else Subject(SubjectKind.SERVICE_RECORD, f"T{number}")
    )
    return Response(
        id=response_id,
        channel=channel,
        customer=draw(st.sampled_from(list(customers))),
        service=draw(st.sampled_from(list(services))),
        subject=subject,
        respondent=f"person-{draw(st.integers(1, 50))}",
        score=scale.score(raw),
        comment=draw(st.none() | st.text(_STORABLE, min_size=1, max_size=20).filter(str.strip)),
        responded_at=draw(responded if responded is not None else aware_datetimes()),
        timezone=timezone,
        engineer=engineer if channel in (Channel.TICKET, Channel.CALLBACK) else None,
        campaign_id=campaign,
        question="overall" if campaign else None,
        submission_id=response_id,
        recorded_by="tester",
    )


@st.composite
def service_records(
    draw: st.DrawFn,
    *,
    customers: Sequence[str] = CUSTOMERS,
    services: Sequence[str] = SERVICES,
    opened: st.SearchStrategy[datetime] | None = None,
    closed: bool | None = None,
    timezone: str = DEFAULT_TIMEZONE,
) -> ServiceRecord:
    """A valid, unsaved :class:`~itsm_core.satisfaction.service_record.ServiceRecord`.

    Its state follows from its instants (open, resolved or closed), as
    ``register`` would set it; some records lack an engineer or a resolution
    (incomplete records).

    :param customers: the customers to draw from.
    :param services: the services to draw from.
    :param opened: the opening instants (default :func:`aware_datetimes`).
    :param closed: force closed (True) or not closed (False); None: either.
    :param timezone: the provider's zone.
    """
    opened_at = draw(opened if opened is not None else aware_datetimes())
    resolve_after = draw(st.none() | st.integers(0, 7 * 24 * 3600))
    if closed is True and resolve_after is None:
        resolve_after = draw(st.integers(0, 7 * 24 * 3600))
    resolved_at = None if resolve_after is None else opened_at + timedelta(seconds=resolve_after)
    closed_at = None
    if resolved_at is not None and closed is not False and (closed or draw(st.booleans())):
        closed_at = resolved_at + timedelta(seconds=draw(st.integers(0, 3 * 24 * 3600)))
    state = (
        ServiceRecordState.CLOSED
        if closed_at
        else ServiceRecordState.RESOLVED
        if resolved_at
        else ServiceRecordState.OPEN
    )
    reopened = draw(st.integers(0, 2))
    return ServiceRecord(
        id=f"T{draw(st.uuids()).hex[:12]}",
        customer=draw(st.sampled_from(list(customers))),
        service=draw(st.sampled_from(list(services))),
        engineer=draw(st.none() | st.sampled_from(ENGINEERS)),
        requester=f"person-{draw(st.integers(1, 50))}",
        resolution=draw(st.none() | st.just("fixed")) if resolved_at else None,
        opened_at=opened_at,
        resolved_at=resolved_at,
        closed_at=closed_at,
        first_contact=draw(st.booleans()) if resolved_at else False,
        reopened_count=reopened,
        state=state,
        timezone=timezone,
    )
