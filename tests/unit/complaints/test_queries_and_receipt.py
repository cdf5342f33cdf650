"""Queries over index fields, idempotent receipt from triggers, and praise."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from itsm_core import SYSTEM, FrozenClock, ItsmCore, ValidationError
from itsm_core.complaints import (
    PRAISE_SPEC,
    ComplaintChannel,
    ComplaintService,
    ComplaintSource,
    ComplaintState,
    Origin,
    complaint_id_for,
)
from itsm_core.complaints.queries import complaints_query
from itsm_core.complaints.storage import COMPLAINT_SPEC
from itsm_core.improvements import IMPROVEMENT_SPEC
from itsm_core.storage.base import Where

from .conftest import (
    RM,
    SPECIALIST,
    T0,
    at_state,
    history,
    intake,
    item_id,
    item_of,
    receive,
    walk,
)

S = ComplaintState


def ids(found: list) -> set[str]:  # type: ignore[type-arg]
    return {c.id for c in found}


def test_find_by_state_customer_party_and_source(service: ComplaintService) -> None:
    a = receive(service, customer="甲公司", party_complained_about="一线组")
    b = receive(
        service,
        customer="乙公司",
        party_complained_about="二线组",
        source=ComplaintSource.CALLBACK,
    )
    c = at_state(service, S.INVESTIGATING, customer="甲公司", party_complained_about="二线组")
    assert ids(service.find(RM, state=S.RECEIVED)) == {a.id, b.id}
    assert ids(service.find(RM, state=[S.RECEIVED, S.INVESTIGATING])) == {a.id, b.id, c.id}
    assert ids(service.find(RM, state="investigating")) == {c.id}
    assert ids(service.find(RM, customer="甲公司")) == {a.id, c.id}
    assert ids(service.find(RM, party_complained_about="二线组")) == {b.id, c.id}
    assert ids(service.find(RM, source=ComplaintSource.CALLBACK)) == {b.id}
    assert ids(service.find(RM, source="complaint_channel", customer="甲公司")) == {a.id, c.id}
    assert ids(service.find(RM, origin=Origin.INTERNAL)) == set()
    assert ids(service.find(RM, relationship_manager=RM.id)) == {a.id, b.id, c.id}
    assert ids(service.find(RM, closed=False)) == {a.id, b.id, c.id}
    assert len(service.find(RM, limit=2)) == 2


def sources(found: list) -> set[str]:  # type: ignore[type-arg]
    return {i.source_ref for i in found}


def test_find_by_improvement_owner(service: ComplaintService) -> None:
    from .conftest import OWNER

    items = service.improvements
    a = at_state(service, S.IMPROVING)
    b = at_state(service, S.RESOLVED)
    assert sources(items.find(RM, owner=OWNER.id, source_kind="complaint")) == {a.id}
    assert sources(items.find(RM, owner=OWNER.id, is_open=True)) == {a.id}
    assert items.find(RM, owner="owner-9") == []
    assert ids(service.find(RM, improvement_id=item_id(service, a.id))) == {a.id}
    walk(service, a.id, ["met", "feedback", "satisfied"])
    assert sources(items.find(RM, owner=OWNER.id)) == {a.id}
    assert items.find(RM, owner=OWNER.id, is_open=True) == []
    assert sources(items.find(RM, owner=OWNER.id, is_open=False)) == {a.id}
    assert b.id not in sources(items.find(RM, owner=OWNER.id))
    with pytest.raises(ValidationError, match="owner must be"):
        items.find(RM, owner="")
    with pytest.raises(ValidationError, match="improvement_id must be"):
        service.find(RM, improvement_id="")


def test_find_by_received_period(service: ComplaintService, clock: FrozenClock) -> None:
    a = receive(service)
    clock.advance(days=2)
    b = receive(service)
    assert ids(service.find(RM, received_from=T0 + timedelta(days=1))) == {b.id}
    assert ids(service.find(RM, received_before=T0 + timedelta(days=1))) == {a.id}


def test_find_refuses_unknown_codes(service: ComplaintService) -> None:
    with pytest.raises(ValidationError, match="allowed: received"):
        service.find(RM, state="lost")


@pytest.mark.parametrize(
    ("criteria", "match"),
    [
        ({"customer": 5}, "customer must be a non-empty string or None"),
        ({"customer": "  "}, "customer must be a non-empty string or None"),
        ({"party_complained_about": ["二线组"]}, "party_complained_about must be"),
        ({"relationship_manager": 1}, "relationship_manager must be"),
        ({"closed": "yes"}, "closed must be True, False or None"),
        ({"closed": 0}, "closed must be True, False or None"),
        ({"limit": "5"}, "limit must be a non-negative int or None"),
        ({"limit": 1.5}, "limit must be a non-negative int or None"),
        ({"limit": True}, "limit must be a non-negative int or None"),
        ({"offset": None}, "offset must be a non-negative int"),
        ({"offset": -1}, "offset must be a non-negative int"),
        ({"state": []}, "not an empty collection; allowed: received"),
        ({"source": {"callback": 1}}, "allowed: complaint_channel"),
    ],
)
def test_find_refuses_malformed_criteria_instead_of_matching_nothing(
    service: ComplaintService, criteria: dict[str, object], match: str
) -> None:
    receive(service, customer="5")
    with pytest.raises(ValidationError, match=match) as info:
        service.find(RM, **criteria)  # type: ignore[arg-type]
    assert info.value.field == next(iter(criteria))


def test_find_praise_refuses_malformed_criteria(service: ComplaintService) -> None:
    with pytest.raises(ValidationError, match="customer must be a non-empty string or None"):
        service.find_praise(RM, customer=5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="praised_party must be"):
        service.find_praise(RM, praised_party="")


def test_find_pages_with_limit_and_offset(service: ComplaintService, clock: FrozenClock) -> None:
    made = []
    for _ in range(3):
        made.append(receive(service).id)
        clock.advance(minutes=1)
    assert [c.id for c in service.find(RM, limit=2)] == made[:2]
    assert [c.id for c in service.find(RM, limit=2, offset=2)] == made[2:]
    assert service.find(RM, limit=0) == []
    assert [c.id for c in service.find(RM, customer=" 华东电网 ")] == made


def test_queries_are_kernel_queries_over_index_fields() -> None:
    q = complaints_query(state=S.CLOSED, customer="甲", source=["callback", "satisfaction"])
    q.validate(COMPLAINT_SPEC)
    assert Where("state", "eq", "closed") in q.where
    assert Where("source", "in", ("callback", "satisfaction")) in q.where
    overdue = complaints_query(callback_due_before=T0)
    overdue.validate(COMPLAINT_SPEC)
    assert Where("callback_pending", "eq", True) in overdue.where
    assert Where("callback_due_at", "lt", T0) in overdue.where
    complaints_query(improvement_id="imp-1").validate(COMPLAINT_SPEC)
    names = {f.name for f in COMPLAINT_SPEC.index}
    assert {"state", "customer", "party_complained_about", "source"} <= names
    assert {"improvement_id", "callback_pending", "callback_due_at"} <= names
    assert {"open", "due_at", "owner"} <= {f.name for f in IMPROVEMENT_SPEC.index}
    assert "complainant" not in names


def overdue(service: ComplaintService, at: datetime | None = None) -> set[str]:
    """The complaints whose improvement item is open and was due before ``at`` (now)."""
    when = at if at is not None else service.runtime.clock.now()
    found = service.improvements.find(RM, source_kind="complaint", is_open=True, due_before=when)
    return sources(found)


def test_overdue_improvements_at_a_given_instant(
    service: ComplaintService, clock: FrozenClock
) -> None:
    c = at_state(service, S.IMPROVING)
    due = item_of(service, c.id).due_at
    assert overdue(service, due) == set()
    assert overdue(service, due + timedelta(seconds=1)) == {c.id}
    # an extension moves the due instant
    clock.set(due + timedelta(days=1))
    assert overdue(service) == {c.id}
    walk(service, c.id, ["extend"])
    assert overdue(service) == set()
    clock.advance(days=8)
    assert overdue(service) == {c.id}
    # met improvements are never overdue
    walk(service, c.id, ["met"])
    assert overdue(service, clock.now() + timedelta(days=365)) == set()


def test_escalated_improvements_are_with_the_gm_office_not_overdue(
    service: ComplaintService,
) -> None:
    c = at_state(service, S.IMPROVEMENT_ESCALATED)
    assert overdue(service, T0 + timedelta(days=365)) == set()
    assert ids(service.find(RM, state=S.IMPROVEMENT_ESCALATED)) == {c.id}


def test_callbacks_overdue(service: ComplaintService, clock: FrozenClock) -> None:
    c = at_state(service, S.HANDLED)
    assert c.callback_due_at == clock.now() + timedelta(days=1)
    assert service.find(RM, callback_due_before=clock.now() + timedelta(hours=23)) == []
    assert ids(service.find(RM, callback_due_before=clock.now() + timedelta(days=2))) == {c.id}
    walk(service, c.id, ["feedback"])
    assert ids(service.find(RM, callback_due_before=clock.now() + timedelta(days=2))) == {c.id}
    clock.advance(days=3)
    walk(service, c.id, ["satisfied"])
    assert service.find(RM, callback_due_before=clock.now() + timedelta(days=2)) == []
    closed = history_last(service, c.id)
    assert closed.payload["callback_overdue"] is True
    with pytest.raises(ValidationError, match="callback_due_before"):
        service.find(RM, callback_due_before=datetime(2026, 3, 2))  # naive


def history_last(service: ComplaintService, complaint_id: str):  # type: ignore[no-untyped-def]
    return service.history(SPECIALIST, complaint_id)[-1]


# ---------------------------------------------------------------- idempotent receipt


def satisfaction_receipt(service: ComplaintService, response_id: str, **extra: object):  # type: ignore[no-untyped-def]
    return service.receive(
        SYSTEM,
        customer="华东电网",
        complainant="客户李女士",
        origin=Origin.EXTERNAL,
        channel=ComplaintChannel.SYSTEM,
        source=ComplaintSource.SATISFACTION,
        summary="满意度调查评价为“非常不满意”",
        party_complained_about="二线网络组",
        source_ref=response_id,
        at=T0,
        **extra,
    )


def test_receipt_with_a_source_ref_is_idempotent(core: ItsmCore, service: ComplaintService) -> None:
    first = satisfaction_receipt(service, "resp-42")
    again = satisfaction_receipt(service, "resp-42")
    assert again.id == first.id == complaint_id_for(ComplaintSource.SATISFACTION, "resp-42")
    assert again.version == 1
    assert len(history(core, first.id)) == 1
    assert len(service.find(SPECIALIST, source=ComplaintSource.SATISFACTION)) == 1
    assert first.source_ref == "resp-42"
    assert first.received_by == SYSTEM.id


def test_a_second_receipt_returns_the_complaint_as_it_is_now(service: ComplaintService) -> None:
    first = satisfaction_receipt(service, "resp-7")
    service.dispatch(RM, first.id)
    again = satisfaction_receipt(service, "resp-7")
    assert again.state is S.INVESTIGATING
    assert again.version == 2


def test_the_id_depends_on_source_and_reference(service: ComplaintService) -> None:
    a = satisfaction_receipt(service, "x-1")
    b = satisfaction_receipt(service, "x-2")
    c = service.receive(SPECIALIST, **intake(source=ComplaintSource.CALLBACK, source_ref="x-1"))
    assert len({a.id, b.id, c.id}) == 3
    assert complaint_id_for("callback", "x-1") == c.id


def test_receipt_without_a_reference_always_creates(service: ComplaintService) -> None:
    a = receive(service)
    b = receive(service)
    assert a.id != b.id


def test_a_blank_source_ref_is_refused(service: ComplaintService) -> None:
    with pytest.raises(ValidationError, match="source_ref"):
        service.receive(SPECIALIST, **intake(source_ref=" "))


# ---------------------------------------------------------------- praise


def test_praise_is_recorded_apart_and_never_enters_the_lifecycle(
    core: ItsmCore, service: ComplaintService
) -> None:
    p = service.record_praise(
        SPECIALIST,
        customer="华东电网",
        praised_party="一线服务台",
        summary="夜间故障处理及时，特此表扬",
        praiser="客户李女士",
    )
    assert p.channel is ComplaintChannel.HOTLINE
    assert p.version == 1
    assert service.find(SPECIALIST) == []
    assert [x.id for x in service.find_praise(RM, praised_party="一线服务台")] == [p.id]
    assert service.find_praise(RM, customer="别的客户") == []
    assert service.get_praise(RM, p.id).summary == "夜间故障处理及时，特此表扬"
    with core.storage.unit_of_work() as uow:
        events = uow.history(PRAISE_SPEC.kind, p.id)
    assert [e.name for e in events] == ["praise.recorded"]
    assert not hasattr(p, "state")
    with pytest.raises(ValidationError, match="praised_party"):
        service.record_praise(SPECIALIST, customer="c", praised_party="", summary="s")


def test_a_receipt_racing_another_returns_the_winner(
    core: ItsmCore, service: ComplaintService, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = satisfaction_receipt(service, "resp-race")
    real = service._unit._existing
    calls: list[str] = []

    def not_yet(complaint_id: str):  # type: ignore[no-untyped-def]
        calls.append(complaint_id)
        return None if len(calls) == 1 else real(complaint_id)

    monkeypatch.setattr(service._unit, "_existing", not_yet)
    again = satisfaction_receipt(service, "resp-race")
    assert again.id == first.id and again.version == 1
    assert len(calls) == 2
    assert len(history(core, first.id)) == 1
