"""The error a test helper raises when the ``testing`` extra is not installed."""

from __future__ import annotations

__all__ = ["missing_extra"]


def missing_extra(module: str, exc: ModuleNotFoundError) -> ModuleNotFoundError:
    """Return the error saying that ``module`` needs pytest and hypothesis, and how to get them."""
    return ModuleNotFoundError(
        f"{module} needs {exc.name!r}, which comes with the 'testing' extra: "
        "pip install 'itsm-core[testing]'",
        name=exc.name,
    )
