"""The package cites no section of a document it does not ship.

The rules come from the domain summary and the providers' process documents,
which are not part of the package: a reader of a docstring, a message or a
page cannot open "DOMAIN §4" or "000 §7.2.2". Say what the rule is instead
(e.g. "the service review process", "the complaint process, step 3") or link
the shipped summary, docs/explanation/processes.md ("The processes this
library follows"), which names each source document and section in words.

Checked: every text file under src/ and docs/ (the translation catalogs in
docs/locale and a local build in docs/_build aside) and README.md. Standard
citations such as "RFC 9562 §6.2" are allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SEED_REFERENCE = re.compile(r"DOMAIN §|DOMAIN\.md|\b00[0-4] §")
"""The domain summary by section or by file, or a numbered source document by section."""

BARE_SECTION = re.compile(r"§\s*\d")
"""A section sign with no document, e.g. "(§7.2.5)"."""

STANDARD_BEFORE = re.compile(r"\bRFC \d+\s*$")
"""What may stand before a bare section sign: a standard's name."""


def _text_files() -> Iterator[Path]:
    yield ROOT / "README.md"
    for top in ("src", "docs"):
        for path in sorted((ROOT / top).rglob("*")):
            relative = path.relative_to(ROOT / top).parts
            if not path.is_file() or "__pycache__" in relative:
                continue
            if top == "docs" and relative[0] in {"locale", "_build"}:
                continue
            yield path


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None  # an image or another binary file


def find_seed_references(text: str) -> list[tuple[int, str]]:
    """Return (line number, line) for each citation of an unshipped document in ``text``."""
    hits: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if SEED_REFERENCE.search(line):
            hits.append((number, line.strip()))
    for match in BARE_SECTION.finditer(text):
        if STANDARD_BEFORE.search(text[max(0, match.start() - 20) : match.start()]):
            continue
        number = text.count("\n", 0, match.start()) + 1
        hit = (number, text.splitlines()[number - 1].strip())
        if hit not in hits:
            hits.append(hit)
    return sorted(hits)


def test_no_file_cites_a_document_the_package_does_not_ship() -> None:
    found: list[str] = []
    for path in _text_files():
        text = _read(path)
        if text is None:
            continue
        for number, line in find_seed_references(text):
            found.append(f"{path.relative_to(ROOT).as_posix()}:{number}: {line}")
    assert found == [], (
        "these cite sections of documents the package does not ship; say what the rule "
        "is instead, or link docs/explanation/processes.md:\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    "text",
    [
        "Customer service reviews (DOMAIN §4): plans",
        "the attendance rule (000 §7.2.2.2)",
        "a major complaint (003 §3.3 b)",
        "see DOMAIN.md",
        "the trend analysis (§7.2.5)",
    ],
)
def test_a_citation_is_found(text: str) -> None:
    assert find_seed_references(text) == [(1, text)]


@pytest.mark.parametrize(
    "text",
    [
        "a 42-bit counter (RFC 9562 §6.2, method 1)",
        "a 42-bit counter (RFC 9562\n§6.2, method 1)",
        "the business relationship management process, section 7.2.4.1",
        "the complaint process, step 3",
    ],
)
def test_a_standard_or_a_named_process_is_allowed(text: str) -> None:
    assert find_seed_references(text) == []
