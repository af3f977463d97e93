"""The openai provider against a local server speaking the chat-completions protocol."""

from __future__ import annotations

import logging

import pytest
from fake_llm_server import FakeLLMServer

from autonomos.core.plugins import PluginHost
from autonomos.llm_providers.base import LLMError
from autonomos.llm_providers.openai import OpenAIProvider

SCHEMA = {"type": "object", "additionalProperties": False, "required": ["words", "first"],
          "properties": {"words": {"type": "integer"}, "first": {"type": "string"}}}


def _provider(server: FakeLLMServer, **kw: object) -> OpenAIProvider:
    return OpenAIProvider(api_key=server.key, base_url=server.url + "/v1", backoff=0.01, **kw)


def test_complete_sends_key_schema_and_prompt(server: FakeLLMServer) -> None:
    answer = _provider(server, model="gpt-test-mini").complete("count these four words", SCHEMA)
    assert answer == {"words": 4, "first": "count"}  # computed by the server from our prompt
    (req,) = server.posts()
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["authorization"] == f"Bearer {server.key}"
    body = req["json"]
    assert body["model"] == "gpt-test-mini" and body["temperature"] == 0
    assert body["response_format"] == {"type": "json_schema",
                                       "json_schema": {"name": "answer", "schema": SCHEMA, "strict": True}}
    assert body["messages"][-1] == {"role": "user", "content": "count these four words"}


def test_env_configuration(server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", server.key)
    monkeypatch.setenv("AUTONOMOS_OPENAI_BASE_URL", server.url + "/v1")
    monkeypatch.setenv("AUTONOMOS_LLM_MODEL", "gpt-test-large")
    provider = PluginHost(load_entrypoints=False).llm_providers()["openai"]  # as registered
    assert provider.complete("one two", SCHEMA) == {"words": 2, "first": "one"}
    assert server.posts()[0]["json"]["model"] == "gpt-test-large"


def test_tenant_secret_key(server: FakeLLMServer) -> None:
    provider = OpenAIProvider(base_url=server.url + "/v1").configured(secrets={"openai_api_key": server.key})
    assert provider.complete("a", SCHEMA)["words"] == 1


def test_models(server: FakeLLMServer) -> None:
    assert _provider(server).models() == ["gpt-test-large", "gpt-test-mini"]
    assert server.requests[-1]["path"] == "/v1/models"
    assert server.requests[-1]["headers"]["authorization"] == f"Bearer {server.key}"


def test_embed(server: FakeLLMServer) -> None:
    assert _provider(server).embed(["a b c", "xy"]) == [[5.0, 2.0], [2.0, 0.0]]
    assert server.posts()[0]["json"]["model"] == "text-embedding-3-small"


def test_429_waits_for_retry_after_then_succeeds(server: FakeLLMServer, caplog: pytest.LogCaptureFixture) -> None:
    server.fail_next(429, "Rate limit reached for requests", {"Retry-After": "1"})
    with caplog.at_level(logging.WARNING):
        assert _provider(server).complete("x y", SCHEMA) == {"words": 2, "first": "x"}
    first, second = server.posts()
    assert second["at"] - first["at"] >= 0.95  # Retry-After honoured, not the 10 ms backoff
    assert "openai: HTTP 429 from /v1/chat/completions (Retry-After 1); the SDK retries" in caplog.text
    assert server.key not in caplog.text


def test_500_then_success(server: FakeLLMServer) -> None:
    server.fail_next(500, "The server had an error while processing your request.")
    assert _provider(server).complete("x", SCHEMA)["words"] == 1
    assert len(server.posts()) == 2


def test_persistent_5xx_gives_up_with_status(server: FakeLLMServer) -> None:
    for _ in range(3):
        server.fail_next(503, "overloaded")
    with pytest.raises(LLMError, match=r"openai model 'gpt-4o-mini': HTTP 503: overloaded") as info:
        _provider(server, max_retries=2).complete("x", SCHEMA)
    assert info.value.status == 503 and len(server.posts()) == 3


def test_401_is_a_clear_error_without_retry_or_key(server: FakeLLMServer,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG), pytest.raises(LLMError) as info:
        OpenAIProvider(api_key="sk-wrong-key-987", base_url=server.url + "/v1").complete("x", SCHEMA)
    err = info.value
    assert err.status == 401 and err.provider == "openai" and err.model == "gpt-4o-mini"
    assert "Incorrect API key provided" in str(err) and "check OPENAI_API_KEY" in str(err)
    assert "sk-wrong-key-987" not in str(err) and "sk-wrong-key-987" not in caplog.text
    assert len(server.posts()) == 1


def test_json_schema_rejected_falls_back_to_json_object(server: FakeLLMServer) -> None:
    server.reject_json_schema = True
    provider = _provider(server)
    assert provider.complete("three little words", SCHEMA) == {"words": 3, "first": "three"}
    formats = [r["json"]["response_format"]["type"] for r in server.posts()]
    assert formats == ["json_schema", "json_object"]
    assert '"words"' in server.posts()[1]["json"]["messages"][0]["content"]  # schema spelled out
    provider.complete("again", SCHEMA)  # remembered: no second rejected attempt
    assert [r["json"]["response_format"]["type"] for r in server.posts()][2:] == ["json_object"]


def test_fallback_answer_is_validated(server: FakeLLMServer) -> None:
    server.reject_json_schema = True
    strict = {"type": "object", "required": ["count"], "properties": {"count": {"type": "integer"}}}
    with pytest.raises(LLMError, match=r"does not match the schema: \$.count: required"):
        _provider(server).complete("x", strict)


def test_unreachable_server(monkeypatch: pytest.MonkeyPatch) -> None:
    provider = OpenAIProvider(base_url="http://127.0.0.1:9/v1", max_retries=1, backoff=0.01, timeout=2)
    with pytest.raises(LLMError, match=r"cannot reach http://127.0.0.1:9/v1"):
        provider.complete("x", SCHEMA)
