"""Every state field changes only through its lifecycle table.

A :class:`~itsm_core.kernel.lifecycle.Lifecycle` names the entity attribute it
drives (``state`` by default). Outside ``Lifecycle.fire`` nothing may assign
such an attribute: no ``x.state = ...``, ``setattr(x, "state", ...)``,
``object.__setattr__(x, "state", ...)`` or ``attrs.evolve(x, state=...)`` in
the library's modules. Building an entity from its stored record (a
constructor call) is loading, not a change, and is allowed.

``PENDING`` lists the places that still do it (``module:line-free function
qualname``); it may only shrink.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import itsm_core
from itsm_core.kernel.lifecycle import Lifecycle

SRC = Path(itsm_core.__file__).parent
EXEMPT_MODULES = frozenset({"kernel/lifecycle.py", "kernel/errors.py"})

PENDING: frozenset[str] = frozenset()


def _lifecycles() -> list[Lifecycle[object]]:  # type: ignore[type-var]
    found: dict[int, Lifecycle[object]] = {}  # type: ignore[type-var]
    for info in pkgutil.walk_packages(itsm_core.__path__, "itsm_core."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, Lifecycle):
                found[id(value)] = value
    return list(found.values())


def _state_fields() -> frozenset[str]:
    return frozenset(lc.field for lc in _lifecycles())


class _Finder(ast.NodeVisitor):
    def __init__(self, fields: frozenset[str], module: str) -> None:
        self.fields = fields
        self.module = module
        self.scope: list[str] = []
        self.hits: set[str] = set()

    def _hit(self) -> None:
        self.hits.add(f"{self.module}:{'.'.join(self.scope) or '<module>'}")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    def _targets(self, targets: list[ast.expr]) -> None:
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Attribute) and node.attr in self.fields:
                    self._hit()

    def visit_Assign(self, node: ast.Assign) -> None:
        self._targets(node.targets)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._targets([node.target])
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._targets([node.target])
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("setattr", "__setattr__") and len(node.args) >= 2:
            key = node.args[1]
            if isinstance(key, ast.Constant) and key.value in self.fields:
                self._hit()
        if name == "evolve" and any(k.arg in self.fields for k in node.keywords):
            self._hit()
        self.generic_visit(node)


def _offences() -> set[str]:
    fields = _state_fields()
    hits: set[str] = set()
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in EXEMPT_MODULES or "/migrations/" in rel:
            continue
        finder = _Finder(fields, rel)
        finder.visit(ast.parse(path.read_text(encoding="utf-8")))
        hits |= finder.hits
    return hits


def test_the_lifecycles_are_found() -> None:
    assert "state" in _state_fields()


def test_no_state_field_is_assigned_outside_its_lifecycle() -> None:
    offences = sorted(_offences() - PENDING)
    assert offences == [], "state fields assigned outside a Lifecycle: " + ", ".join(offences)


def test_pending_places_are_removed_once_they_conform() -> None:
    fixed = sorted(PENDING - _offences())
    assert fixed == [], f"these conform now (or are gone): remove them from PENDING: {fixed}"
