"""The gemini provider (google-genai) against a local server speaking generateContent."""

from __future__ import annotations

import logging

import pytest
from fake_llm_server import FakeLLMServer

from autonomos.llm_providers.base import LLMError
from autonomos.llm_providers.gemini import GeminiProvider, to_gemini_schema

SCHEMA = {"type": "object", "additionalProperties": False, "required": ["words", "first"],
          "properties": {"words": {"type": "integer"}, "first": {"type": ["string", "null"]}}}


def _provider(server: FakeLLMServer, **kw: object) -> GeminiProvider:
    return GeminiProvider(api_key=server.key, base_url=server.url, backoff=0.01, **kw)


def test_generate_content_protocol(server: FakeLLMServer) -> None:
    answer = _provider(server, model="gemini-test-flash").complete("five words in this prompt", SCHEMA)
    assert answer == {"words": 5, "first": "five"}  # computed by the server from our prompt
    (req,) = server.posts()
    assert req["path"] == "/v1beta/models/gemini-test-flash:generateContent"
    assert req["headers"]["x-goog-api-key"] == server.key
    cfg = req["json"]["generationConfig"]
    assert cfg["responseMimeType"] == "application/json"
    assert cfg["responseSchema"]["type"] == "OBJECT"
    assert cfg["responseSchema"]["properties"]["first"] == {"type": "STRING", "nullable": True}
    assert req["json"]["contents"][0]["parts"][0]["text"] == "five words in this prompt"


def test_env_configuration(server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", server.key)
    monkeypatch.setenv("AUTONOMOS_GEMINI_BASE_URL", server.url)
    monkeypatch.setenv("AUTONOMOS_LLM_MODEL", "gemini-test-pro")
    assert GeminiProvider().complete("a b", SCHEMA)["words"] == 2
    assert server.posts()[0]["path"] == "/v1beta/models/gemini-test-pro:generateContent"


def test_models_lists_generation_models(server: FakeLLMServer) -> None:
    assert _provider(server).models() == ["gemini-test-flash", "gemini-test-pro"]
    assert server.requests[-1]["headers"]["x-goog-api-key"] == server.key


def test_embed(server: FakeLLMServer) -> None:
    assert _provider(server).embed(["a b", "ccc"]) == [[3.0, 1.0], [3.0, 0.0]]
    assert server.posts()[0]["path"] == "/v1beta/models/gemini-embedding-001:batchEmbedContents"


def test_429_then_success_honours_retry_after(server: FakeLLMServer, caplog: pytest.LogCaptureFixture) -> None:
    server.fail_next(429, "Resource has been exhausted (e.g. check quota).", {"Retry-After": "1"})
    with caplog.at_level(logging.WARNING):
        assert _provider(server).complete("x", SCHEMA)["words"] == 1
    first, second = server.posts()
    assert second["at"] - first["at"] >= 0.95
    assert "HTTP 429: Resource has been exhausted" in caplog.text


def test_500_then_success(server: FakeLLMServer) -> None:
    server.fail_next(500, "An internal error has occurred.")
    assert _provider(server).complete("x", SCHEMA)["words"] == 1
    assert len(server.posts()) == 2


def test_bad_key_is_a_clear_error(server: FakeLLMServer) -> None:
    with pytest.raises(LLMError) as info:
        GeminiProvider(api_key="wrong-key-42", base_url=server.url).complete("x", SCHEMA)
    err = info.value
    assert err.status == 401 and err.provider == "gemini" and err.model == "gemini-2.5-flash"
    assert "API key not valid" in str(err) and "GEMINI_API_KEY" in str(err)
    assert "wrong-key-42" not in str(err) and len(server.posts()) == 1


def test_to_gemini_schema() -> None:
    out = to_gemini_schema({"type": "object", "additionalProperties": False, "required": ["a"],
                            "properties": {"a": {"type": "array", "items": {"type": "string", "enum": ["x", None]}}}})
    assert out == {"type": "OBJECT", "required": ["a"], "propertyOrdering": ["a"],
                   "properties": {"a": {"type": "ARRAY", "items": {"type": "STRING", "nullable": True,
                                                                   "enum": ["x"]}}}}
