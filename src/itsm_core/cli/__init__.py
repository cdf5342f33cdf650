"""The ``itsm`` command: a demo year, reports, printable records, the worker, administration.

Install it with the ``cli`` extra (``pip install 'itsm-core[cli]'``; charts
need ``[charts]``, workbooks ``[xlsx]``). :func:`main` is the console script.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``itsm`` command; return its exit status."""
    try:
        from itsm_core.cli.app import run
    except ModuleNotFoundError as exc:
        if exc.name in ("click", "rich"):
            print(
                "itsm: this command needs the 'cli' extra: pip install 'itsm-core[cli]'",
                file=sys.stderr,
            )
            return 2
        raise
    return run(argv)
