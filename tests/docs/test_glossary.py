"""The zh/en glossary lists every labelled enumeration of the package, every member."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from itsm_core.kernel.labels import Labelled

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reference" / "glossary.md"


def _extension() -> ModuleType:
    path = ROOT / "docs" / "_ext" / "labelled_glossary.py"
    spec = importlib.util.spec_from_file_location("labelled_glossary", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def test_the_page_has_the_marker() -> None:
    ext = _extension()
    assert ext.MARKER in PAGE.read_text(encoding="utf-8")


def test_every_labelled_enum_of_the_package_is_listed_once() -> None:
    ext = _extension()
    listed = [e for enums in ext.labelled_enums().values() for e in enums]
    assert len(listed) == len(set(listed))
    # after the walk every module is imported: compare with every subclass there is
    package = {e for e in _all_subclasses(Labelled) if e.__module__.startswith("itsm_core.")}
    assert set(listed) == package


def test_every_member_has_a_row_with_both_labels() -> None:
    ext = _extension()
    text = ext.glossary_markdown()
    for enums in ext.labelled_enums().values():
        for enum in enums:
            assert f"### {enum.__name__}" in text
            for member in enum:
                assert f"| `{member.value}` | {member.zh} | {member.en} |" in text
