"""The library's own specs name their entity classes by path: each resolves to its kind's class.

Opening a store needs only each kind's name and index fields, so the specs
load no entity class (nor what its module loads) before their kind's first
record; every one of them must still resolve to the class of its kind, with
the derived record mapping.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import attrs
import pytest

from itsm_core.areas import aggregate_specs
from itsm_core.storage import AggregateSpec


@pytest.mark.parametrize("spec", aggregate_specs(), ids=lambda s: s.kind)
def test_every_library_spec_resolves_to_its_kind_s_class(spec: AggregateSpec[Any]) -> None:
    entity_type = spec.entity_type
    assert attrs.has(entity_type)
    assert spec.kind == entity_type.KIND  # type: ignore[attr-defined]
    assert getattr(spec._from_record, "__qualname__", "").startswith("derived_mapping.")
    assert getattr(spec._to_record, "__qualname__", "").startswith("derived_mapping.")


def test_the_codes_the_index_fields_compare_are_the_enumerations_ones() -> None:
    from itsm_core.complaints.enums import ComplaintState
    from itsm_core.complaints.storage import _AWAITING_CALLBACK
    from itsm_core.satisfaction.enums import InvitationState
    from itsm_core.satisfaction.storage import _RESPONDED

    assert frozenset({ComplaintState.HANDLED._value_, ComplaintState.FEEDBACK_GIVEN._value_}) == (
        _AWAITING_CALLBACK
    )
    assert InvitationState.RESPONDED._value_ == _RESPONDED


def test_a_spec_named_by_path_imports_its_class_on_first_use() -> None:
    code = (
        "import sys\n"
        "from itsm_core.complaints.storage import COMPLAINT_SPEC as s\n"
        "print('itsm_core.complaints.model' in sys.modules, s.kind, len(s.index))\n"
        "print(s.entity_type.__name__, 'itsm_core.complaints.model' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["False complaint 19", "Complaint True"], out.stdout
