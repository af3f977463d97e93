"""The fake OpenAI-protocol server as the server-level base URL, with no LLM default configured."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.server.llm.support import KA, LLM_ENV, FakeLLMServer


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLMServer]:
    for name in LLM_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTONOMOS_LLM_MAX_RETRIES", "0")
    with FakeLLMServer(key=KA) as srv:
        monkeypatch.setenv("AUTONOMOS_OPENAI_BASE_URL", srv.url + "/v1")
        yield srv
