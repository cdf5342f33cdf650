"""What the fuzzing and fault suites found, one test per finding (each failed before its fix)."""

from __future__ import annotations

import pytest

from itsm_core import ItsmCore, ValidationError
from itsm_core.complaints import complaint_id_for

from .conftest import SPECIALIST


def test_a_source_ref_with_a_lone_surrogate_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match=r"source_ref.*surrogate"):
        complaint_id_for("complaint_channel", "resp-\ud800")


def test_receiving_with_such_a_source_ref_stores_nothing(core: ItsmCore) -> None:
    with pytest.raises(ValidationError, match="source_ref"):
        core.complaints.receive(
            SPECIALIST,
            customer="C1",
            complainant={"name": "李女士"},
            origin="external",
            channel="hotline",
            source="complaint_channel",
            summary="打印机故障",
            party_complained_about="桌面运维组",
            source_ref="resp-\ud800",
        )
    assert core.complaints.find(SPECIALIST) == []
