"""How many complaints have one value of a dimension: the counts of packs and trend analyses.

Its own module, so that the aggregates holding counts (a trend analysis, an
improvement progress report) load without the review pack.
"""

from __future__ import annotations

import attrs

__all__ = ["Count"]


@attrs.frozen
class Count:
    """How many complaints have one value of a dimension.

    :param value: the code (a verdict, a source) or name (a party); None for
        complaints without one (not judged yet).
    :param count: how many.
    """

    value: str | None
    count: int
