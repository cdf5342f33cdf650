"""Meta-tests: every hook is documented, and every hook has a test."""

from __future__ import annotations

import ast
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


def uses(tree: ast.AST) -> set[str]:
    """The names a test module really uses: defines, reads as attributes, or spells as strings.

    A function definition (an implementation), an attribute (``pm.hook.<name>``)
    or a string that is exactly the name (``calls_of("<name>")``) count; a
    comment, or a text that merely mentions the name, does not.
    """
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.add(node.name)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
    return found


def test_a_mention_in_a_comment_or_text_is_no_use() -> None:
    assert "itsm_on_event" not in uses(ast.parse("# itsm_on_event is tested\nx = 1\n"))
    assert "itsm_on_event" not in uses(ast.parse("x = 'see itsm_on_event'\n"))
    assert "itsm_on_event" in uses(ast.parse("pm.hook.itsm_on_event(event=e)\n"))
    assert "itsm_on_event" in uses(ast.parse("def itsm_on_event(self, event): ...\n"))
    assert "itsm_sla_breach" in uses(ast.parse("n.calls_of('itsm_sla_breach')\n"))


@pytest.mark.parametrize("hook", hooks(), ids=lambda h: h.__name__)
def test_every_hook_has_a_test(hook: Callable[..., Any]) -> None:
    here = Path(__file__).resolve()
    users = [
        path
        for path in TESTS.rglob("test_*.py")
        if path.resolve() != here
        and hook.__name__ in uses(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert users, (
        f"no test under tests/ implements, calls or names the hook {hook.__name__} "
        "(a mention in a comment does not count)"
    )
