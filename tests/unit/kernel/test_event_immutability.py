"""Events are deeply immutable: nothing a reader does to one changes the stored history."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from itsm_core import SYSTEM, Actor, DomainEvent, FrozenClock, ItsmCore, Role, hookimpl
from itsm_core.kernel.events import jsonable

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _event() -> DomainEvent:
    return DomainEvent.create(
        kind="thing",
        aggregate_id="t-1",
        version=1,
        name="thing.done",
        at=T0,
        actor=SYSTEM,
        payload={"steps": [{"name": "a", "tags": ["x"]}], "meta": {"n": 1}},
    )


def test_nested_payloads_cannot_be_changed() -> None:
    event = _event()
    with pytest.raises(TypeError):
        event.payload["meta"]["n"] = 2  # type: ignore[index]
    with pytest.raises((TypeError, AttributeError)):
        event.payload["steps"].append({})  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        event.payload["steps"][0]["tags"] = []  # type: ignore[index]


def test_frozen_payloads_stay_json() -> None:
    event = _event()
    data = event.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["payload"] == {"steps": [{"name": "a", "tags": ["x"]}], "meta": {"n": 1}}
    assert DomainEvent.from_dict(data) == event
    assert jsonable(event.payload) == data["payload"]


def _meddle(events: list[DomainEvent]) -> int:
    touched = 0
    for event in events:
        for value in event.payload.values():
            try:
                if isinstance(value, dict):
                    value["meddled"] = True
                    touched += 1
                elif isinstance(value, list):
                    value.append("meddled")
                    touched += 1
            except (TypeError, AttributeError):
                pass
            if not isinstance(value, dict | list) and hasattr(value, "keys"):
                touched += 1  # a frozen mapping: nothing to change
    return touched


class _Meddler:
    @hookimpl
    def itsm_on_event(self, event: DomainEvent) -> None:
        _meddle([event])


@pytest.mark.parametrize("url", ["memory://", "sqlite://"])
def test_neither_a_reader_nor_a_notifier_can_rewrite_history(url: str) -> None:
    specialist = Actor("spec-1", [Role.COMPLAINT_SPECIALIST])
    with ItsmCore(url, clock=FrozenClock(T0), plugins=[_Meddler()], load_entrypoints=False) as core:
        complaint = core.complaints.receive(
            specialist,
            customer="华东电网",
            complainant={"name": "客户李女士", "contact": "13800001234"},
            origin="external",
            channel="hotline",
            source="complaint_channel",
            summary="故障处理超时三次",
            party_complained_about="二线网络组",
        )
        history = core.complaints.history(specialist, complaint.id)
        assert _meddle(history) > 0  # the payload has nested values
        after = [e.to_dict() for e in core.complaints.history(specialist, complaint.id)]
        assert "meddled" not in json.dumps(after, ensure_ascii=False)
