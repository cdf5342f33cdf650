"""``import itsm_core`` loads no area; every public name still resolves on first use."""

from __future__ import annotations

import subprocess
import sys

import pytest

import itsm_core


def test_every_public_name_resolves() -> None:
    for name in itsm_core.__all__:
        assert getattr(itsm_core, name) is not None, name
    assert set(itsm_core.__all__) <= set(dir(itsm_core))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchName"):
        itsm_core.NoSuchName  # type: ignore[attr-defined]  # noqa: B018


def test_importing_the_package_loads_no_area() -> None:
    code = (
        "import sys, itsm_core; "
        "print(sorted(m for m in sys.modules if m.startswith('itsm_core.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
