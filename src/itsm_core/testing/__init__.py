"""Test helpers shipped with the library, for its own tests and applications' tests.

- :mod:`itsm_core.testing.strategies`: hypothesis strategies for actors,
  complaints and complaint command sequences.
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
