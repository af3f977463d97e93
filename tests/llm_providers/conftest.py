"""Fixtures: a fake OpenAI/Gemini server and an environment without real LLM settings."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_llm_server import FakeLLMServer  # noqa: E402

LLM_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AUTONOMOS_OPENAI_BASE_URL", "GEMINI_API_KEY",
           "GOOGLE_API_KEY", "AUTONOMOS_GEMINI_BASE_URL", "AUTONOMOS_LLM_PROVIDER", "AUTONOMOS_LLM_MODEL",
           "AUTONOMOS_LLM_SAMPLES", "AUTONOMOS_LLM_CACHE", "AUTONOMOS_LLM_TIMEOUT", "AUTONOMOS_LLM_MAX_RETRIES",
           "GOOGLE_GENAI_USE_VERTEXAI")


@pytest.fixture(autouse=True)
def clean_llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LLM_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(key="sk-test-0123456789") as srv:
        yield srv
