"""The per-run LLM override (core.settings.using_llm) as the map stage uses it: concurrent runs in
one process each reach the LLM with their own key and model, through the mapper threads of
core.pipeline.map, without touching os.environ."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from autonomos.core.models import Field, MappingSettings, TableSchema
from autonomos.core.ontology import CRM_FINANCE
from autonomos.core.pipeline.map import map_table
from autonomos.core.plugins import get_host
from autonomos.core.settings import LLMChoice, using_llm
from autonomos.llm_providers.base import LLMError
from autonomos.mappers.llm import AnswerCache, LLMMapper
from tests.server.llm.support import KA as GOOD
from tests.server.llm.support import FakeLLMServer, auth_by_table


def _table(name: str) -> TableSchema:
    return TableSchema(name, [Field("hdl", "VARCHAR", ["Acme"]), Field("zq_amt", "DOUBLE", [12.5])])


def test_concurrent_runs_use_their_own_keys(llm: FakeLLMServer, tmp_path: Path) -> None:
    env_before = dict(os.environ)
    n = 8
    start = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            mapper = LLMMapper(cache=AnswerCache(tmp_path / f"cache{i}"))
            key = GOOD if i == 0 else f"sk-run-{i}-key"
            start.wait()
            with using_llm(LLMChoice("openai", f"model-{i}", key)):
                map_table(_table(f"opportunity_{i}"), CRM_FINANCE, MappingSettings(use_llm=True), "src",
                          mappers=[mapper])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    seen = auth_by_table(llm)
    assert seen == {f"opportunity_{i}": {f"Bearer {GOOD if i == 0 else f'sk-run-{i}-key'}"} for i in range(n)}
    models = {r["json"]["model"] for r in llm.posts()}
    assert models == {f"model-{i}" for i in range(n)}
    assert dict(os.environ) == env_before


def test_override_replaces_the_environment(llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AUTONOMOS_LLM_PROVIDER", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", GOOD)
    mapper = LLMMapper(cache=AnswerCache(tmp_path))
    with using_llm(LLMChoice(provider=None)):  # the organization has no LLM: the env's is not used
        provider, why = mapper.provider()
        assert provider is None and "organization" in str(why)
        tm = mapper.map_table(_table("opportunity_x"), CRM_FINANCE)
        assert tm.entity is None
    assert llm.requests == []
    openai = get_host().llm_providers()["openai"]
    with using_llm(LLMChoice("openai", None, None, env_keys=False)):  # its own settings, no key
        assert openai.model() == "gpt-4o-mini"  # AUTONOMOS_LLM_MODEL does not apply either
    gemini = get_host().llm_providers()["gemini"]
    monkeypatch.setenv("GEMINI_API_KEY", "server-gemini-key")
    with using_llm(LLMChoice("gemini", None, None, env_keys=False)):
        with pytest.raises(LLMError, match="organization's LLM settings"):
            gemini.api_key()
    with using_llm(LLMChoice("gemini", None, None, env_keys=True)):  # the server default: env keys allowed
        assert gemini.api_key() == "server-gemini-key"
    with using_llm(LLMChoice("openai", None, "sk-org")):
        assert openai.api_key() == "sk-org"
        assert gemini.configured(api_key="explicit").api_key() == "explicit"  # explicit still wins
        with pytest.raises(LLMError):
            gemini.api_key()  # the organization's key belongs to its provider only
    assert openai.api_key() == GOOD  # outside any override: the environment, as before
