"""The conformance kit passes a good connector and names what is wrong with broken ones."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterator

import attrs
import pyarrow as pa
import pytest

from autonomos import Connector, Field, TableSchema
from autonomos.testing import check_connector

ROWS = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]


class Good(Connector):
    name = "good"

    @attrs.define
    class Config:
        rows: int = 2

    def discover(self) -> list[TableSchema]:
        return [TableSchema("items", [Field("id", "BIGINT"), Field("name")], primary_key=["id"],
                            cursor="id", write_disposition="append")]

    def read(self, table: TableSchema, state: dict[str, Any]) -> Iterator[Any]:
        new = [r for r in ROWS[: self.config.rows] if r["id"] > state.get("cursor", 0)]
        if new:
            state["cursor"] = new[-1]["id"]
            yield pa.RecordBatch.from_pylist(new)


def test_good_connector_conforms(tmp_path: Path) -> None:
    report = check_connector(Good, {"rows": 2}, tmp_path)
    report.assert_ok()
    assert report.rows == {"items": 2} and report.states == {"items": {"cursor": 2}}


def test_bad_config_is_reported(tmp_path: Path) -> None:
    report = check_connector(Good, {"rows": 2, "colour": "red"}, tmp_path)
    assert not report.ok and "colour" in report.problems[0]


class WrongColumns(Good):
    def read(self, table: TableSchema, state: dict[str, Any]) -> Iterator[Any]:
        yield pa.RecordBatch.from_pylist([{"id": 1, "title": "x"}])


class BadState(Good):
    def read(self, table: TableSchema, state: dict[str, Any]) -> Iterator[Any]:
        state["cursor"] = dt.datetime(2024, 1, 1)  # not JSON
        yield pa.RecordBatch.from_pylist(ROWS)


class DuplicateFields(Good):
    def discover(self) -> list[TableSchema]:
        return [TableSchema("items", [Field("id"), Field("ID"), Field("")])]


class RereadsEverything(Good):
    def read(self, table: TableSchema, state: dict[str, Any]) -> Iterator[Any]:
        state["cursor"] = 2
        yield pa.RecordBatch.from_pylist(ROWS)


class FastPathDisagrees(Good):
    def discover(self) -> list[TableSchema]:
        return [TableSchema("items", [Field("id", "BIGINT"), Field("name")])]

    def duckdb_scan(self, table: TableSchema, state: dict[str, Any]) -> str | None:
        return "(SELECT 1 AS id, 'x' AS name)"


class Nameless(Good):
    name = ""


class Crashes(Good):
    def discover(self) -> list[TableSchema]:
        raise KeyError("boom")


@pytest.mark.parametrize(("cls", "expected"), [
    (WrongColumns, "yielded columns ['id', 'title'], discover() said ['id', 'name']"),
    (BadState, "state that is not JSON"),
    (DuplicateFields, "duplicate field names"),
    (RereadsEverything, "re-read 2 row(s) from an unchanged source"),
    (FastPathDisagrees, "read() gave 2 rows, duckdb_scan 1"),
    (Nameless, "no non-empty 'name'"),
    (Crashes, "discover() raised KeyError"),
])
def test_broken_connectors_are_caught(cls: type, expected: str, tmp_path: Path) -> None:
    report = check_connector(cls, {}, tmp_path)
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems
    with pytest.raises(AssertionError, match="does not conform"):
        report.assert_ok()
