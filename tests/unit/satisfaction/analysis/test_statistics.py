"""The statistics: properties of tallies, CSAT, NPS, Wilson margins and the z-test."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core import ValidationError
from itsm_core.satisfaction.analysis import (
    ChannelWeights,
    MissingChannels,
    Rate,
    Tally,
    nps,
    two_proportion_z_test,
    wilson_interval,
)
from itsm_core.satisfaction.analysis.queries import RESPONSE_MEASURES
from itsm_core.storage.evaluate import aggregate_rows


@st.composite
def tallies(draw: st.DrawFn, max_n: int = 5000) -> Tally:
    n = draw(st.integers(0, max_n))
    top = draw(st.integers(0, n))
    nps_n = draw(st.integers(0, n))
    promoters = draw(st.integers(0, nps_n))
    detractors = draw(st.integers(0, nps_n - promoters))
    mean = draw(st.floats(0, 1))
    return Tally(n, top, mean * n, nps_n, promoters, detractors)


@st.composite
def response_rows(draw: st.DrawFn, period: str) -> dict[str, Any]:
    nps_eligible = draw(st.booleans())
    if nps_eligible:
        raw = draw(st.integers(0, 10))
        normalised = raw / 10
        promoter, detractor = int(raw >= 9), int(raw <= 6)
    else:
        normalised = draw(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]))
        promoter = detractor = 0
    return {
        "period": period,
        "service": draw(st.sampled_from(["desktop", "network"])),
        "channel": draw(st.sampled_from(["survey", "monthly", "ticket", "callback"])),
        "normalised": normalised,
        "top_box": int(normalised >= 0.75),
        "nps_eligible": int(nps_eligible),
        "promoter": promoter,
        "detractor": detractor,
    }


@given(tallies())
def test_csat_is_within_0_and_100(tally: Tally) -> None:
    if tally.n == 0:
        assert tally.csat is None
    else:
        assert tally.csat is not None and 0 <= tally.csat <= 100
        assert tally.mean is not None and 0 <= tally.mean <= 1
        interval = tally.csat_interval
        assert interval is not None and 0 <= interval.low <= tally.csat <= interval.high <= 100


@given(tallies())
def test_nps_is_within_minus_100_and_100(tally: Tally) -> None:
    value = tally.nps
    if tally.nps_n == 0:
        assert value is None
    else:
        assert value is not None and -100 <= value <= 100


@given(
    st.lists(response_rows("2026-04"), max_size=40),
    st.lists(response_rows("2026-05"), max_size=40),
)
def test_two_periods_combined_equal_their_union(
    april: list[dict[str, Any]], may: list[dict[str, Any]]
) -> None:
    def tally(rows: list[dict[str, Any]]) -> Tally:
        out = aggregate_rows(rows, [], RESPONSE_MEASURES)
        return Tally.from_row(out[0]) if out else Tally()

    combined = tally(april) + tally(may)
    union = tally(april + may)
    assert (combined.n, combined.top_box, combined.nps_n) == (union.n, union.top_box, union.nps_n)
    assert (combined.promoters, combined.detractors) == (union.promoters, union.detractors)
    assert math.isclose(combined.normalised_sum, union.normalised_sum, abs_tol=1e-9)
    assert combined.csat == union.csat
    assert combined.nps == union.nps
    # and per group: summing the per-period groups gives the groups over both periods
    by_period = aggregate_rows(april + may, ["service", "period"], RESPONSE_MEASURES)
    by_service = {
        r["service"]: Tally.from_row(r)
        for r in aggregate_rows(april + may, ["service"], RESPONSE_MEASURES)
    }
    summed: dict[str, Tally] = {}
    for row in by_period:
        summed[row["service"]] = summed.get(row["service"], Tally()) + Tally.from_row(row)
    assert {k: (t.n, t.top_box) for k, t in summed.items()} == {
        k: (t.n, t.top_box) for k, t in by_service.items()
    }


@given(tallies(), tallies(), tallies())
def test_tally_is_a_monoid(a: Tally, b: Tally, c: Tally) -> None:
    assert a + Tally() == a == Tally() + a
    left, right = (a + b) + c, a + (b + c)
    assert (left.n, left.top_box, left.promoters) == (right.n, right.top_box, right.promoters)
    assert math.isclose(left.normalised_sum, right.normalised_sum, rel_tol=1e-12, abs_tol=1e-9)
    assert Tally.total([a, b, c]).n == a.n + b.n + c.n


@st.composite
def proportions(draw: st.DrawFn, max_n: int = 500) -> tuple[int, int]:
    n = draw(st.integers(1, max_n))
    return draw(st.integers(0, n)), n


@given(proportions(), proportions())
def test_z_test_is_symmetric(first: tuple[int, int], second: tuple[int, int]) -> None:
    (x1, n1), (x2, n2) = first, second
    forward = two_proportion_z_test(x1, n1, x2, n2)
    backward = two_proportion_z_test(x2, n2, x1, n1)
    assert forward is not None and backward is not None
    assert math.isclose(forward.z, -backward.z, abs_tol=1e-12)
    assert math.isclose(forward.p_value, backward.p_value, abs_tol=1e-12)
    assert 0 <= forward.p_value <= 1


@given(proportions(400), st.integers(2, 20))
def test_margin_shrinks_with_n(sample: tuple[int, int], factor: int) -> None:
    k, n = sample
    small = wilson_interval(k, n)
    large = wilson_interval(k * factor, n * factor)
    assert small is not None and large is not None
    assert large.half_width < small.half_width
    assert 0 <= large.low <= k / n <= large.high <= 1


def test_z_test_known_value() -> None:
    # 60/100 vs 50/100: pooled p = 0.55, se = sqrt(.55*.45*(2/100)), z = 0.1/se
    result = two_proportion_z_test(60, 100, 50, 100)
    assert result is not None
    assert result.z == pytest.approx(0.1 / math.sqrt(0.55 * 0.45 * 0.02))
    assert result.p_value == pytest.approx(0.1556, abs=1e-3)
    assert not result.significant()
    strong = two_proportion_z_test(90, 100, 60, 100)
    assert strong is not None and strong.significant()


def test_z_test_edge_cases() -> None:
    assert two_proportion_z_test(0, 0, 5, 10) is None
    same = two_proportion_z_test(10, 10, 20, 20)
    assert same is not None and (same.z, same.p_value) == (0.0, 1.0)
    with pytest.raises(ValidationError, match="successes"):
        two_proportion_z_test(11, 10, 1, 2)


def test_wilson_known_value_and_edges() -> None:
    interval = wilson_interval(8, 10)
    assert interval is not None
    assert interval.low == pytest.approx(0.4902, abs=1e-3)
    assert interval.high == pytest.approx(0.9433, abs=1e-3)
    zero = wilson_interval(0, 20)
    assert zero is not None and zero.low == 0 and zero.high > 0
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValidationError):
        wilson_interval(3, 2)


def test_nps_function() -> None:
    assert nps(5, 2, 10) == 30.0
    assert nps(0, 0, 0) is None
    with pytest.raises(ValidationError, match="promoters"):
        nps(6, 6, 10)


def test_tally_refuses_impossible_counts() -> None:
    with pytest.raises(ValidationError, match="top_box"):
        Tally(n=2, top_box=3)
    with pytest.raises(ValidationError, match="promoters"):
        Tally(n=5, nps_n=2, promoters=2, detractors=1)
    with pytest.raises(ValidationError, match="normalised_sum"):
        Tally(n=2, normalised_sum=3.0)
    with pytest.raises(ValidationError, match="non-negative"):
        Tally(n=-1)
    assert Tally.from_row({"n": 3, "top_box": 2, "normalised_sum": None}).csat == pytest.approx(
        200 / 3
    )


def test_rate() -> None:
    rate = Rate(45, 60)
    assert rate.percent == 75.0
    assert rate.margin is not None and 0 < rate.margin < 15
    assert not rate.small_sample
    assert (rate + Rate(5, 40)).value == 0.5
    assert Rate(0, 0).value is None and Rate(0, 0).margin is None
    with pytest.raises(ValidationError, match="numerator"):
        Rate(3, 2)


@given(
    st.dictionaries(
        st.sampled_from(["survey", "monthly", "ticket", "callback"]), tallies(200), min_size=1
    )
)
def test_weighted_csat_lies_between_the_channels(by_channel: dict[str, Tally]) -> None:
    weights = ChannelWeights({"survey": 4, "monthly": 3, "ticket": 2, "callback": 1})
    combined = weights.combine(by_channel)
    present = [t.csat for c, t in by_channel.items() if t.n and t.csat is not None]
    if not present:
        assert combined.csat is None
        return
    assert combined.csat is not None
    assert min(present) - 1e-9 <= combined.csat <= max(present) + 1e-9
    assert 0 < combined.coverage <= 1


def test_weights_renormalise_or_strict() -> None:
    ticket = Tally(n=10, top_box=10, normalised_sum=10.0)
    callback = Tally(n=10, top_box=0, normalised_sum=2.5)
    weights = ChannelWeights({"ticket": 3, "callback": 1, "survey": 4})
    mixed = weights.combine({"ticket": ticket, "callback": callback})
    assert mixed.csat == pytest.approx(75.0)
    assert mixed.mean == pytest.approx(0.75 * 1.0 + 0.25 * 0.25)
    assert mixed.channels_missing == ("survey",)
    assert mixed.coverage == pytest.approx(0.5)
    strict = ChannelWeights(weights.weights, MissingChannels.STRICT)
    refused = strict.combine({"ticket": ticket, "callback": callback})
    assert refused.csat is None and refused.channels_used == ("callback", "ticket")
    # a channel without weight is not combined
    only_ticket = ChannelWeights({"ticket": 1}).combine({"ticket": ticket, "callback": callback})
    assert only_ticket.csat == 100.0


def test_weights_validation() -> None:
    with pytest.raises(ValidationError, match="positive weight"):
        ChannelWeights({"ticket": 0})
    with pytest.raises(ValidationError, match="non-negative"):
        ChannelWeights({"ticket": -1})
    with pytest.raises(ValidationError, match="missing"):
        ChannelWeights({"ticket": 1}, "sometimes")  # type: ignore[arg-type]


def test_weights_name_only_the_four_channels() -> None:
    for bad in ({"fax": 1}, {"Ticket": 1}, {1: 1}, {"ticket": 1, "phone": 2}):
        with pytest.raises(ValidationError, match="allowed: survey, monthly, ticket, callback"):
            ChannelWeights(bad)  # type: ignore[arg-type]
    assert ChannelWeights({"monthly": 1, "survey": 2}).channels == ("monthly", "survey")


@pytest.mark.parametrize(
    "call",
    [
        lambda: wilson_interval("1", 2),
        lambda: wilson_interval(1, 2.0),
        lambda: wilson_interval(True, 2),
        lambda: two_proportion_z_test(1.5, 2, 1, 2),
        lambda: two_proportion_z_test(1, 2, 1, "2"),
        lambda: nps("1", 0, 2),
        lambda: nps(1, 0, None),
    ],
)
def test_the_statistics_take_whole_counts_only(call: Any) -> None:
    with pytest.raises(ValidationError, match="must be a whole number"):
        call()


def test_wilson_z_must_be_positive() -> None:
    for z in (0, -1.96, math.inf, "1.96"):
        with pytest.raises(ValidationError, match="z must be a positive number"):
            wilson_interval(1, 2, z)  # type: ignore[arg-type]
    assert wilson_interval(1, 2, 1) is not None


def _agresti_coull_half_width(top: int, n: int) -> float:
    z2 = 1.959963984540054**2
    adjusted = (top + z2 / 2) / (n + z2)
    return 100 * math.sqrt(z2 * adjusted * (1 - adjusted) / (n + z2))


def test_weighted_margin_keeps_a_width_at_the_edges() -> None:
    weights = ChannelWeights({"ticket": 1, "callback": 1})
    one = weights.combine({"ticket": Tally(n=1, top_box=1, normalised_sum=1.0)})
    assert one.csat == 100.0
    # one response says little: the margin is wide, never 0
    assert one.csat_margin == pytest.approx(_agresti_coull_half_width(1, 1))
    assert one.csat_margin is not None and one.csat_margin > 40
    all_top = weights.combine({"ticket": Tally(n=20, top_box=20, normalised_sum=20.0)})
    none_top = weights.combine({"ticket": Tally(n=20, top_box=0, normalised_sum=0.0)})
    assert all_top.csat_margin is not None and 0 < all_top.csat_margin < one.csat_margin
    assert none_top.csat_margin == pytest.approx(all_top.csat_margin)
    # two channels: the shares' squares weigh the channels' adjusted variances
    ticket, callback = Tally(n=40, top_box=30), Tally(n=10, top_box=5)
    both = ChannelWeights({"ticket": 3, "callback": 1}).combine(
        {"ticket": ticket, "callback": callback}
    )
    expected = math.sqrt(
        (0.75 * _agresti_coull_half_width(30, 40)) ** 2
        + (0.25 * _agresti_coull_half_width(5, 10)) ** 2
    )
    assert both.csat == pytest.approx(0.75 * 75 + 0.25 * 50)
    assert both.csat_margin == pytest.approx(expected)
    # large samples: the usual normal approximation
    large = weights.combine({"ticket": Tally(n=10_000, top_box=5_000)})
    assert large.csat_margin == pytest.approx(100 * 1.96 * 0.005, rel=1e-2)


@given(st.integers(1, 300), st.data())
def test_weighted_margin_of_one_channel_is_positive_and_shrinks_with_n(
    n: int, data: st.DataObject
) -> None:
    top = data.draw(st.integers(0, n))
    weights = ChannelWeights({"survey": 1})
    small = weights.combine({"survey": Tally(n=n, top_box=top)}).csat_margin
    large = weights.combine({"survey": Tally(n=4 * n, top_box=4 * top)}).csat_margin
    assert small is not None and large is not None
    assert 0 < large < small <= 50
