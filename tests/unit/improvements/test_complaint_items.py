"""A complaint's improvement item: raised with the complaint, and the complaint follows it."""

from __future__ import annotations

from typing import Any

import pytest

from itsm_core import InvalidTransition, ItsmCore
from itsm_core.complaints import COMPLAINT_SPEC, ComplaintState
from itsm_core.improvements import IMPROVEMENT_SPEC, ImprovementState
from tests.unit.complaints.conftest import (
    GM,
    SPECIALIST,
    at_state,
    item_id,
    stored,
    stored_items,
)

S = ComplaintState


def test_the_item_is_raised_in_the_complaints_unit_of_work(core: ItsmCore) -> None:
    c = at_state(core.complaints, S.IMPROVING)
    item = core.improvements.get(SPECIALIST, item_id(core.complaints, c.id))
    assert (item.source_kind.value, item.source_ref, item.state) == (
        "complaint",
        c.id,
        ImprovementState.IN_PROGRESS,
    )
    assert (item.customer, item.cause, item.business_unit) == (
        "华东电网",
        "二线值班人手不足",
        "运维事业部",
    )
    event = core.complaints.history(SPECIALIST, c.id)[-1]
    assert (event.name, event.payload["improvement_id"]) == (
        "complaint.improvement_required",
        item.id,
    )
    assert event.payload["notify"] == ("improvement_owner",)


def test_a_complaints_item_is_never_cancelled(core: ItsmCore) -> None:
    from itsm_core import Actor, Role

    director = Actor("dir-1", [Role.OPERATIONS_DIRECTOR, Role.GENERAL_MANAGER_OFFICE])
    c = at_state(core.complaints, S.IMPROVING)
    before = stored_items(core), COMPLAINT_SPEC.to_record(stored(core, c.id))
    with pytest.raises(InvalidTransition, match="never cancelled") as info:
        core.improvements.cancel(director, item_id(core.complaints, c.id), reason="r")
    assert "cancel" not in info.value.allowed
    assert (stored_items(core), COMPLAINT_SPEC.to_record(stored(core, c.id))) == before


class _FailingComplaintSave:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __enter__(self) -> Any:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self.inner.__exit__(*exc)

    def save(self, spec: Any, entity: Any) -> None:
        if spec.kind == COMPLAINT_SPEC.kind:
            raise RuntimeError("the complaint could not be saved")
        self.inner.save(spec, entity)


def test_the_complaint_and_its_item_commit_together_or_not_at_all(
    core: ItsmCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = at_state(core.complaints, S.IMPROVING)
    key = item_id(core.complaints, c.id)
    before = stored_items(core), COMPLAINT_SPEC.to_record(stored(core, c.id))
    real = core.storage.unit_of_work
    monkeypatch.setattr(core.storage, "unit_of_work", lambda: _FailingComplaintSave(real()))
    with pytest.raises(RuntimeError):
        core.improvements.follow_up(SPECIALIST, key, met=True, note="按质量指标完成")
    monkeypatch.setattr(core.storage, "unit_of_work", real)
    assert (stored_items(core), COMPLAINT_SPEC.to_record(stored(core, c.id))) == before
    item = core.improvements.follow_up(SPECIALIST, key, met=True, note="按质量指标完成")
    assert item.state is ImprovementState.DONE
    assert stored(core, c.id).state is S.HANDLED


def test_the_office_decides_on_the_item_and_the_complaint_is_handled(core: ItsmCore) -> None:
    c = at_state(core.complaints, S.IMPROVEMENT_ESCALATED)
    key = item_id(core.complaints, c.id)
    with pytest.raises(InvalidTransition, match=r"core\.improvements\.decide"):
        core.complaints.decide(GM, c.id, decision="d")
    core.improvements.decide(GM, key, decision="结案")
    after = stored(core, c.id)
    assert after.state is S.HANDLED and after.callback_due_at is not None
    with core.storage.unit_of_work() as uow:
        assert uow.get(IMPROVEMENT_SPEC, key).state is ImprovementState.DECIDED


def test_progress_changes_the_item_not_the_complaint(core: ItsmCore) -> None:
    from tests.unit.complaints.conftest import OWNER

    c = at_state(core.complaints, S.IMPROVEMENT_EXTENDED)
    version = stored(core, c.id).version
    core.improvements.report_progress(OWNER, item_id(core.complaints, c.id), note="培训已完成一半")
    core.improvements.submit(OWNER, item_id(core.complaints, c.id), note="培训完成")
    assert stored(core, c.id).version == version
    assert stored(core, c.id).state is S.IMPROVEMENT_EXTENDED
    sheet = core.complaints.record(SPECIALIST, c.id, "improvement_tracking_sheet")
    assert [r[2].value for r in sheet.table("progress").rows] == ["培训已完成一半", "培训完成"]
    assert sheet.value("improvement_status") == "verifying"
    core.improvements.follow_up(SPECIALIST, item_id(core.complaints, c.id), met=False, note="n")
    assert stored(core, c.id).state is S.IMPROVEMENT_ESCALATED
