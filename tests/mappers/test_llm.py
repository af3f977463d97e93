"""The llm mapper end to end: propose_schema_mapping → plugin host → provider → local HTTP server."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "llm_providers"))

from fake_llm_server import FakeLLMServer  # noqa: E402

from autonomos.core.models import Field, FieldMapping, TableSchema  # noqa: E402
from autonomos.core.ontology import CRM_FINANCE  # noqa: E402
from autonomos.core.pipeline.map import (AGREEMENT_WEIGHT, combine_llm,  # noqa: E402
                                         propose_schema_mapping)
from autonomos.core.plugins import reset_host  # noqa: E402
from autonomos.mappers.llm import MAX_CONFIDENCE, LLMMapper, build_prompt, interpret  # noqa: E402

KEY = "sk-mapper-test"
DEALS = {"source": "crm", "tables": [{"name": "Deals", "fields": [
    {"name": "Amount", "type": "DOUBLE", "samples": [1200.0, 80.5]},
    {"name": "hdl", "type": "VARCHAR", "samples": ["Acme renewal", "Globex expansion"]},
    {"name": "prob", "type": "VARCHAR"},
    {"name": "close_dt", "type": "VARCHAR"},
    {"name": "Stage", "type": "VARCHAR", "samples": ["won"]}]}]}
ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AUTONOMOS_OPENAI_BASE_URL", "GEMINI_API_KEY", "GOOGLE_API_KEY",
       "AUTONOMOS_GEMINI_BASE_URL", "AUTONOMOS_LLM_PROVIDER", "AUTONOMOS_LLM_MODEL", "AUTONOMOS_LLM_SAMPLES",
       "AUTONOMOS_LLM_CACHE", "AUTONOMOS_LLM_MAX_RETRIES")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    reset_host()  # a fresh host with the built-in llm mapper and providers
    yield
    reset_host()


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(key=KEY) as srv:
        yield srv


@pytest.fixture
def openai_env(server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> FakeLLMServer:
    monkeypatch.setenv("AUTONOMOS_LLM_PROVIDER", "openai")
    monkeypatch.setenv("AUTONOMOS_LLM_MODEL", "gpt-test-mini")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AUTONOMOS_OPENAI_BASE_URL", server.url + "/v1")
    return server


def _fields(result: dict) -> dict[str, dict]:
    return {f["field"]: f for f in result["tables"][0]["fields"]}


def test_llm_maps_what_the_heuristic_cannot_and_caches(openai_env: FakeLLMServer) -> None:
    without = _fields(propose_schema_mapping(DEALS, use_llm=False))
    assert without["hdl"]["canonical"] is None and not openai_env.posts()

    result = propose_schema_mapping(DEALS, use_llm=True)
    fields = _fields(result)
    hdl = fields["hdl"]
    assert (hdl["canonical"], hdl["mapper"], hdl["status"]) == ("name", "llm", "review")
    assert hdl["confidence"] < 0.85  # an LLM alone never accepts
    assert fields["Amount"]["mapper"] == "heuristic" and fields["Amount"]["status"] == "accepted"

    (req,) = openai_env.posts()  # one table, one request; it carried the table and the entity
    prompt = req["json"]["messages"][-1]["content"]
    table = json.loads(prompt.split("<table>")[1].split("</table>")[0])
    assert [f["name"] for f in table["fields"]] == ["Amount", "hdl", "prob", "close_dt", "Stage"]
    assert table["fields"][1]["samples"] == ["Acme renewal", "Globex expansion"]
    assert "'opportunity'" in prompt  # the heuristic is sure of the entity: only fields are asked

    again = propose_schema_mapping(DEALS, use_llm=True)
    assert again == result and len(openai_env.posts()) == 1  # answered from the disk cache


def test_agreement_raises_confidence_and_disagreement_keeps_the_heuristic(openai_env: FakeLLMServer) -> None:
    before = _fields(propose_schema_mapping(DEALS, use_llm=False))
    after = _fields(propose_schema_mapping(DEALS, use_llm=True))
    prob0, prob1 = before["prob"], after["prob"]
    assert prob0["canonical"] == prob1["canonical"] == "probability" and prob1["mapper"] == "heuristic"
    expected = prob0["confidence"] + (1 - prob0["confidence"]) * MAX_CONFIDENCE * AGREEMENT_WEIGHT
    assert prob1["confidence"] == pytest.approx(expected, abs=0.002) and prob1["confidence"] > prob0["confidence"]
    assert "the LLM agrees" in prob1["reason"]
    # the fake model is wrong on close_dt on purpose: the fairly sure heuristic keeps it
    close = after["close_dt"]
    assert (close["canonical"], close["mapper"]) == ("close_date", "heuristic")
    assert close["alternatives"][0]["canonical"] == "created_at"


def test_llm_picks_the_entity_when_the_heuristic_has_none(openai_env: FakeLLMServer) -> None:
    doc = {"tables": [{"name": "tbl_opportunity_x9", "fields": [{"name": "hdl", "type": "VARCHAR"},
                                                                 {"name": "zz", "type": "VARCHAR"}]}]}
    assert propose_schema_mapping(doc, use_llm=False)["tables"][0]["entity"] is None
    out = propose_schema_mapping(doc, use_llm=True)["tables"][0]
    assert (out["entity"], out["status"]) == ("opportunity", "review") and out["confidence"] < 0.85
    assert (out["fields"][0]["canonical"], out["fields"][0]["mapper"]) == ("name", "llm")
    assert out["fields"][1]["canonical"] is None


def test_entity_agreement_raises_table_confidence(openai_env: FakeLLMServer) -> None:
    doc = {"tables": [{"name": "tbl_opportunity_x9", "fields": [{"name": "zq_amt", "type": "DOUBLE"},
                                                                 {"name": "hdl", "type": "VARCHAR"}]}]}
    before = propose_schema_mapping(doc, use_llm=False)["tables"][0]
    assert before["entity"] == "opportunity" and before["confidence"] < 0.85
    after = propose_schema_mapping(doc, use_llm=True)["tables"][0]
    assert after["entity"] == "opportunity" and after["confidence"] > before["confidence"]
    assert "the LLM agrees" in after["reason"]
    prompt = openai_env.posts()[0]["json"]["messages"][-1]["content"]
    assert '"entity": "account"' in prompt  # unsure heuristic: the LLM chose among all entities
    amt = after["fields"][0]
    assert (amt["canonical"], amt["mapper"]) == ("amount", "heuristic") and "the LLM agrees" in amt["reason"]


def test_gemini_end_to_end(server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTONOMOS_LLM_PROVIDER", "gemini")
    monkeypatch.setenv("AUTONOMOS_LLM_MODEL", "gemini-test-flash")
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.setenv("AUTONOMOS_GEMINI_BASE_URL", server.url)
    fields = _fields(propose_schema_mapping(DEALS))  # use_llm defaults on: a provider is configured
    assert (fields["hdl"]["canonical"], fields["hdl"]["mapper"]) == ("name", "llm")
    (req,) = server.posts()
    assert req["path"] == "/v1beta/models/gemini-test-flash:generateContent"
    assert '"hdl"' in req["json"]["contents"][0]["parts"][0]["text"]


def test_use_llm_defaults_off_without_provider_and_inactive_mapper_never_fails(
        server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AUTONOMOS_OPENAI_BASE_URL", server.url + "/v1")
    plain = propose_schema_mapping(DEALS, use_llm=False)
    assert propose_schema_mapping(DEALS) == plain  # no AUTONOMOS_LLM_PROVIDER: LLM off
    with caplog.at_level(logging.INFO):
        assert propose_schema_mapping(DEALS, use_llm=True) == plain  # asked for, but inactive
    assert "AUTONOMOS_LLM_PROVIDER is not set" in caplog.text and not server.posts()
    table = TableSchema("t", [Field("a")])
    assert "inactive" in LLMMapper().map_table(table, CRM_FINANCE).reason
    monkeypatch.setenv("AUTONOMOS_LLM_PROVIDER", "nope")
    tm = LLMMapper().map_table(table, CRM_FINANCE)
    assert tm.entity is None and "unknown provider 'nope'" in tm.reason and "gemini, openai" in tm.reason


def test_provider_failure_leaves_the_heuristic_result(openai_env: FakeLLMServer, monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    with caplog.at_level(logging.WARNING):
        result = propose_schema_mapping(DEALS, use_llm=True)
    assert result == propose_schema_mapping(DEALS, use_llm=False)
    assert "LLM mapper skipped table Deals" in caplog.text and "HTTP 401" in caplog.text
    assert "sk-wrong" not in caplog.text  # masked in the API's echo


def test_no_samples_are_sent_when_disabled(openai_env: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTONOMOS_LLM_SAMPLES", "0")
    propose_schema_mapping(DEALS, use_llm=True)
    prompt = openai_env.posts()[0]["json"]["messages"][-1]["content"]
    assert "Acme renewal" not in prompt and "samples" not in prompt.split("<table>")[1]


def test_cli_no_llm_makes_no_request(openai_env: FakeLLMServer, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from autonomos.cli import main

    path = tmp_path / "schema.json"
    path.write_text(json.dumps(DEALS))
    out = CliRunner().invoke(main, ["map", str(path), "--no-llm"])
    assert out.exit_code == 0, out.output
    assert _fields(json.loads(out.output))["hdl"]["canonical"] is None and not openai_env.posts()
    out = CliRunner().invoke(main, ["map", str(path)])
    assert out.exit_code == 0, out.output
    assert _fields(json.loads(out.output))["hdl"]["mapper"] == "llm" and len(openai_env.posts()) == 1


class _PluginProvider:
    """A third-party provider with only the hookspec's minimal surface (no model argument)."""

    name = "house-llm"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def models(self) -> list[str]:
        return ["house-1"]

    def complete(self, prompt: str, schema: dict) -> dict:
        from fake_llm_server import fake_mapping

        self.prompts.append(prompt)
        return fake_mapping(prompt) or {}


