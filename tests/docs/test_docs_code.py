"""Every ```python block in the docs (and the README) runs, page by page."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
PAGES = [p for p in PAGES if "_build" not in p.parts]


def python_blocks(page: Path) -> list[tuple[int, str]]:
    """Return ``(line, code)`` of every fenced block tagged ``python``."""
    tokens = MarkdownIt("commonmark").parse(page.read_text(encoding="utf-8"))
    blocks = []
    for tok in tokens:
        if tok.type == "fence" and tok.info.strip().split(" ")[0] in {"python", "py"}:
            line = (tok.map[0] + 1) if tok.map else 0
            blocks.append((line, tok.content))
    return blocks


def test_docs_have_runnable_code() -> None:
    assert any(python_blocks(p) for p in PAGES)


@pytest.mark.parametrize(
    "page", [p for p in PAGES if python_blocks(p)], ids=lambda p: str(p.relative_to(ROOT))
)
def test_page_code_runs(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # a module of its own, as a reader's code runs (attrs and cattrs resolve annotations in it)
    module = types.ModuleType(f"docs_{page.stem.replace('-', '_')}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for line, code in python_blocks(page):
        compiled = compile(code, f"{page.relative_to(ROOT)}:{line}", "exec")
        exec(compiled, module.__dict__)
