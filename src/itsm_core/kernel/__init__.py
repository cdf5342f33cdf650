"""The kernel: what every layer of the library builds on.

Errors, aware clocks, actors and roles, labelled enumerations, domain events,
the aggregate base, lifecycles (transition tables over one shared
``transitions`` machine), ids and the record converters for instants. The
kernel imports nothing else of the library.
"""