def test_any_registered_provider_works_and_answers_are_cached_per_model(tmp_path: Path) -> None:
    from autonomos.mappers.llm import AnswerCache

    provider = _PluginProvider()
    table = TableSchema("opportunity_feed", [Field("hdl", "VARCHAR", ["Acme"])])
    mapper = LLMMapper(provider=provider, cache=AnswerCache(tmp_path / "c"))
    tm = mapper.map_fields(table, CRM_FINANCE, "opportunity")
    assert (tm.entity, tm.fields[0].canonical, tm.fields[0].mapper) == ("opportunity", "name", "llm")
    mapper.map_fields(table, CRM_FINANCE, "opportunity")
    assert len(provider.prompts) == 1 and len(list((tmp_path / "c").rglob("*.json"))) == 1
    LLMMapper(provider=provider, model="house-2", cache=AnswerCache(tmp_path / "c")).map_fields(
        table, CRM_FINANCE, "opportunity")
    assert len(provider.prompts) == 2  # another model: asked again
    with pytest.raises(ValueError, match="unknown entity 'spaceship'"):
        mapper.map_fields(table, CRM_FINANCE, "spaceship")


# -- answer validation (pure) -----------------------------------------------------------------
TABLE = TableSchema("people", [Field("a", "VARCHAR"), Field("b", "VARCHAR"), Field("c", "VARCHAR"),
                               Field("d", "VARCHAR")])


