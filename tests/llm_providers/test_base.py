"""Provider base: key resolution, Retry-After parsing, backoff, answer validation, safe repr."""

from __future__ import annotations

import email.utils
import time

import pytest

from autonomos.llm_providers.base import (LLMError, backoff_delay, parse_retry_after, resolve_key,
                                          validate_json)
from autonomos.llm_providers.gemini import GeminiProvider
from autonomos.llm_providers.openai import OpenAIProvider


def test_key_resolves_explicit_then_tenant_secret_then_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    names, env = ("openai_api_key",), ("OPENAI_API_KEY",)
    assert resolve_key("explicit", {"openai_api_key": "secret"}, names, env) == "explicit"
    assert resolve_key(None, {"openai_api_key": "secret"}, names, env) == "secret"
    assert resolve_key(None, {"openai_api_key": "  "}, names, env) == "from-env"
    assert resolve_key(None, None, names, env) == "from-env"
    monkeypatch.delenv("OPENAI_API_KEY")
    assert resolve_key(None, {}, names, env) is None


def test_provider_key_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "google")
    assert GeminiProvider().api_key() == "google"
    monkeypatch.setenv("GEMINI_API_KEY", "gemini")  # listed first: wins over GOOGLE_API_KEY
    assert GeminiProvider().api_key() == "gemini"
    assert GeminiProvider().configured(secrets={"gemini_api_key": "tenant"}).api_key() == "tenant"
    assert GeminiProvider(api_key="mine", secrets={"gemini_api_key": "tenant"}).api_key() == "mine"


def test_missing_key_names_the_variable_to_set() -> None:
    with pytest.raises(LLMError, match="no API key: set OPENAI_API_KEY") as info:
        OpenAIProvider().complete("hi", {"type": "object"})
    assert info.value.provider == "openai" and info.value.model == "gpt-4o-mini" and info.value.status is None
    with pytest.raises(LLMError, match="set GEMINI_API_KEY or GOOGLE_API_KEY"):
        GeminiProvider().models()


def test_openai_compatible_base_url_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTONOMOS_OPENAI_BASE_URL", "http://localhost:11434/v1")
    provider = OpenAIProvider()
    assert provider.base_url() == "http://localhost:11434/v1" and provider.api_key() is None
    monkeypatch.delenv("AUTONOMOS_OPENAI_BASE_URL")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://vllm:8000/v1")
    assert OpenAIProvider().base_url() == "http://vllm:8000/v1"
    assert OpenAIProvider(base_url="http://x/v1").base_url() == "http://x/v1"


def test_model_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    assert OpenAIProvider().model() == "gpt-4o-mini" and GeminiProvider().model() == "gemini-2.5-flash"
    monkeypatch.setenv("AUTONOMOS_LLM_MODEL", "llama3.1")
    assert OpenAIProvider().model() == "llama3.1"
    assert OpenAIProvider(model="m2").model() == "m2" and OpenAIProvider().model("m3") == "m3"


def test_repr_and_error_never_show_the_key() -> None:
    provider = OpenAIProvider(api_key="sk-very-secret")
    assert "sk-very-secret" not in repr(provider)
    err = provider._masked(LLMError("openai", "m", "bad key sk-very-secret given", 401), "sk-very-secret")
    assert "sk-very-secret" not in str(err) and "***" in str(err) and err.status == 401


def test_parse_retry_after() -> None:
    assert parse_retry_after({"Retry-After": "7"}) == 7.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= parse_retry_after({"Retry-After": date}, now=now) <= 31
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None and parse_retry_after(None) is None


def test_backoff_is_exponential_with_jitter_and_honours_retry_after() -> None:
    for attempt in range(4):
        delays = [backoff_delay(attempt, 0.5, 30.0, None) for _ in range(50)]
        full = 0.5 * 2 ** attempt
        assert all(full / 2 <= d <= full for d in delays)
        assert len(set(delays)) > 1  # jitter
    assert backoff_delay(0, 0.5, 30.0, 4.0) == 4.0
    assert backoff_delay(0, 0.5, 30.0, 120.0) == 30.0  # capped
    assert backoff_delay(10, 0.5, 30.0, None) <= 30.0


def test_validate_json_reports_paths() -> None:
    schema = {"type": "object", "additionalProperties": False, "required": ["a", "items"],
              "properties": {"a": {"type": "string", "enum": ["x", "y"]},
                             "items": {"type": "array", "items": {"type": "object", "required": ["n"],
                                                                  "properties": {"n": {"type": "number"}}}},
                             "maybe": {"type": ["integer", "null"]}}}
    assert validate_json({"a": "x", "items": [{"n": 1.5}], "maybe": None}, schema) == []
    problems = validate_json({"a": "z", "items": [{"n": "1"}, {}], "extra": 1, "maybe": True}, schema)
    assert "$.a: 'z' is not one of ['x', 'y']" in problems
    assert "$.items[0].n: expected number, got str" in problems
    assert "$.items[1].n: required" in problems
    assert "$.extra: not allowed" in problems
    assert "$.maybe: expected integer/null, got bool" in problems
    assert validate_json([], schema) == ["$: expected object, got list"]


def test_bad_timeout_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTONOMOS_LLM_TIMEOUT", "fast")
    with pytest.raises(LLMError, match="AUTONOMOS_LLM_TIMEOUT='fast' is not a number"):
        OpenAIProvider().timeout()
