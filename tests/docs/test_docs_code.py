"""Every ```python block in the docs (and the README) runs, page by page.

A ```text block that immediately follows a python block shows what it
prints: the printed output must be that text, as doctest would compare it
with NORMALIZE_WHITESPACE and ELLIPSIS (runs of whitespace, line breaks
included, are one space, so a long line may be wrapped; ``…`` stands for
any text, such as a generated id).
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
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


def python_blocks_and_output(page: Path) -> list[tuple[int, str, str | None]]:
    """Return ``(line, code, shown output)`` of every python block.

    The shown output is the content of a ``text`` block right after the
    python block (nothing in between), else None.
    """
    tokens = MarkdownIt("commonmark").parse(page.read_text(encoding="utf-8"))
    blocks: list[tuple[int, str, str | None]] = []
    for i, tok in enumerate(tokens):
        if tok.type == "fence" and tok.info.strip().split(" ")[0] in {"python", "py"}:
            line = (tok.map[0] + 1) if tok.map else 0
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            shown = None
            if after is not None and after.type == "fence" and after.info.strip() == "text":
                shown = after.content
            blocks.append((line, tok.content, shown))
    return blocks


def shows(printed: str, shown: str) -> bool:
    """True if ``printed`` is what the text block ``shown`` shows."""
    words = " ".join(shown.split())
    pattern = ".*?".join(re.escape(part) for part in words.split("…"))
    return re.fullmatch(pattern, " ".join(printed.split()), flags=re.DOTALL) is not None


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
    for line, code, shown in python_blocks_and_output(page):
        compiled = compile(code, f"{page.relative_to(ROOT)}:{line}", "exec")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compiled, module.__dict__)
        if shown is not None:
            assert shows(printed.getvalue(), shown), (
                f"{page.relative_to(ROOT)}:{line}: the text block after this python block "
                f"is not what it prints:\n{printed.getvalue()}"
            )


def _unguarded_tries(code: str) -> list[int]:
    """Lines of ``try`` blocks outside functions that catch an error but have no ``else``."""
    found: list[int] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue  # a function's own control flow
            if isinstance(child, ast.Try) and child.handlers and not child.orelse:
                found.append(child.lineno)
            visit(child)

    visit(ast.parse(code))
    return found


def test_every_expected_error_fails_the_page_when_it_does_not_come() -> None:
    # ``try: …  except SomeError: print(...)`` passes whether or not the error
    # comes; an ``else: raise AssertionError(...)`` makes the page say it
    missing = [
        f"{page.relative_to(ROOT)}:{line + offset}"
        for page in PAGES
        for line, code in python_blocks(page)
        for offset in _unguarded_tries(code)
    ]
    assert not missing, f"add an else: raise AssertionError(...) to: {', '.join(missing)}"
