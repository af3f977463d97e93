"""Shared by the LLM tests: the fake OpenAI server on the import path, its key, and a reader of
which key it saw for which table."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "llm_providers"))

from fake_llm_server import FakeLLMServer  # noqa: E402,F401

KA = "sk-alpha-0123456789abcdef"  # the key the fake server accepts (organization A's in the API tests)
LLM_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AUTONOMOS_OPENAI_BASE_URL", "GEMINI_API_KEY", "GOOGLE_API_KEY",
           "AUTONOMOS_GEMINI_BASE_URL", "AUTONOMOS_LLM_PROVIDER", "AUTONOMOS_LLM_MODEL", "AUTONOMOS_LLM_SAMPLES",
           "AUTONOMOS_LLM_CACHE", "AUTONOMOS_LLM_TIMEOUT", "AUTONOMOS_LLM_MAX_RETRIES")


def auth_by_table(srv: FakeLLMServer) -> dict[str, set[str]]:
    """The Authorization headers the fake server saw for mapping prompts, by the prompt's table."""
    seen: dict[str, set[str]] = {}
    for req in srv.posts():
        prompt = req["json"]["messages"][-1]["content"]
        table = json.loads(prompt.split("<table>")[1].split("</table>")[0])["table"]
        seen.setdefault(table, set()).add(req["headers"].get("authorization", ""))
    return seen
