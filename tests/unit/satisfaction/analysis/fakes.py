"""Minimal stored rows with the agreed index fields, so analysis is tested on its own.

The analysis only ever reads index fields through ``aggregate``; these
stand-ins carry exactly those fields, and a store that records every
``find``/``get`` proves no response is ever loaded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from itsm_core import Actor, FrozenClock
from itsm_core.improvements import IMPROVEMENT_SPEC, ImprovementService
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.ids import new_id
from itsm_core.outbox import OutboxRelay
from itsm_core.plugins import make_plugin_manager
from itsm_core.runtime import Runtime
from itsm_core.satisfaction.analysis import (
    ANALYSIS_SPECS,
    AnalysisSources,
    SatisfactionAnalysis,
    TargetService,
)
from itsm_core.storage.base import AggregateSpec, IndexField, IndexType, Query
from itsm_core.storage.memory import MemoryBackend, MemoryUnitOfWork

AT = datetime(2026, 6, 3, 9, 0, tzinfo=UTC)

MANAGER = Actor("u-rm-1", ["relationship_manager"], "RM")
DIRECTOR = Actor("u-od-1", ["operations_director"], "Director")
QUALITY = Actor("u-qs-1", ["quality_specialist"], "QS")
COORDINATOR = Actor("u-co-1", ["coordinator"], "Coordinator")
ENGINEER = Actor("u-en-1", ["engineer"], "Engineer")
OWNER = Actor("u-io-1", ["improvement_owner"], "Owner")
GMO = Actor("u-gm-1", ["general_manager_office"], "GMO")


@attrs.define(eq=False, kw_only=True)
class Row(Aggregate):
    """A stored thing that is nothing but its indexed values."""

    values: dict[str, Any] = attrs.field(factory=dict)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def row_spec(kind: str, fields: Sequence[tuple[str, IndexType]]) -> AggregateSpec[Row]:
    """Return a spec storing :class:`Row` with ``fields`` indexed."""
    types = dict(fields)

    def to_record(row: Row) -> dict[str, Any]:
        values = {k: _jsonable(v) for k, v in row.values.items()}
        return {"id": row.id, "version": row.version, "values": values}

    def from_record(record: Mapping[str, Any]) -> Row:
        values = {
            k: datetime.fromisoformat(v) if types.get(k) == "datetime" and v is not None else v
            for k, v in record["values"].items()
        }
        return Row(id=record["id"], version=record["version"], values=values)

    index = tuple(
        IndexField(name, kind_, lambda r, n=name: r.values.get(n)) for name, kind_ in fields
    )
    return AggregateSpec(kind, Row, to_record, from_record, index)


RESPONSES = row_spec(
    "satisfaction_response",
    [
        ("channel", "str"),
        ("customer", "str"),
        ("service", "str"),
        ("engineer", "str"),
        ("period", "str"),
        ("responded_at", "datetime"),
        ("scale", "str"),
        ("normalised", "float"),
        ("top_box", "int"),
        ("promoter", "int"),
        ("detractor", "int"),
        ("nps_eligible", "int"),
        ("campaign_id", "str"),
        ("question", "str"),
        ("subject_kind", "str"),
        ("subject_ref", "str"),
        ("respondent", "str"),
    ],
)
RECORDS = row_spec(
    "service_record",
    [
        ("customer", "str"),
        ("service", "str"),
        ("engineer", "str"),
        ("opened_at", "datetime"),
        ("resolved_at", "datetime"),
        ("closed_at", "datetime"),
        ("closed_day", "str"),
        ("closed_period", "str"),
        ("first_contact", "int"),
        ("reopened", "int"),
        ("complete", "int"),
        ("callback_state", "str"),
    ],
)
INVITATIONS = row_spec(
    "survey_invitation",
    [
        ("campaign_id", "str"),
        ("customer", "str"),
        ("respondent", "str"),
        ("token", "str"),
        ("state", "str"),
        ("invited_at", "datetime"),
        ("expires_at", "datetime"),
        ("responded", "int"),
    ],
)
CUSTOMERS = row_spec("customer_profile", [("name", "str"), ("key", "int")])

ROW_SPECS = (RESPONSES, RECORDS, INVITATIONS, CUSTOMERS)


class SpyUnitOfWork(MemoryUnitOfWork):
    """A memory unit of work that counts what it is asked, by kind."""

    def __init__(self, backend: SpyBackend) -> None:
        super().__init__(backend)
        self._spy = backend

    def find(self, spec: AggregateSpec[Any], query: Query = Query()) -> list[Any]:  # noqa: B008
        self._spy.calls[("find", spec.kind)] += 1
        return super().find(spec, query)

    def get(self, spec: AggregateSpec[Any], entity_id: str) -> Any:
        self._spy.calls[("get", spec.kind)] += 1
        return super().get(spec, entity_id)

    def aggregate(
        self,
        spec: AggregateSpec[Any],
        query: Query,
        group_by: Sequence[str],
        measures: Sequence[Any],
    ) -> list[dict[str, Any]]:
        self._spy.calls[("aggregate", spec.kind)] += 1
        return super().aggregate(spec, query, group_by, measures)


class SpyBackend(MemoryBackend):
    """A memory backend whose units of work count their calls."""

    def __init__(self, url: str, specs: Sequence[AggregateSpec[Any]]) -> None:
        super().__init__(url, specs)
        self.calls: Counter[tuple[str, str]] = Counter()

    def unit_of_work(self) -> SpyUnitOfWork:
        self._check_open()
        return SpyUnitOfWork(self)


def make_runtime(plugins: Iterable[object] = (), at: datetime = AT) -> Runtime:
    """Return a runtime over a spy memory store of the row specs and the analysis specs."""
    clock = FrozenClock(at)
    pm = make_plugin_manager(plugins, load_entrypoints=False)
    storage = SpyBackend("memory://analysis", [*ROW_SPECS, *ANALYSIS_SPECS, IMPROVEMENT_SPEC])
    return Runtime(clock, storage, pm, OutboxRelay(storage, pm, clock))


@attrs.frozen
class Analysed:
    """The two analysis services over one set of sources, as ``core.satisfaction`` has them,
    and the improvement register their evaluations raise items in."""

    analysis: SatisfactionAnalysis
    targets: TargetService
    improvements: ImprovementService


def make_analysis(runtime: Runtime, **options: Any) -> Analysed:
    """Return the analysis services over the stand-in specs."""

    def key_customers(uow: Any) -> list[str]:
        return [str(r.values["name"]) for r in uow.find(CUSTOMERS, Query.eq(key=1))]

    options.setdefault("service_records", RECORDS)
    options.setdefault("invitations", INVITATIONS)
    options.setdefault("key_customers", key_customers)
    sources = AnalysisSources(runtime, responses=RESPONSES, **options)
    items = ImprovementService(runtime)  # the register the items raised below target go to
    return Analysed(SatisfactionAnalysis(sources), TargetService(sources, items.keeper), items)


def response(
    *,
    service: str = "desktop",
    customer: str = "acme",
    channel: str = "ticket",
    period: str = "2026-05",
    normalised: float = 1.0,
    top_box: bool | None = None,
    engineer: str | None = None,
    nps: int | None = None,
    campaign_id: str | None = None,
    question: str | None = None,
) -> dict[str, Any]:
    """Return the indexed values of one response (``nps``: a 0–10 raw score)."""
    if nps is not None:
        normalised = nps / 10
    year, month = (int(p) for p in period.split("-"))
    return {
        "channel": channel,
        "customer": customer,
        "service": service,
        "engineer": engineer,
        "period": period,
        "responded_at": datetime(year, month, 15, 12, tzinfo=UTC),
        "scale": "nps_0_10" if nps is not None else "five_level",
        "normalised": normalised,
        "top_box": int(normalised >= 0.75 if top_box is None else top_box),
        "promoter": int(nps is not None and nps >= 9),
        "detractor": int(nps is not None and nps <= 6),
        "nps_eligible": int(nps is not None),
        "campaign_id": campaign_id,
        "question": question,
        "subject_kind": "service_record",
        "subject_ref": new_id("sr-"),
        "respondent": f"{customer}-person",
    }


def store(runtime: Runtime, spec: AggregateSpec[Row], rows: Iterable[Mapping[str, Any]]) -> None:
    """Store ``rows`` (indexed values) as new entities in one commit."""
    with runtime.storage.unit_of_work() as uow:
        for values in rows:
            uow.save(spec, Row(id=new_id("row-"), values=dict(values)))
        uow.commit()


def responses(runtime: Runtime, *rows: Mapping[str, Any], times: int = 1) -> None:
    """Store each response ``times`` times."""
    store(runtime, RESPONSES, [r for r in rows for _ in range(times)])


def many(count: int, good: int, **fields: Any) -> list[dict[str, Any]]:
    """Return ``count`` responses of which ``good`` are top box (1.0) and the rest 0.25."""
    return [response(normalised=1.0 if i < good else 0.25, **fields) for i in range(count)]
