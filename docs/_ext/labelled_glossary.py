"""The zh/en glossary, built from the package's labelled enumerations.

Every :class:`itsm_core.kernel.labels.Labelled` enumeration defined in the
package is a list of domain terms: its members' code values, Chinese labels and
English labels. The glossary page (``reference/glossary``) holds its prose and
the marker line ``<!-- labelled-glossary -->``; when Sphinx reads the page,
the marker is replaced with one section per area and one table per
enumeration, so the glossary always shows the labels the code has and nothing
generated is kept in the repository.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections import defaultdict
from types import ModuleType
from typing import Any

import itsm_core
from itsm_core.kernel.labels import Labelled

MARKER = "<!-- labelled-glossary -->"
DOCNAME = "reference/glossary"

#: The areas in the order a reader meets them; an area the list does not name
#: (a new package) comes after them under its package name.
AREAS: dict[str, str] = {
    "kernel": "Roles and the kernel (角色)",
    "complaints": "Complaints (投诉)",
    "satisfaction": "Customer satisfaction (客户满意度)",
    "improvements": "The improvement register (服务改进)",
    "reviews": "Service reviews (服务回顾)",
    "sla": "SLA clocks and agreements (服务级别协议)",
    "calendars": "Business calendars (工作日历)",
}

#: Packages whose modules are not imported to look for enumerations: the
#: Alembic revisions run migration code when imported.
SKIP = ("itsm_core.storage.sqlalchemy.migrations",)


def _modules() -> list[ModuleType]:
    found = [itsm_core]
    for info in pkgutil.walk_packages(itsm_core.__path__, prefix="itsm_core."):
        if info.name.startswith(SKIP):
            continue
        found.append(importlib.import_module(info.name))
    return found


def labelled_enums() -> dict[str, list[type[Labelled]]]:
    """Return every ``Labelled`` enumeration of the package by area, each once.

    An enumeration belongs to the module that defines it; the area is the first
    package under ``itsm_core`` (``itsm_core.complaints.enums`` → ``complaints``).
    """
    by_area: dict[str, list[type[Labelled]]] = defaultdict(list)
    seen: set[type[Labelled]] = set()
    for module in _modules():
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(obj, Labelled)
                and obj is not Labelled
                and obj.__module__ == module.__name__
                and obj not in seen
            ):
                seen.add(obj)
                parts = module.__name__.split(".")
                area = parts[1] if len(parts) > 1 else "itsm_core"
                by_area[area].append(obj)
    order = list(AREAS) + sorted(a for a in by_area if a not in AREAS)
    return {
        area: sorted(by_area[area], key=lambda e: e.__name__)
        for area in order
        if by_area.get(area)
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _summary(enum: type[Labelled]) -> str:
    doc = inspect.getdoc(enum) or ""
    first = doc.strip().split("\n\n")[0].replace("\n", " ")
    # a docstring's reST roles and literals become Markdown literals
    first = re.sub(r":[a-z:]+:`~?([^`]+)`", r"`\1`", first)
    return first.replace("``", "`")


def _import_path(enum: type[Labelled]) -> str:
    """Return the shortest public path of ``enum`` (its area package's, when it exports it)."""
    parts = enum.__module__.split(".")
    for depth in range(1, len(parts) + 1):
        module = importlib.import_module(".".join(parts[:depth]))
        if getattr(module, enum.__name__, None) is enum:
            return f"{module.__name__}.{enum.__qualname__}"
    return f"{enum.__module__}.{enum.__qualname__}"


def glossary_markdown() -> str:
    """Return the glossary's sections and tables as MyST Markdown."""
    lines: list[str] = []
    for area, enums in labelled_enums().items():
        lines += [f"## {AREAS.get(area, area)}", ""]
        for enum in enums:
            lines += [f"### {enum.__name__}", ""]
            lines += [f"`{_import_path(enum)}`: {_summary(enum)}", ""]
            lines += ["| code | 中文 | English |", "| --- | --- | --- |"]
            for member in enum:
                lines.append(
                    f"| `{_cell(member.value)}` | {_cell(member.zh)} | {_cell(member.en)} |"
                )
            lines.append("")
    return "\n".join(lines)


def _source_read(app: Any, docname: str, source: list[str]) -> None:
    if docname == DOCNAME and MARKER in source[0]:
        source[0] = source[0].replace(MARKER, glossary_markdown())


def setup(app: Any) -> dict[str, Any]:
    app.connect("source-read", _source_read)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
