"""Meta-tests: every hook is documented, and every hook has a test."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from itsm_core import hookspecs

TESTS = Path(__file__).resolve().parents[1]
MARK = f"{hookspecs.PROJECT}_spec"


def hooks() -> list[Callable[..., Any]]:
    found = [f for _, f in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(f, MARK)]
    assert found, "no hook specifications found"
    return found


def test_every_hook_has_the_project_prefix() -> None:
    assert all(h.__name__.startswith("itsm_") for h in hooks())


@pytest.mark.parametrize("hook", hooks(), ids=lambda h: h.__name__)
def test_every_hook_is_documented_and_typed(hook: Callable[..., Any]) -> None:
    doc = inspect.getdoc(hook) or ""
    assert doc.strip(), f"{hook.__name__} has no docstring"
    signature = inspect.signature(hook)
    for name, parameter in signature.parameters.items():
        assert f":param {name}:" in doc, f"{hook.__name__}: no ':param {name}:' in its docstring"
        assert parameter.annotation is not inspect.Parameter.empty, f"{hook.__name__}({name})"
    assert signature.return_annotation is not inspect.Signature.empty, hook.__name__
    if getattr(hook, MARK).get("firstresult"):
        assert "first" in doc.lower(), f"{hook.__name__} is firstresult: its docstring says so"


@pytest.mark.parametrize("hook", hooks(), ids=lambda h: h.__name__)
def test_every_hook_has_a_test(hook: Callable[..., Any]) -> None:
    here = Path(__file__).resolve()
    users = [
        path
        for path in TESTS.rglob("test_*.py")
        if path.resolve() != here and hook.__name__ in path.read_text(encoding="utf-8")
    ]
    assert users, f"no test under tests/ mentions the hook {hook.__name__}"