def test_interpret_drops_unknowns_resolves_duplicates_and_caps() -> None:
    answer = {"entity": "contact", "entity_confidence": 7, "entity_reason": "people", "fields": [
        {"field": "a", "canonical": "email", "confidence": 0.5, "reason": "weak"},
        {"field": "a", "canonical": "email", "confidence": 0.99, "reason": "strong"},  # same field twice
        {"field": "b", "canonical": "email", "confidence": 0.7, "reason": "also email"},  # taken by a
        {"field": "c", "canonical": "warp_drive", "confidence": 0.9, "reason": "?"},  # not in contact
        {"field": "zzz", "canonical": "first_name", "confidence": 0.9, "reason": "not a column"},
        {"field": "d", "canonical": "last_name", "confidence": -3, "reason": "negative"}]}
    tm = interpret(answer, TABLE, CRM_FINANCE, None)
    got = {fm.field: fm for fm in tm.fields}
    assert tm.entity == "contact" and tm.confidence == MAX_CONFIDENCE
    assert [fm.field for fm in tm.fields] == ["a", "b", "c", "d"]
    assert (got["a"].canonical, got["a"].confidence, got["a"].reason) == ("email", MAX_CONFIDENCE, "LLM: strong")
    assert got["b"].canonical is None and got["b"].alternatives[0].canonical == "email"
    assert got["c"].canonical is None and "does not have" in got["c"].reason
    assert (got["d"].canonical, got["d"].confidence) == ("last_name", 0.0)


