"""The contract suite, part: find, ordering, count and aggregate.

Part of :mod:`itsm_core.testing.contract`, the public entry of the suite.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.kernel.errors import ValidationError
from itsm_core.storage.base import (
    Measure,
    Query,
    StorageBackend,
    Where,
)
from itsm_core.storage.evaluate import aggregate_rows, matches, select
from itsm_core.testing.contract_data import (
    _QUERIES,
    _SETTINGS,
    ITEM_SPEC,
    NEW_YORK,
    NOTE_SPEC,
    SHANGHAI,
    T0,
    ContractFixtures,
    Item,
    _conditions,
    _ids,
    _load,
    _more_items,
    _put,
    _values,
)


class QueryContract(ContractFixtures):
    """The contract on find, ordering, count and aggregate.

    Two property tests compare the answers with the reference evaluation.
    """

    # -- find ------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("where", "expected"),
        [
            (Where("size", "eq", 2), ["i2", "i5"]),
            (Where("size", "eq", None), []),
            (Where("size", "ne", 2), ["i1", "i3", "i4"]),
            (Where("size", "ne", None), ["i1", "i2", "i3", "i5"]),
            (Where("size", "in", (1, 3)), ["i1", "i3"]),
            (Where("size", "in", (2, None)), ["i2", "i4", "i5"]),
            (Where("size", "in", ()), []),
            (Where("size", "lt", 2), ["i1"]),
            (Where("size", "le", 2), ["i1", "i2", "i5"]),
            (Where("size", "gt", 2), ["i3"]),
            (Where("size", "ge", 2), ["i2", "i3", "i5"]),
            (Where("size", "lt", None), []),
            (Where("size", "is_null"), ["i4"]),
            (Where("size", "not_null"), ["i1", "i2", "i3", "i5"]),
            (Where("weight", "eq", 0.5), ["i1", "i5"]),
            (Where("weight", "gt", 0.5), ["i2", "i4"]),
            (Where("weight", "le", 1.5), ["i1", "i2", "i5"]),
            (Where("weight", "is_null"), ["i3"]),
            (Where("active", "eq", True), ["i1", "i3"]),
            (Where("active", "eq", False), ["i2", "i5"]),
            (Where("active", "ne", True), ["i2", "i4", "i5"]),
            (Where("active", "is_null"), ["i4"]),
            (Where("name", "eq", "Beta"), ["i2"]),
            (Where("name", "eq", "beta"), []),
            (Where("name", "lt", "a"), ["i2"]),
            (Where("name", "gt", "delta"), ["i3", "i5"]),
            (Where("name", "in", ("alpha", "épsilon")), ["i1", "i5"]),
            (Where("group", "eq", "x"), ["i1", "i2"]),
            (Where("group", "ne", "x"), ["i3", "i4", "i5"]),
            (Where("group", "is_null"), ["i4"]),
            (Where("id", "eq", "i3"), ["i3"]),
            (Where("id", "in", ("i1", "i4", "zz")), ["i1", "i4"]),
            (Where("id", "ne", "i1"), ["i2", "i3", "i4", "i5"]),
            (Where("id", "ge", "i4"), ["i4", "i5"]),
        ],
        ids=lambda v: repr(v) if isinstance(v, Where) else None,
    )
    def test_find_operator(self, sample: StorageBackend, where: Where, expected: list[str]) -> None:
        assert _ids(sample, Query((where,))) == expected
        with sample.unit_of_work() as uow:
            assert uow.count(ITEM_SPEC, Query((where,))) == len(expected)

    @pytest.mark.parametrize(
        ("where", "expected"),
        [
            (Where("due_at", "eq", T0), ["i1"]),
            (Where("due_at", "eq", T0.astimezone(SHANGHAI)), ["i1"]),
            (Where("due_at", "eq", T0 + timedelta(hours=1)), ["i2"]),
            (Where("due_at", "gt", T0.astimezone(NEW_YORK)), ["i2", "i4"]),
            (Where("due_at", "le", T0.astimezone(SHANGHAI)), ["i1", "i5"]),
            (Where("due_at", "lt", T0 + timedelta(hours=2)), ["i1", "i2", "i5"]),
            (Where("due_at", "ge", (T0 + timedelta(hours=2)).astimezone(SHANGHAI)), ["i4"]),
            (Where("due_at", "ne", T0), ["i2", "i3", "i4", "i5"]),
            (
                Where("due_at", "in", (T0.astimezone(NEW_YORK), T0 + timedelta(hours=2))),
                ["i1", "i4"],
            ),
            (Where("due_at", "is_null"), ["i3"]),
        ],
        ids=lambda v: repr(v) if isinstance(v, Where) else None,
    )
    def test_find_datetimes_compare_as_instants(
        self, sample: StorageBackend, where: Where, expected: list[str]
    ) -> None:
        assert _ids(sample, Query((where,))) == expected

    def test_all_conditions_must_hold(self, sample: StorageBackend) -> None:
        query = Query().filter("group", "eq", "y").filter("size", "ge", 3)
        assert _ids(sample, query) == ["i3"]
        assert _ids(sample, Query.eq(size=2, group=None)) == ["i2", "i5"]
        assert _ids(sample, Query.eq(size=2, group="y")) == ["i5"]

    @pytest.mark.parametrize(
        "query",
        [
            Query((Where("colour", "eq", "red"),)),
            Query((Where("size", "like", 1),)),  # type: ignore[arg-type]
            Query((Where("size", "in", 1),)),
            Query(order_by=("colour",)),
            Query(limit=-1),
            Query(offset=-1),
            Query((Where("size", "lt", "2"),)),
            Query((Where("size", "eq", True),)),
            Query((Where("active", "eq", 1),)),
            Query((Where("weight", "ge", "0.5"),)),
            Query((Where("name", "in", ("alpha", 3)),)),
            Query((Where("due_at", "lt", "2025-01-06"),)),
            Query((Where("due_at", "lt", datetime(2025, 1, 6)),)),
            Query((Where("id", "eq", 1),)),
            Query(Where("size", "eq", 1)),  # type: ignore[arg-type]
            Query((("size", "eq", 1),)),  # type: ignore[arg-type]
            Query(order_by="name"),  # type: ignore[arg-type]
            Query(limit="3"),  # type: ignore[arg-type]
            Query(offset=1.5),  # type: ignore[arg-type]
        ],
        ids=[
            "unknown-field",
            "unknown-op",
            "in-without-tuple",
            "unknown-order",
            "limit",
            "offset",
            "str-for-int",
            "bool-for-int",
            "int-for-bool",
            "str-for-float",
            "int-in-str-tuple",
            "str-for-datetime",
            "naive-datetime",
            "int-for-id",
            "where-not-a-tuple",
            "condition-not-a-where",
            "order-by-a-string",
            "limit-not-an-int",
            "offset-not-an-int",
        ],
    )
    def test_bad_query_raises_validation_error(self, sample: StorageBackend, query: Query) -> None:
        # the same refusal for every backend, from find, count and aggregate alike
        with sample.unit_of_work() as uow:
            with pytest.raises(ValidationError):
                uow.find(ITEM_SPEC, query)
            with pytest.raises(ValidationError):
                uow.count(ITEM_SPEC, query)
            with pytest.raises(ValidationError):
                uow.aggregate(ITEM_SPEC, query, [], [Measure("n", "count")])

    # -- ordering and slicing -----------------------------------------------------

    @pytest.mark.parametrize(
        ("order_by", "expected"),
        [
            ((), ["i1", "i2", "i3", "i4", "i5"]),
            (("size",), ["i1", "i2", "i5", "i3", "i4"]),
            (("-size",), ["i4", "i3", "i2", "i5", "i1"]),
            (("weight",), ["i1", "i5", "i2", "i4", "i3"]),
            (("-weight",), ["i3", "i4", "i2", "i1", "i5"]),
            (("active",), ["i2", "i5", "i1", "i3", "i4"]),
            (("name",), ["i2", "i1", "i4", "i3", "i5"]),
            (("-name",), ["i5", "i3", "i4", "i1", "i2"]),
            (("due_at",), ["i5", "i1", "i2", "i4", "i3"]),
            (("-due_at",), ["i3", "i4", "i2", "i1", "i5"]),
            (("group", "-weight"), ["i2", "i1", "i3", "i5", "i4"]),
            (("-group", "size"), ["i4", "i5", "i3", "i1", "i2"]),
            (("-id",), ["i5", "i4", "i3", "i2", "i1"]),
        ],
        ids=lambda v: (",".join(v) or "none") if isinstance(v, tuple) else None,
    )
    def test_order_by(
        self, sample: StorageBackend, order_by: tuple[str, ...], expected: list[str]
    ) -> None:
        assert _ids(sample, Query(order_by=order_by)) == expected

    @pytest.mark.parametrize(
        ("limit", "offset", "expected"),
        [
            (2, 0, ["i1", "i2"]),
            (2, 2, ["i5", "i3"]),
            (None, 3, ["i3", "i4"]),
            (10, 4, ["i4"]),
            (None, 10, []),
            (0, 0, []),
        ],
    )
    def test_limit_and_offset(
        self, sample: StorageBackend, limit: int | None, offset: int, expected: list[str]
    ) -> None:
        query = Query(order_by=("size",), limit=limit, offset=offset)
        assert _ids(sample, query) == expected

    def test_count_ignores_order_and_slice(self, sample: StorageBackend) -> None:
        with sample.unit_of_work() as uow:
            assert uow.count(ITEM_SPEC) == 5
            assert uow.count(ITEM_SPEC, Query(order_by=("-size",), limit=1, offset=1)) == 5
            assert uow.count(ITEM_SPEC, Query((Where("id", "in", ("i1", "i2")),))) == 2
            assert uow.count(NOTE_SPEC) == 0

    def test_lock_claims_rows_in_a_unit_of_work(self, sample: StorageBackend) -> None:
        query = Query((Where("size", "ge", 2),), order_by=("size",), limit=2, lock=True)
        with sample.unit_of_work() as uow:
            claimed = uow.find(ITEM_SPEC, query)
            assert [i.id for i in claimed] == ["i2", "i5"]
            for item in claimed:
                item.bump()
                uow.save(ITEM_SPEC, item)
            uow.commit()
        assert _load(sample, "i2").counter == 1

    # -- aggregate ---------------------------------------------------------------

    def test_aggregate_by_group(self, sample: StorageBackend) -> None:
        measures = [
            Measure("n", "count"),
            Measure("total", "sum", "size"),
            Measure("lightest", "min", "weight"),
            Measure("largest", "max", "size"),
            Measure("latest", "max", "due_at"),
            Measure("first_name", "min", "name"),
        ]
        with sample.unit_of_work() as uow:
            rows = uow.aggregate(ITEM_SPEC, Query(), ["group"], measures)
        assert rows == [
            {
                "group": "x",
                "n": 2,
                "total": 3,
                "lightest": 0.5,
                "largest": 2,
                "latest": T0 + timedelta(hours=1),
                "first_name": "Beta",
            },
            {
                "group": "y",
                "n": 2,
                "total": 5,
                "lightest": 0.5,
                "largest": 3,
                "latest": T0 - timedelta(hours=1),
                "first_name": "gamma",
            },
            {
                "group": None,
                "n": 1,
                "total": 0,
                "lightest": 2.25,
                "largest": None,
                "latest": T0 + timedelta(hours=2),
                "first_name": "delta",
            },
        ]
        for row in rows:
            assert isinstance(row["n"], int)
            assert isinstance(row["total"], int)
            assert row["latest"].tzinfo is not None

    def test_aggregate_without_group_by_and_with_a_filter(self, sample: StorageBackend) -> None:
        measures = [
            Measure("n", "count"),
            Measure("size", "sum", "size"),
            Measure("weight", "sum", "weight"),
            Measure("actives", "sum", "active"),
            Measure("earliest", "min", "due_at"),
            Measure("last_name", "max", "name"),
        ]
        with sample.unit_of_work() as uow:
            everything = uow.aggregate(ITEM_SPEC, Query(), [], measures)
            only_x = uow.aggregate(ITEM_SPEC, Query.eq(group="x"), [], [Measure("n", "count")])
        assert everything == [
            {
                "n": 5,
                "size": 8,
                "weight": 4.75,
                "actives": 2,
                "earliest": T0 - timedelta(hours=1),
                "last_name": "épsilon",
            }
        ]
        assert only_x == [{"n": 2}]

    def test_aggregate_by_two_fields(self, sample: StorageBackend) -> None:
        with sample.unit_of_work() as uow:
            rows = uow.aggregate(
                ITEM_SPEC,
                Query().filter("group", "not_null"),
                ["group", "active"],
                [Measure("n", "count"), Measure("size", "sum", "size")],
            )
        assert rows == [
            {"group": "x", "active": False, "n": 1, "size": 2},
            {"group": "x", "active": True, "n": 1, "size": 1},
            {"group": "y", "active": False, "n": 1, "size": 2},
            {"group": "y", "active": True, "n": 1, "size": 3},
        ]

    def test_aggregate_of_nothing_is_empty(self, sample: StorageBackend) -> None:
        nothing = Query.eq(group="none such")
        with sample.unit_of_work() as uow:
            assert uow.aggregate(ITEM_SPEC, nothing, ["group"], [Measure("n", "count")]) == []
            assert uow.aggregate(ITEM_SPEC, nothing, [], [Measure("n", "count")]) == []
            assert uow.aggregate(NOTE_SPEC, Query(), [], [Measure("n", "count")]) == []

    def test_aggregate_with_unknown_field_raises(self, sample: StorageBackend) -> None:
        with sample.unit_of_work() as uow:
            with pytest.raises(ValidationError):
                uow.aggregate(ITEM_SPEC, Query(), ["colour"], [Measure("n", "count")])
            with pytest.raises(ValidationError):
                uow.aggregate(ITEM_SPEC, Query(), [], [Measure("n", "max", "colour")])

    @pytest.mark.parametrize(
        ("group_by", "measure"),
        [
            ([], Measure("s", "sum", "name")),
            ([], Measure("s", "sum", "due_at")),
            ([], Measure("s", "avg", "size")),  # type: ignore[arg-type]
            ([], Measure("s", "sum", None)),
            ([], Measure("s", "max")),
            (["group"], Measure("group", "count")),
            ("group", Measure("n", "count")),
            (["id"], Measure("n", "count")),
        ],
        ids=[
            "sum-of-str",
            "sum-of-datetime",
            "unknown-function",
            "sum-without-field",
            "max-without-field",
            "name-clash",
            "group-by-a-string",
            "group-by-id",
        ],
    )
    def test_bad_aggregate_raises_validation_error(
        self, sample: StorageBackend, group_by: Any, measure: Measure
    ) -> None:
        with sample.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.aggregate(ITEM_SPEC, Query(), group_by, [measure])

    # -- datetimes ---------------------------------------------------------------

    def test_datetimes_in_other_zones(self, store: StorageBackend) -> None:
        instants = {
            "utc": T0,
            "sh": T0.astimezone(SHANGHAI),
            "ny": (T0 + timedelta(seconds=1)).astimezone(NEW_YORK),
            "early": (T0 - timedelta(microseconds=1)).astimezone(SHANGHAI),
        }
        _put(store, *(Item.create(k, due_at=v) for k, v in instants.items()))
        for key, value in instants.items():
            loaded = _load(store, key)
            assert loaded.due_at == value
            assert loaded.due_at is not None
            assert loaded.due_at.utcoffset() == value.utcoffset()
        assert _ids(store, Query(order_by=("due_at", "id"))) == ["early", "sh", "utc", "ny"]
        assert _ids(store, Query.eq(due_at=T0.astimezone(NEW_YORK))) == ["sh", "utc"]
        with store.unit_of_work() as uow:
            (row,) = uow.aggregate(
                ITEM_SPEC,
                Query(),
                [],
                [Measure("lo", "min", "due_at"), Measure("hi", "max", "due_at")],
            )
        assert row == {"lo": instants["early"], "hi": instants["ny"]}
        assert row["lo"].tzinfo is not None
        assert row["hi"].tzinfo is not None

    # -- properties: the same answers as the reference evaluation -----------------

    @pytest.fixture
    def many(self, store: StorageBackend) -> tuple[StorageBackend, list[dict[str, Any]]]:
        """The store holding a larger data set, and the indexed values of its items."""
        items = _more_items()
        _put(store, *items)
        return store, [_values(i) for i in items]

    @_SETTINGS
    @given(query=_QUERIES)
    def test_find_and_count_agree_with_the_reference(
        self, many: tuple[StorageBackend, list[dict[str, Any]]], query: Query
    ) -> None:
        store, rows = many
        expected = select(query, ((r["id"], r) for r in rows))
        total = sum(1 for r in rows if matches(query, r))
        with store.unit_of_work() as uow:
            assert [i.id for i in uow.find(ITEM_SPEC, query)] == expected
            assert uow.count(ITEM_SPEC, query) == total

    @_SETTINGS
    @given(
        where=st.lists(_conditions(), max_size=2).map(tuple),
        group_by=st.lists(
            st.sampled_from(["name", "size", "weight", "active", "group"]), unique=True, max_size=2
        ),
        measures=st.lists(
            st.one_of(
                st.just(("count", None)),
                st.tuples(st.just("sum"), st.sampled_from(["size", "weight", "active"])),
                st.tuples(
                    st.sampled_from(["min", "max"]),
                    st.sampled_from(["name", "size", "weight", "due_at", "group"]),
                ),
            ),
            min_size=1,
            max_size=3,
        ),
    )
    def test_aggregate_agrees_with_the_reference(
        self,
        many: tuple[StorageBackend, list[dict[str, Any]]],
        where: tuple[Where, ...],
        group_by: list[str],
        measures: list[tuple[str, str | None]],
    ) -> None:
        store, rows = many
        query = Query(where)
        ms = [Measure(f"m{i}", fn, field) for i, (fn, field) in enumerate(measures)]  # type: ignore[arg-type]
        expected = aggregate_rows((r for r in rows if matches(query, r)), group_by, ms)
        with store.unit_of_work() as uow:
            assert uow.aggregate(ITEM_SPEC, query, group_by, ms) == expected
