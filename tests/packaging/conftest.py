"""The sample suite is not part of this suite: the packaging test runs it in its own environment."""

collect_ignore = ["sample_suite"]
