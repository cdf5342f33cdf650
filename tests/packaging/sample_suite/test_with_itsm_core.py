"""A user's test suite: what `pip install itsm-core[testing]` alone gives it (no conftest)."""

from collections.abc import Sequence
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core import Complaint, ComplaintChannel, ComplaintState
from itsm_core.storage.memory import MemoryBackend
from itsm_core.testing import strategies
from itsm_core.testing.contract import StorageContract

INTAKE = {
    "customer": "华东电网",
    "complainant": {"name": "客户李女士"},
    "origin": "external",
    "channel": "hotline",
    "source": "complaint_channel",
    "summary": "故障处理超时",
    "party_complained_about": "二线网络组",
}


def test_receive_on_the_plug_in_core(itsm_core_memory, itsm_clock, itsm_notifier):
    complaint = itsm_core_memory.complaints.receive(strategies.receiver(), **INTAKE)
    assert complaint.received_at == itsm_clock.now()
    itsm_clock.advance(timedelta(hours=1))
    assert itsm_notifier.names() == ["complaint.received"]


def test_each_store(itsm_core_each):
    complaint = itsm_core_each.complaints.receive(strategies.receiver(), **INTAKE)
    assert complaint.state is ComplaintState.RECEIVED


@settings(max_examples=20, deadline=None)
@given(complaint=st.from_type(Complaint), channel=st.from_type(ComplaintChannel))
def test_from_type_knows_the_library(complaint, channel):
    assert complaint.state is ComplaintState.RECEIVED
    assert channel in ComplaintChannel


class TestMemoryStore(StorageContract):
    @pytest.fixture
    def backend_factory(self):
        def make(specs: Sequence[object]) -> MemoryBackend:
            return MemoryBackend("memory://", specs)

        return make
