"""The backend written in the how-to "write a storage backend" passes the contract suite."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from itsm_core.testing.contract import StorageContract

PAGE = Path(__file__).resolve().parents[2] / "docs" / "how-to" / "write-a-storage-backend.md"


def _namespace() -> dict[str, Any]:
    # a module of its own, as a reader's code runs (attrs and cattrs resolve annotations in it)
    module = types.ModuleType("docs_write_a_storage_backend")
    sys.modules[module.__name__] = module
    for token in MarkdownIt("commonmark").parse(PAGE.read_text(encoding="utf-8")):
        if token.type == "fence" and token.info.strip() == "python":
            exec(compile(token.content, str(PAGE), "exec"), module.__dict__)
    return module.__dict__


_DOCS = _namespace()
_DocumentedContract: type[StorageContract] = _DOCS["TestDictBackend"]


class TestDocumentedDictBackend(_DocumentedContract):  # type: ignore[misc, valid-type]
    """The page's own contract class, with its ``backend_factory`` fixture."""
