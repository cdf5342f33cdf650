"""Package namespaces whose names are loaded on first use (PEP 562).

An area's package lists its public names, as the top-level package does, so
that importing one of its modules (say the storage specs, which the facade
needs to open a store) does not load the whole area: its services, its
analysis. A package does::

    if TYPE_CHECKING:
        from itsm_core.area.model import Thing  # what type checkers see
    else:
        __getattr__, __dir__ = lazy_exports(__name__, {"itsm_core.area.model": ("Thing",)})

and ``itsm_core.area.Thing`` or ``from itsm_core.area import Thing`` imports
:mod:`itsm_core.area.model` then, once.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, homes: Mapping[str, Iterable[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return the ``__getattr__`` and ``__dir__`` of ``package`` for the names of ``homes``.

    :param package: the package's ``__name__``.
    :param homes: each module and the names of it the package exports.
    :raises ValueError: for a name exported from two modules.
    """
    where: dict[str, str] = {}
    for module, names in homes.items():
        for name in names:
            if where.setdefault(name, module) != module:
                raise ValueError(f"{package}: {name!r} is exported from two modules")
    namespace = vars(sys.modules[package])

    def __getattr__(name: str) -> Any:
        home = where.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__
