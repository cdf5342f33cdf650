"""Agreements (SLA / OLA / underpinning contract) and their targets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsm_core import SYSTEM, AccessDenied, Actor, FrozenClock, NotFound, Role, ValidationError
from itsm_core.sla import (
    AGREEMENT_SPEC,
    DEFAULT_THRESHOLDS,
    Agreement,
    AgreementKind,
    Target,
    TargetKind,
)

from .clock_support import DESK, MON, RM, make_core, target

AUDITOR = Actor("qa", ["quality_specialist"], "质控专员")

OM = Actor("om-1", [Role.OPERATIONS_MANAGER], "运维经理")


def _agreement() -> Agreement:
    return Agreement.define(
        agreement_id="agr-1",
        name="2025 年度运维服务协议",
        kind="sla",
        counterparty="华东电网",
        targets=[
            target(4, priority="P1"),
            target(16, priority="P3"),
            target(0.5, priority="P1", kind="response"),
            target(8, service="network", priority="P2"),
        ],
        actor=RM,
        at=MON,
    )


def test_kinds_are_labelled() -> None:
    assert AgreementKind.SLA.zh == "服务级别协议"
    assert AgreementKind.OLA.zh == "内部支持协议"
    assert AgreementKind.UNDERPINNING_CONTRACT.zh == "外部支持合同"
    assert AgreementKind.UNDERPINNING_CONTRACT.label("en") == "underpinning contract"
    assert [k.value for k in TargetKind] == [
        "acceptance",
        "response",
        "resolution",
        "callback",
        "improvement",
        "review",
        "notice_call",
        "progress_update",
    ]
    assert TargetKind.IMPROVEMENT.zh == "改进期限"
    assert TargetKind.REVIEW.zh == "回顾期限"
    assert TargetKind.NOTICE_CALL.zh == "通告确认时限"
    assert TargetKind.PROGRESS_UPDATE.zh == "主动反馈时限"


def test_target_defaults_and_validation() -> None:
    t = Target("desktop", "P1", "resolution", timedelta(hours=4))
    assert t.thresholds == DEFAULT_THRESHOLDS == (0.5, 0.75, 0.9)
    assert t.calendar == "default" and t.kind is TargetKind.RESOLUTION
    assert Target.from_dict(t.to_dict()) == t
    days = Target("desk", "P1", "callback", working_days=1, calendar="cn")
    assert Target.from_dict(days.to_dict()) == days
    assert "1 working days" in days.describe()
    with pytest.raises(ValidationError, match="exactly one of duration"):
        Target("desktop", "P1", "resolution")
    with pytest.raises(ValidationError, match="exactly one of duration"):
        Target("desktop", "P1", "resolution", timedelta(hours=1), working_days=1)
    with pytest.raises(ValidationError, match="positive"):
        Target("desktop", "P1", "resolution", timedelta(0))
    with pytest.raises(ValidationError, match="working_days"):
        Target("desktop", "P1", "callback", working_days=0)
    with pytest.raises(ValidationError, match="allowed: acceptance, response"):
        Target("desktop", "P1", "fix", timedelta(hours=1))
    with pytest.raises(ValidationError, match="strictly between 0 and 1"):
        Target("d", "P1", "response", timedelta(hours=1), thresholds=(0.5, 1.0))
    with pytest.raises(ValidationError, match="strictly increasing"):
        Target("d", "P1", "response", timedelta(hours=1), thresholds=(0.75, 0.5))
    with pytest.raises(ValidationError, match="calendar"):
        Target("d", "P1", "response", timedelta(hours=1), calendar=" ")
    assert Target("d", "P1", "response", timedelta(hours=1), thresholds=()).thresholds == ()


def test_target_lookup_names_what_exists() -> None:
    agreement = _agreement()
    assert agreement.target_for("desktop", "P1", "resolution").duration == timedelta(hours=4)
    assert agreement.services == ("desktop", "network")
    assert agreement.priorities("desktop") == ("P1", "P3")
    with pytest.raises(ValidationError, match="its services: desktop, network") as info:
        agreement.target_for("printing", "P1", "resolution")
    assert info.value.field == "service"
    with pytest.raises(ValidationError, match="its priorities there: P1, P3") as info:
        agreement.target_for("desktop", "P2", "resolution")
    assert info.value.field == "priority"
    with pytest.raises(ValidationError, match="its targets there: resolution, response"):
        agreement.target_for("desktop", "P1", "callback")
    with pytest.raises(ValidationError, match="allowed"):
        agreement.target_for("desktop", "P1", "lunch")


def test_agreement_validation() -> None:
    with pytest.raises(ValidationError, match="two targets"):
        Agreement.define(
            agreement_id="a", name="x", kind="ola", counterparty="二线网络组",
            targets=[target(4), target(8)], actor=RM, at=MON,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="names its service and priority"):
        Agreement.define(
            agreement_id="a", name="x", kind="ola", counterparty="二线网络组",
            targets=[target(4, service="")], actor=RM, at=MON,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="allowed: sla, ola, underpinning_contract"):
        Agreement.define(
            agreement_id="a", name="x", kind="contract", counterparty="c", actor=RM, at=MON
        )
    with pytest.raises(ValidationError, match="counterparty"):
        Agreement.define(agreement_id="a", name="x", kind="sla", counterparty=" ", actor=RM, at=MON)


def test_set_and_remove_targets_are_recorded() -> None:
    agreement = _agreement()
    agreement.set_target(target(2, priority="P1"), actor=RM, at=MON)
    assert agreement.target_for("desktop", "P1", "resolution").duration == timedelta(hours=2)
    assert agreement.pending_events[-1].payload["replaced"] is True
    agreement.set_target(target(1, priority="P0"), actor=RM, at=MON)
    assert agreement.pending_events[-1].payload["replaced"] is False
    agreement.remove_target("network", "P2", "resolution", actor=RM, at=MON)
    assert agreement.services == ("desktop",)
    with pytest.raises(ValidationError, match="its services: desktop"):
        agreement.remove_target("network", "P2", "resolution", actor=RM, at=MON)
    assert [e.name for e in agreement.pending_events] == [
        "sla_agreement.defined",
        "sla_agreement.target_set",
        "sla_agreement.target_set",
        "sla_agreement.target_removed",
    ]
    record = AGREEMENT_SPEC.to_record(agreement)
    assert AGREEMENT_SPEC.to_record(AGREEMENT_SPEC.from_record(record)) == record


def test_the_service_defines_and_queries_agreements() -> None:
    core = make_core(FrozenClock(MON))
    with pytest.raises(AccessDenied, match="define an agreement"):
        core.sla.define_agreement(DESK, name="x", kind="sla", counterparty="c")
    with pytest.raises(ValidationError, match="registered: cn, default"):
        core.sla.define_agreement(
            OM, name="x", kind="sla", counterparty="c", targets=[target(calendar="nope")]
        )
    sla = core.sla.define_agreement(
        RM, name="客户协议", kind="sla", counterparty="华东电网", targets=[target(4)]
    )
    ola = core.sla.define_agreement(
        OM,
        name="二线支持协议",
        kind=AgreementKind.OLA,
        counterparty="二线网络组",
        targets=[target(2, kind="response")],
        agreement_id="ola-1",
    )
    uc = core.sla.define_agreement(
        OM, name="硬件维保合同", kind="underpinning_contract", counterparty="某厂商"
    )
    assert ola.id == "ola-1"
    by_name = sorted([sla, ola, uc], key=lambda a: a.name)
    assert [a.id for a in core.sla.find_agreements(SYSTEM)] == [a.id for a in by_name]
    assert [a.id for a in core.sla.find_agreements(SYSTEM, kind="ola")] == [ola.id]
    assert [a.id for a in core.sla.find_agreements(SYSTEM, counterparty="华东电网")] == [sla.id]
    assert core.sla.get_target(
        SYSTEM, sla.id, service="desktop", priority="P2", kind="resolution"
    ).duration == timedelta(hours=4)
    core.sla.set_target(OM, uc.id, target=target(24, service="storage", priority="P1"))
    with pytest.raises(ValidationError, match="registered"):
        core.sla.set_target(OM, uc.id, target=target(24, calendar="mars"))
    core.sla.remove_target(OM, uc.id, service="storage", priority="P1", kind="resolution")
    assert core.sla.get_agreement(SYSTEM, uc.id).targets == ()
    with pytest.raises(NotFound):
        core.sla.get_agreement(SYSTEM, "nope")
    history = [e.name for e in core.history(AUDITOR, "sla_agreement", uc.id)]
    assert history == [
        "sla_agreement.defined",
        "sla_agreement.target_set",
        "sla_agreement.target_removed",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message", "field"),
    [
        ({"targets": 5}, "targets must be a list of Target objects", "targets"),
        ({"targets": target(4)}, "targets must be a list of Target objects", "targets"),
        ({"targets": [5]}, "targets must be Target objects, got 5", "targets"),
        ({"agreement_id": ""}, "agreement_id must be a non-empty string", "agreement_id"),
        ({"agreement_id": 7}, "agreement_id must be a non-empty string", "agreement_id"),
    ],
)
def test_a_refused_definition_names_the_field_and_stores_nothing(
    kwargs: dict[str, object], message: str, field: str
) -> None:
    core = make_core(FrozenClock(MON))
    with pytest.raises(ValidationError, match=message) as caught:
        core.sla.define_agreement(RM, name="x", kind="sla", counterparty="c", **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert core.sla.find_agreements(SYSTEM) == []


def test_target_from_dict_refuses_bad_input_by_field() -> None:
    good = target(4).to_dict()
    assert Target.from_dict(good) == target(4)
    for data, message, field in (
        ({"service": "desktop"}, "lacks priority, kind", "priority"),
        ({**good, "duration_us": "4h"}, "whole number of microseconds", "duration"),
        ({**good, "thresholds": "0.5"}, "sequence of fractions", "thresholds"),
        ({**good, "kind": "lunch"}, "not a valid TargetKind", "kind"),
        (None, "must be a mapping", "data"),
    ):
        with pytest.raises(ValidationError, match=message) as caught:
            Target.from_dict(data)  # type: ignore[arg-type]
        assert caught.value.field == field
