"""serde: every validation problem names the path of the bad value; scalars are strict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest

from autonomos.core.errors import ConfigError
from autonomos.core.models import (Entity, FieldMapping, MappingSettings, Ontology, OntologyField,
                                   PipelineSpec, SourceSpec, TableMapping)
from autonomos.core.serde import Issue, ValidationError, structure, unstructure


@attrs.define
class Auth:
    user: str
    port: int = 0


def _positive(inst: Any, attribute: Any, value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1")


@attrs.define
class Config:
    url: str
    tables: list[str] = attrs.field(factory=list)
    cursor: str | dict[str, str] | None = None
    auth: Auth | None = None
    batch_size: int = attrs.field(default=100, validator=_positive)
    verify: bool = True
    ratio: float = 0.5
    key_file: Path | None = None
    weights: dict[str, float] = attrs.field(factory=dict)


def issues(data: Any, cls: type = Config, path: str = "sources[2].config") -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        structure(data, cls, path=path)
    assert isinstance(info.value, ConfigError)
    return [(i.path, i.message) for i in info.value.issues]


def test_required_field_names_its_path() -> None:
    assert issues({}) == [("sources[2].config.url", "required")]


def test_nested_and_indexed_paths() -> None:
    assert issues({"url": "x", "auth": {"port": "http"}, "tables": ["a", ["b"]]}) == [
        ("sources[2].config.tables[1]", "expected a string, got a list"),
        ("sources[2].config.auth.user", "required"),
        ("sources[2].config.auth.port", "expected an integer, got a string"),
    ]


def test_mapping_values_name_their_key() -> None:
    assert issues({"url": "x", "weights": {"a": 1, "b": "heavy"}}) == [
        ("sources[2].config.weights.b", "expected a number, got a string")]


def test_unknown_fields_are_listed_at_their_parent() -> None:
    assert issues({"url": "x", "zeta": 1, "alpha": 2}) == [
        ("sources[2].config", "unknown field(s): alpha, zeta")]
    assert issues({"url": "x", "auth": {"user": "u", "pass": "p"}}) == [
        ("sources[2].config.auth", "unknown field(s): pass")]


@pytest.mark.parametrize("data, expected", [
    ("just a string", "expected a mapping, got a string"),
    ([1, 2], "expected a mapping, got a list"),
    (None, "expected a mapping, got null"),
])
def test_non_mapping_for_a_class(data: Any, expected: str) -> None:
    assert issues(data) == [("sources[2].config", expected)]


@pytest.mark.parametrize("field, value, expected", [
    ("tables", "invoices", "expected a list, got a string"),
    ("tables", {"a": 1}, "expected a list, got a mapping"),
    ("weights", [1], "expected a mapping, got a list"),
    ("url", {"$env": "X"}, "expected a string, got a mapping"),
    ("url", True, "expected a string, got a boolean"),
    ("batch_size", True, "expected an integer, got a boolean"),
    ("batch_size", 2.5, "expected an integer, got a number"),
    ("verify", "maybe", "expected a boolean (true/false), got a string"),
    ("verify", 2, "expected a boolean (true/false), got a number"),
    ("ratio", "half", "expected a number, got a string"),
    ("cursor", ["a"], "expected a string or a mapping or null, got a list"),
])
def test_strict_scalars_and_shapes(field: str, value: Any, expected: str) -> None:
    assert issues({"url": "x", field: value}) == [(f"sources[2].config.{field}", expected)]


def test_natural_spellings_from_yaml_and_environment_are_accepted() -> None:
    config = structure({"url": 5432, "batch_size": "200", "verify": "false", "ratio": "0.25",
                        "key_file": "k.pem", "cursor": {"t": "updated_at"}}, Config)
    assert config == Config(url="5432", batch_size=200, verify=False, ratio=0.25,
                            key_file=Path("k.pem"), cursor={"t": "updated_at"})
    assert structure({"url": "x", "cursor": "updated_at"}, Config).cursor == "updated_at"
    assert structure({"url": "x", "verify": "on", "batch_size": 3.0}, Config).batch_size == 3


def test_union_member_errors_keep_their_path() -> None:
    assert issues({"url": "x", "cursor": {"t": ["a"]}}) == [
        ("sources[2].config.cursor.t", "expected a string, got a list")]


def test_validator_message_is_shown_as_written() -> None:
    assert issues({"url": "x", "batch_size": 0}) == [
        ("sources[2].config", "batch_size must be at least 1")]


def test_root_path_may_be_empty() -> None:
    assert issues({"url": "x", "tables": "t"}, path="") == [("tables", "expected a list, got a string")]
    assert str(Issue("", "boom")) == "boom" and str(Issue("a.b", "boom")) == "a.b: boom"


def test_validation_error_message_joins_issues() -> None:
    with pytest.raises(ValidationError, match=r"^x.url: required$"):
        structure({}, Config, path="x")


def test_models_round_trip() -> None:
    spec = PipelineSpec(
        sources=[SourceSpec("crm", "files", {"path": "a.csv", "url": {"$env": "X"}})],
        mapping=MappingSettings(accept_threshold=0.9, overrides={"crm.a.b": None, "crm.a.c": "account.id"}),
        agents=["revops"], bad_rows="fail", ontology_extensions={"entities": {}})
    assert structure(unstructure(spec), PipelineSpec) == spec
    onto = Ontology("o", [Entity("account", [OntologyField("id", "VARCHAR", synonyms=["key"])])])
    assert structure(unstructure(onto), Ontology) == onto
    tm = TableMapping("accounts", None, 0.0, [FieldMapping("x", None, 0.1)])
    assert structure(unstructure(tm), TableMapping) == tm


def test_model_errors_name_paths() -> None:
    data = {"sources": [{"name": "a", "connector": "files"}, {"name": "b"}],
            "mapping": {"accept_threshold": "high"}}
    assert sorted(issues(data, PipelineSpec, path="")) == [
        ("mapping.accept_threshold", "expected a number, got a string"),
        ("sources[1].connector", "required"),
    ]
