"""Test helpers shipped with the library, for its own tests and applications' tests.

- :mod:`itsm_core.testing.strategies`: hypothesis strategies for actors,
  complaints and complaint command sequences.
- :mod:`itsm_core.testing.satisfaction`: hypothesis strategies for scales,
  scores, responses and service records.
- :mod:`itsm_core.testing.contract`: the storage contract suite (pytest) that
  every storage backend runs; import it explicitly, it needs pytest.
"""

from itsm_core.testing import strategies
from itsm_core.testing.strategies import (
    ComplaintCommand,
    actors,
    authorised_actors,
    command_sequences,
    commands,
    complainants,
    complaint_intakes,
    improvement_requirements,
)

__all__ = [
    "ComplaintCommand",
    "actors",
    "authorised_actors",
    "command_sequences",
    "commands",
    "complainants",
    "complaint_intakes",
    "improvement_requirements",
    "strategies",
]
