"""Pipeline YAML: good files parse, every bad one names file:line:path, limits hold, secrets stay
references until run time."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import attrs
import pytest

from autonomos import hookimpl
from autonomos.core.connector import Connector
from autonomos.core.errors import ConfigError
from autonomos.core.models import PipelineSpec, SourceSpec
from autonomos.core.ontology import CRM_FINANCE
from autonomos.core.plugins import PluginHost
from autonomos.core.spec import (Limits, PipelineError, env_refs, load_pipeline, parse_pipeline,
                                 redact_spec, resolve_config)

DATA = Path(__file__).resolve().parent.parent / "data" / "pipelines"


def _system(inst: Any, attribute: Any, value: str) -> None:
    if value not in ("salesforce", "hubspot"):
        raise ValueError(f"unknown demo system {value!r} (choose one of: salesforce, hubspot)")


class FilesConnector(Connector):
    name = "files"

    @attrs.define
    class Config:
        path: str
        delimiter: str = ","


class SqlConnector(Connector):
    name = "sql"

    @attrs.define
    class Config:
        url: str
        tables: list[str] | None = None
        cursor: str | dict[str, str] | None = None
        port: int = 5432


class DemoConnector(Connector):
    name = "demo"

    @attrs.define
    class Config:
        system: str = attrs.field(validator=_system)


class KeyFileConnector(Connector):
    name = "keyfile"

    @attrs.define
    class Config:
        key_file: Path
        optional_dir: Path | None = None
        label: str = ""


CONNECTORS = {c.name: c for c in (FilesConnector, SqlConnector, DemoConnector)}
AGENTS = {"revops": object(), "finops": object()}
REG: dict[str, Any] = {"connectors": CONNECTORS, "agents": AGENTS,
                       "ontologies": {"crm_finance": CRM_FINANCE}}


def parse(text: str, **kw: Any) -> PipelineSpec:
    return parse_pipeline(text, "pipeline.yaml", **{**REG, **kw})


def errors(text: str, **kw: Any) -> list[str]:
    with pytest.raises(PipelineError) as info:
        parse(text, **kw)
    return [str(i) for i in info.value.issues]


def one_error(text: str, **kw: Any) -> str:
    found = errors(text, **kw)
    assert len(found) == 1, found
    return found[0]


SRC = "sources:\n  - name: crm\n    connector: files\n    config: {path: a.csv}\n"


# -- good pipelines --------------------------------------------------------------------------------

def test_full_example_parses_into_the_model() -> None:
    spec = load_pipeline(DATA / "good" / "full.yaml", **REG)
    assert [(s.name, s.connector) for s in spec.sources] == [("crm", "files"), ("billing", "sql")]
    assert spec.sources[0].config == {"path": "./exports/*.csv"}
    assert spec.sources[1].config["url"] == {"$env": "BILLING_DB_URL"}  # the reference, not a secret
    assert spec.sources[1].config["cursor"] == {"invoices": "updated_at"}
    assert spec.ontology == "crm_finance"
    assert spec.ontology_extensions == {"entities": {"account": {"fields": {"tier": "VARCHAR"}}}}
    assert spec.mapping.accept_threshold == 0.85
    assert spec.mapping.overrides == {"crm.accounts.acct_nm": "account.name",
                                      "crm.accounts.junk": None, "crm.accounts.lvl": "account.tier"}
    assert spec.bad_rows == "quarantine" and spec.agents == ["revops"]


def test_minimal_pipeline_gets_defaults() -> None:
    spec = load_pipeline(DATA / "good" / "minimal.yaml", **REG)
    assert spec == PipelineSpec(sources=[SourceSpec("demo", "demo", {"system": "salesforce"})])
    assert spec.mapping.accept_threshold == 0.85 and spec.bad_rows == "keep"


def test_anchors_and_merge_keys_share_settings_and_explicit_keys_win() -> None:
    spec = load_pipeline(DATA / "good" / "anchors.yaml", connectors=CONNECTORS, agents=AGENTS,
                         ontologies=REG["ontologies"])
    sales, support = (s.config for s in spec.sources)
    assert sales == {"tables": ["orders"], "url": {"$env": "WAREHOUSE_URL"}, "cursor": "updated_at"}
    assert support["cursor"] == "modified_at" and support["tables"] == ["tickets"]


def test_dates_stay_strings_and_null_sections_mean_defaults() -> None:
    spec = parse(SRC + "mapping:\nagents:\nbad_rows: fail\nontology_extensions:\n")
    assert spec.agents == [] and spec.bad_rows == "fail" and spec.mapping.overrides == {}
    spec = parse("sources:\n  - {name: s, connector: sql, config: {url: x, cursor: 2024-01-01}}\n")
    assert spec.sources[0].config["cursor"] == "2024-01-01"


def test_registries_from_a_plugin_host() -> None:
    class Plugin:
        @staticmethod
        @hookimpl
        def register_connectors(register: Any) -> None:
            register(FilesConnector)

        @staticmethod
        @hookimpl
        def register_agents(register: Any) -> None:
            register(attrs.make_class("Agent", {"name": attrs.field(default="revops")})())

    host = PluginHost(load_entrypoints=False, builtins=("autonomos.core.ontology",))
    host.pm.register(Plugin, name="test-plugin")
    host._collect("connectors")
    host._collect("agents")
    spec = parse_pipeline(SRC + "agents: [revops]\n", "p.yaml", connectors=host.connectors(),
                          agents=host.agents(), ontologies=host.ontologies())
    assert spec.agents == ["revops"]
    with pytest.raises(PipelineError, match=r"p.yaml:3: sources\[0\].connector: unknown "
                                            r"connector 'sql' \(known: files\)"):
        parse_pipeline(SRC.replace("files", "sql"), "p.yaml", connectors=host.connectors(),
                       agents=host.agents(), ontologies=host.ontologies())


def test_the_shipped_demo_pipeline_parses_with_the_global_host() -> None:
    from autonomos.core.plugins import get_host

    host = get_host()
    missing = {"demo"} - set(host.connectors()) | {"revops", "finops"} - set(host.agents())
    if missing:
        pytest.skip(f"built-in plugins not written yet: {sorted(missing)}")
    import autonomos.connectors.demo as demo

    spec = load_pipeline(Path(demo.__file__).parent / "demo_data" / "pipeline.yaml")
    assert len(spec.sources) == 6 and spec.agents == ["revops", "finops"]


# -- broken pipelines: each fixture lists the exact messages it must produce -----------------------

BROKEN = sorted((DATA / "broken").glob("*.yaml"))


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_fixture_reports_exact_messages(path: Path) -> None:
    expected = [line.removeprefix("# expect: ").rstrip("\n")
                for line in path.read_text().splitlines() if line.startswith("# expect: ")]
    assert expected, f"{path.name} lists no '# expect:' lines"
    started = time.perf_counter()
    with pytest.raises(PipelineError) as info:
        load_pipeline(path, **REG)
    assert time.perf_counter() - started < 2.0
    got = [str(i) for i in info.value.issues]
    assert sorted(got) == sorted(f"{path}:{e}" for e in expected)


def test_several_errors_come_at_once_in_file_order_one_per_line() -> None:
    text = ("sources:\n  - name: crm\n    connector: filez\n"
            "bad_rows: skip\nmapping: {accept_threshold: 0}\n")
    with pytest.raises(PipelineError) as info:
        parse(text)
    err = info.value
    assert isinstance(err, ConfigError)
    assert str(err).splitlines() == [
        "pipeline.yaml:3: sources[0].connector: unknown connector 'filez' (known: demo, files, sql)",
        "pipeline.yaml:4: bad_rows: must be one of keep, quarantine, fail; got 'skip'",
        "pipeline.yaml:5: mapping.accept_threshold: must be a number in (0, 1]; got 0",
    ]
    assert [(i.file, i.line, i.path) for i in err.issues][0] == ("pipeline.yaml", 3,
                                                                  "sources[0].connector")


def test_missing_config_key_points_at_the_config_block() -> None:
    text = SRC + "  - name: erp\n    connector: files\n    config:\n      delimiter: ';'\n"
    assert one_error(text) == "pipeline.yaml:8: sources[1].config.path: required"


def test_connector_validator_message_is_kept() -> None:
    text = "sources:\n  - name: d\n    connector: demo\n    config:\n      system: sap\n"
    assert one_error(text) == ("pipeline.yaml:5: sources[0].config: unknown demo system 'sap' "
                               "(choose one of: salesforce, hubspot)")


@pytest.mark.parametrize("name", ["Crm", "1crm", "crm-x", "crm.x", "a" * 64, "", "über"])
def test_source_names_must_be_identifiers(name: str) -> None:
    text = f"sources:\n  - name: '{name}'\n    connector: files\n    config: {{path: a}}\n"
    assert one_error(text).startswith(f"pipeline.yaml:2: sources[0].name: invalid source name {name!r}")


@pytest.mark.parametrize("name", ["crm", "crm_2", "_staging", "a" * 63])
def test_identifier_source_names_are_accepted(name: str) -> None:
    assert parse(SRC.replace("crm", name)).sources[0].name == name


@pytest.mark.parametrize("value", ["0", "-0.1", "1.01", "high", "true", ".nan", "[0.5]"])
def test_accept_threshold_must_be_in_0_1(value: str) -> None:
    message = one_error(SRC + f"mapping:\n  accept_threshold: {value}\n")
    assert message.startswith("pipeline.yaml:6: mapping.accept_threshold: must be a number in (0, 1]")


@pytest.mark.parametrize("value", ["1", "0.5", "0.01"])
def test_accept_threshold_in_range_is_accepted(value: str) -> None:
    assert parse(SRC + f"mapping: {{accept_threshold: {value}}}\n").mapping.accept_threshold == float(value)


def test_mapping_section_refuses_unknown_keys_and_non_boolean_use_llm() -> None:
    assert errors(SRC + "mapping:\n  threshold: 0.9\n  use_llm: maybe\n") == [
        "pipeline.yaml:6: mapping.threshold: unknown key; did you mean 'accept_threshold'? "
        "(allowed: accept_threshold, overrides, use_llm)",
        "pipeline.yaml:7: mapping.use_llm: expected true or false, got 'maybe'",
    ]


def test_overrides_may_target_extension_fields_and_bad_types_are_refused() -> None:
    ext = "ontology_extensions:\n  entities:\n    ticket: {fields: {priority: BIGINT}}\n"
    spec = parse(SRC + ext + "mapping: {overrides: {crm.tickets.prio: ticket.priority}}\n")
    assert spec.mapping.overrides == {"crm.tickets.prio": "ticket.priority"}
    assert one_error(SRC + "ontology_extensions: {entities: {account: {fields: {tier: VARCHR}}}}\n") == (
        "pipeline.yaml:5: ontology_extensions.entities.account.fields.tier: expected a DuckDB type "
        "name such as VARCHAR, BIGINT, DECIMAL(18,2), TIMESTAMP; got 'VARCHR'")
    assert "expected a DuckDB type" in one_error(
        SRC + "ontology_extensions: {entities: {a: {fields: {b: 'INT); DROP TABLE x; --'}}}}\n")


def test_unknown_ontology_lists_known_ones() -> None:
    assert one_error(SRC + "ontology: crm\n") == (
        "pipeline.yaml:5: ontology: unknown ontology 'crm' (known: crm_finance)")


def test_agents_must_be_registered() -> None:
    assert one_error(SRC + "agents: [revops, sales]\n") == (
        "pipeline.yaml:5: agents[1]: unknown agent 'sales' (known: finops, revops)")
    assert one_error(SRC + "agents: [revops]\n", agents={}) == (
        "pipeline.yaml:5: agents[0]: unknown agent 'revops' (known: none)")


def test_structural_errors() -> None:
    assert errors("") == ["pipeline.yaml: the file is empty; a pipeline needs at least 'sources'"]
    assert one_error("- a\n- b\n").startswith("pipeline.yaml:1: expected a mapping of pipeline keys")
    assert one_error("sources: []\n") == "pipeline.yaml:1: sources: list at least one source"
    assert one_error("sources: crm\n") == "pipeline.yaml:1: sources: expected a list, got a string"
    assert errors("sources:\n  - crm\n  - {name: b, connector: files, config: [1], extra: 2}\n") == [
        "pipeline.yaml:2: sources[0]: expected a mapping with name, connector and config; got a string",
        "pipeline.yaml:3: sources[1].extra: unknown key (allowed: config, connector, name, select)",
        "pipeline.yaml:3: sources[1].config: expected a mapping, got a list",
    ]
    assert errors("sources:\n  - config: {}\n") == [
        "pipeline.yaml:2: sources[0].name: required",
        "pipeline.yaml:2: sources[0].connector: required",
    ]


def test_yaml_problems_name_their_line() -> None:
    assert one_error("sources:\n  - name: a\n   bad: [\n").startswith("pipeline.yaml:3: YAML syntax error")
    assert one_error("a: 1\n---\nb: 2\n").startswith("pipeline.yaml:2: YAML syntax error: but found "
                                                      "another document")
    assert one_error(SRC + "agents: *nothing\n") == ("pipeline.yaml:5: YAML syntax error: found "
                                                     "undefined alias 'nothing'")
    assert one_error(SRC + "bad_rows: \x07\n").startswith("pipeline.yaml:5: YAML error: ")


def test_unsafe_tags_are_refused_without_running_anything(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = SRC + f"x: !!python/object/apply:os.system ['touch {marker}']\n"
    assert "unsupported YAML tag !!python/object/apply:os.system" in "\n".join(errors(text))
    assert not marker.exists()
    assert "unsupported YAML tag !!binary" in one_error(SRC + "agents: !!binary aGk=\n")
    assert "unsupported YAML tag !!set" in "\n".join(errors(SRC + "agents: !!set {a, b}\n"))


# -- limits ----------------------------------------------------------------------------------------

def test_oversize_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:  # sparse: 4 GiB on paper, nothing written
        fh.truncate(4 << 30)
    started = time.perf_counter()
    with pytest.raises(PipelineError) as info:
        load_pipeline(big, **REG)
    assert time.perf_counter() - started < 0.5
    assert str(info.value) == (f"{big}: file is 4,294,967,296 bytes, larger than the "
                               "1,048,576-byte limit")


def test_size_limit_is_configurable_and_applies_to_text() -> None:
    assert one_error(SRC, limits=Limits(max_bytes=20)) == (
        f"pipeline.yaml: file is {len(SRC)} bytes, larger than the 20-byte limit")


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]")
    started = time.perf_counter()
    message = one_error("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 2.0
    assert message.endswith("aliases expand to more than 100000 values; refused to guard "
                            "against alias bombs")


def test_alias_count_depth_and_recursion_limits() -> None:
    many = "a: &a 1\n" + "".join(f"k{i}: *a\n" for i in range(101))
    assert one_error(many) == ("pipeline.yaml:102: more than 100 aliases (*name); refused to guard "
                               "against alias bombs")
    deep = "sources:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(60))
    assert one_error(deep) == "pipeline.yaml:50: nested deeper than 50 levels"
    assert one_error("sources: &s [*s]\n") == (
        "pipeline.yaml:1: sources: nested deeper than 50 levels through aliases; refused to "
        "guard against alias bombs")
    assert one_error(SRC, limits=Limits(max_depth=2)) == "pipeline.yaml:2: nested deeper than 2 levels"


def test_aliases_under_the_limit_are_fine() -> None:
    text = ("sources:\n  - &crm {name: crm, connector: files, config: &cfg {path: a.csv}}\n"
            "  - {name: erp, connector: files, config: *cfg}\n")
    spec = parse(text)
    assert spec.sources[1].config == {"path": "a.csv"}


def test_non_utf8_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(SRC.encode() + b"agents: [\xff]\n")
    with pytest.raises(PipelineError, match=rf"p.yaml:5: not valid UTF-8 \(byte {len(SRC) + 9}\)"):
        load_pipeline(path, **REG)


def test_missing_file() -> None:
    with pytest.raises(PipelineError, match="nope.yaml: cannot read pipeline file: No such file"):
        load_pipeline("nope.yaml", **REG)


# -- secrets ---------------------------------------------------------------------------------------

BILLING = ("sources:\n  - name: crm\n    connector: files\n    config: {path: a.csv}\n"
           "  - name: billing\n    connector: sql\n    config:\n"
           "      url: {\"$env\": BILLING_DB_URL}\n      port: {\"$env\": BILLING_PORT}\n")


def test_env_references_are_not_checked_at_parse_time_and_are_listed() -> None:
    spec = parse(BILLING)  # port is an int field; its value is only known at run time
    assert env_refs(spec.sources[1].config) == [("config.url", "BILLING_DB_URL"),
                                                ("config.port", "BILLING_PORT")]


def test_resolve_config_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = parse(BILLING)
    monkeypatch.setenv("BILLING_DB_URL", "postgresql://app:s3cret@db/billing")
    monkeypatch.setenv("BILLING_PORT", "6543")
    config = resolve_config(spec.sources[1], SqlConnector)
    assert config == SqlConnector.Config(url="postgresql://app:s3cret@db/billing", port=6543)
    assert spec.sources[1].config["url"] == {"$env": "BILLING_DB_URL"}  # spec untouched
    assert "s3cret" not in repr(redact_spec(spec))


def test_resolve_config_names_file_line_and_path_of_a_missing_variable() -> None:
    spec = parse(BILLING)
    with pytest.raises(PipelineError) as info:
        resolve_config(spec.sources[1], SqlConnector, env={"BILLING_PORT": "1"})
    assert str(info.value) == ("pipeline.yaml:8: sources[1].config.url: environment variable "
                               "BILLING_DB_URL is not set")
    with pytest.raises(PipelineError) as info:
        resolve_config(spec.sources[1], SqlConnector, env={"BILLING_DB_URL": "x", "BILLING_PORT": "x"})
    assert str(info.value) == "pipeline.yaml:9: sources[1].config.port: expected an integer, got a string"


def test_resolve_config_without_origin_uses_the_source_name() -> None:
    source = SourceSpec("billing", "sql", {"url": {"$env": "NOPE_NOT_SET_42"}})
    with pytest.raises(PipelineError) as info:
        resolve_config(source, SqlConnector, env={})
    assert str(info.value) == "billing.config.url: environment variable NOPE_NOT_SET_42 is not set"


def test_resolve_config_makes_relative_path_fields_absolute(tmp_path: Path) -> None:
    source = SourceSpec("keys", "keyfile", {"key_file": "secrets/key.pem", "optional_dir": "/abs",
                                            "label": "rel/not/a/path"})
    config = resolve_config(source, KeyFileConnector, base_dir=tmp_path)
    assert config.key_file == tmp_path / "secrets" / "key.pem"
    assert config.optional_dir == Path("/abs") and config.label == "rel/not/a/path"
    assert resolve_config(source, KeyFileConnector).key_file == Path("secrets/key.pem")


def test_malformed_references_are_refused_at_parse_time() -> None:
    base = "sources:\n  - name: s\n    connector: sql\n    config:\n      url: "
    assert one_error(base + '{"$env": "bad name"}\n') == (
        "pipeline.yaml:5: sources[0].config.url: $env needs an environment variable name "
        "(letters, digits, underscore); got 'bad name'")
    assert one_error(base + '{"$env": A, default: x}\n') == (
        'pipeline.yaml:5: sources[0].config.url: {"$env": NAME} takes no other keys; got default')
    assert one_error(base + '{"$vault": a/b}\n') == (
        "pipeline.yaml:5: sources[0].config.url: unknown reference '$vault' (supported: $env)")


def test_env_is_read_per_call_not_captured_at_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = parse(BILLING)
    monkeypatch.setenv("BILLING_DB_URL", "one")
    monkeypatch.setenv("BILLING_PORT", "1")
    assert resolve_config(spec.sources[1], SqlConnector).url == "one"
    monkeypatch.setenv("BILLING_DB_URL", "two")
    assert resolve_config(spec.sources[1], SqlConnector).url == "two"
    assert os.environ["BILLING_DB_URL"] == "two"


# -- the reference stays true ----------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "pipelines.md"


def test_docs_cover_every_key_and_limit() -> None:
    from autonomos.core.spec import MAPPING_KEYS, SOURCE_KEYS, TOP_LEVEL_KEYS

    text = DOCS.read_text()
    for key in (*TOP_LEVEL_KEYS, *SOURCE_KEYS, *MAPPING_KEYS, *attrs.fields_dict(Limits)):
        assert f"`{key}`" in text, f"docs/pipelines.md does not document `{key}`"


def test_docs_yaml_examples_are_valid_pipelines() -> None:
    import re

    from autonomos.core.plugins import get_host

    host = get_host()
    missing = {"files", "sql", "demo"} - set(host.connectors()) | {"revops", "finops"} - set(host.agents())
    if missing:
        pytest.skip(f"built-in plugins not written yet: {sorted(missing)}")
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(), flags=re.S)
    pipelines = [b for b in blocks if b.startswith(("sources:", "x-"))]
    assert len(pipelines) >= 5
    for block in pipelines:
        parse_pipeline(block, "docs/pipelines.md")
    snippets = [b for b in blocks if b.startswith(("ontology_extensions:", "mapping:"))]
    ext, overrides = snippets[0], snippets[1]
    spec = parse_pipeline(SRC + ext + overrides, "docs/pipelines.md")
    assert spec.mapping.overrides["crm.accounts.tier_cd"] == "account.tier"