def test_interpret_unknown_entity_and_none() -> None:
    tm = interpret({"entity": "spaceship", "entity_confidence": 0.9, "entity_reason": "", "fields": []},
                   TABLE, CRM_FINANCE, None)
    assert tm.entity is None and "unknown entity 'spaceship'" in tm.reason
    tm = interpret({"entity": "none", "entity_confidence": "x", "entity_reason": "", "fields": []},
                   TABLE, CRM_FINANCE, None)
    assert tm.entity is None and tm.confidence == 0.0
    # entity fixed by the host: the answer's entity is not trusted over it
    tm = interpret({"entity": "spaceship", "entity_confidence": 0.8, "entity_reason": "", "fields": [
        {"field": "a", "canonical": "email", "confidence": 0.8, "reason": ""}]}, TABLE, CRM_FINANCE, "contact")
    assert tm.entity == "contact" and tm.fields[0].canonical == "email"


def test_prompt_names_fixed_entity_only() -> None:
    prompt = build_prompt(TABLE, CRM_FINANCE, "contact", 5)
    onto = json.loads(prompt.split("<ontology>")[1].split("</ontology>")[0])
    assert [e["entity"] for e in onto] == ["contact"]
    assert len(json.loads(build_prompt(TABLE, CRM_FINANCE, None, 0).split("<ontology>")[1]
                          .split("</ontology>")[0])) == len(CRM_FINANCE.entities)


def test_combination_rule() -> None:
    none = FieldMapping("x", None, 0.95, "heuristic", "nothing")
    low = FieldMapping("x", "name", 0.4, "heuristic", "weak")
    fair = FieldMapping("x", "name", 0.7, "heuristic", "fair")
    llm = FieldMapping("x", "email", 0.9, "llm", "LLM: looks like email")
    took = combine_llm(none, llm, 0.85)
    assert (took.canonical, took.mapper, took.confidence) == ("email", "llm", pytest.approx(0.84))
    took = combine_llm(low, llm, 0.85)
    assert took.canonical == "email" and took.alternatives[0].canonical == "name"
    kept = combine_llm(fair, llm, 0.85)
    assert (kept.canonical, kept.mapper, kept.confidence) == ("name", "heuristic", 0.7)
    assert kept.alternatives[0].canonical == "email"
    agreed = combine_llm(fair, FieldMapping("x", "name", 0.9, "llm", "yes"), 0.85)
    assert agreed.confidence == pytest.approx(0.7 + 0.3 * 0.9 * AGREEMENT_WEIGHT) and agreed.mapper == "heuristic"


def test_answer_cache_is_per_tenant(data_dir) -> None:
    """Inside a run the cache lives in the tenant's own folder; two tenants never share it."""
    import uuid as _uuid

    from autonomos.core.settings import current_tenant
    from autonomos.mappers.llm import AnswerCache

    a, b = _uuid.uuid4(), _uuid.uuid4()
    roots = []
    for tenant in (a, b):
        token = current_tenant.set(tenant)
        try:
            cache = AnswerCache()
            cache.put("k", {"entity": str(tenant)})
            roots.append(cache.root())
        finally:
            current_tenant.reset(token)
    assert roots[0] != roots[1] and str(a) in str(roots[0]) and str(b) in str(roots[1])
    token = current_tenant.set(b)
    try:
        assert AnswerCache().get("k") == {"entity": str(b)}
    finally:
        current_tenant.reset(token)
