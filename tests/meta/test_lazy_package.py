"""``import itsm_core`` loads no area; every public name still resolves on first use."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

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


def _lazy_packages() -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Each package exporting its names lazily: ``{name: module}`` as type checkers see
    it (its ``TYPE_CHECKING`` imports) and as it loads them (its ``lazy_exports`` map)."""
    root = Path(itsm_core.__file__).parent
    found = {}
    for init in sorted(root.rglob("__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        for node in tree.body:
            if not (isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"):
                continue
            calls = [
                n for n in ast.walk(ast.Module(node.orelse, [])) if isinstance(n, ast.Call)
                and ast.unparse(n.func) == "lazy_exports"
            ]  # fmt: skip
            if not calls:
                continue
            typed = {
                alias.name: imp.module or ""
                for imp in node.body
                if isinstance(imp, ast.ImportFrom)
                for alias in imp.names
            }
            homes = ast.literal_eval(calls[0].args[1])
            loaded = {name: module for module, names in homes.items() for name in names}
            package = ".".join(init.relative_to(root.parent).parent.parts)
            found[package] = (typed, loaded)
    return found


LAZY = _lazy_packages()


def test_the_area_packages_export_lazily() -> None:
    assert {"itsm_core.satisfaction", "itsm_core.complaints", "itsm_core.sla"} <= set(LAZY)


@pytest.mark.parametrize("package", sorted(LAZY))
def test_a_lazy_package_loads_what_it_declares(package: str) -> None:
    typed, loaded = LAZY[package]
    assert typed == loaded
    module = importlib.import_module(package)
    for name in module.__all__:
        assert name in loaded, name
    for name, home in loaded.items():
        assert getattr(module, name) is getattr(importlib.import_module(home), name), name
        assert name in dir(module)
    with pytest.raises(AttributeError, match="no_such_name"):
        module.no_such_name  # noqa: B018


def test_opening_a_store_loads_no_area_service() -> None:
    code = (
        "import sys\n"
        "from itsm_core import ItsmCore\n"
        "core = ItsmCore('memory://', load_entrypoints=False)\n"
        "print(sorted(m for m in sys.modules if m.startswith('itsm_core.')"
        " and m.rsplit('.', 1)[-1] in ('service', 'evaluation', 'pack', 'runtime', 'outbox')))\n"
        "core.complaints\n"
        "print('itsm_core.desk.service' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"], out.stdout


def test_opening_a_store_loads_no_entity_or_unit_of_work(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    code = (
        "import sys\n"
        "from itsm_core import ItsmCore\n"
        f"ItsmCore({url!r}, load_entrypoints=False).close()  # creates the store\n"
        f"core = ItsmCore({url!r}, load_entrypoints=False)\n"
        "print(sorted(m for m in sys.modules if m.startswith('itsm_core.') and ("
        "m.rsplit('.', 1)[-1] in ('model', 'lifecycle', 'enums', 'unit_of_work'))))\n"
        "print('transitions' in sys.modules)\n"
        "core.complaints\n"
        "print('itsm_core.complaints.model' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:3] == ["[]", "False", "True"], out.stdout


def test_the_facade_default_relay_deadline_is_the_runtime_one() -> None:
    from itsm_core.facade import ItsmCore
    from itsm_core.runtime import AUTO_RELAY_DEADLINE

    default = inspect.signature(ItsmCore).parameters["relay_deadline"].default
    assert default == AUTO_RELAY_DEADLINE
