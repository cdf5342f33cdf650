"""itsm_core: the domain core of business relationship management for IT service providers."""

__version__ = "0.1.0"
