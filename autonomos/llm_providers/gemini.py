"""Google Gemini via the ``google-genai`` SDK (the Gemini Developer API, ``generateContent``).

Configuration (read when a call is made): key ``GEMINI_API_KEY`` or ``GOOGLE_API_KEY`` (or tenant
secret ``gemini_api_key``), model ``AUTONOMOS_LLM_MODEL`` (default ``gemini-2.5-flash``), base
URL ``AUTONOMOS_GEMINI_BASE_URL`` (a proxy or a test server; default: Google's endpoint),
embeddings model ``AUTONOMOS_GEMINI_EMBED_MODEL``.

Structured output uses ``response_mime_type="application/json"`` and ``response_schema``; the
JSON schema is translated to Gemini's OpenAPI subset (``["string", "null"]`` → ``nullable``,
``additionalProperties`` dropped) and the answer is still validated against the original.
"""

from __future__ import annotations

import threading
from typing import Any

from autonomos import hookimpl
from autonomos.core import settings
from autonomos.llm_providers.base import RETRY_STATUSES, Provider, parse_answer, parse_retry_after

SYSTEM = ("You map data-source schemas onto a business ontology. Answer with one JSON object only, "
          "no prose.")


def to_gemini_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema (the subset ``base.validate_json`` checks) as a Gemini ``Schema`` dict."""
    out: dict[str, Any] = {}
    types = schema.get("type")
    if isinstance(types, list):
        real = [t for t in types if t != "null"]
        if len(types) != len(real):
            out["nullable"] = True
        types = real[0] if real else "string"
    if types:
        out["type"] = str(types).upper()
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        if len(values) != len(schema["enum"]):
            out["nullable"] = True
        out["enum"] = [str(v) for v in values]
    if "description" in schema:
        out["description"] = schema["description"]
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {k: to_gemini_schema(v) for k, v in schema["properties"].items()}
        out["propertyOrdering"] = list(schema["properties"])
    if schema.get("required"):
        out["required"] = list(schema["required"])
    if isinstance(schema.get("items"), dict):
        out["items"] = to_gemini_schema(schema["items"])
    return out


class GeminiProvider(Provider):
    """The ``gemini`` provider."""

    name = "gemini"
    key_env_vars = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    secret_names = ("gemini_api_key",)
    default_model = "gemini-2.5-flash"
    suggested_models = ("gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro")
    default_embed_model = "gemini-embedding-001"

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._clients: dict[tuple[str | None, str | None, float], Any] = {}
        self._lock = threading.Lock()

    def base_url(self) -> str | None:
        return self._base_url or settings.current().gemini_base_url

    def _client(self, key: str | None) -> Any:
        from google import genai
        from google.genai import types

        ident = (key, self.base_url(), self.timeout())
        with self._lock:
            client = self._clients.get(ident)
            if client is None:
                # No retry_options: the SDK then tries once and our policy (base.Provider) retries.
                options = types.HttpOptions(base_url=self.base_url(), api_version="v1beta",
                                            timeout=int(self.timeout() * 1000))
                client = genai.Client(api_key=key, vertexai=False, http_options=options)
                self._clients[ident] = client
            return client

    def _complete(self, prompt: str, schema: dict[str, Any], model: str, key: str | None) -> dict[str, Any]:
        from google.genai import types

        config = types.GenerateContentConfig(
            system_instruction=SYSTEM, temperature=0, response_mime_type="application/json",
            response_schema=types.Schema.model_validate(to_gemini_schema(schema)))
        response = self._client(key).models.generate_content(model=model, contents=prompt, config=config)
        text = _text(response)
        return parse_answer(self.name, model, text, None if text else _finish_reason(response))

    def _list_models(self, key: str | None) -> list[str]:
        names = []
        for m in self._client(key).models.list():
            actions = getattr(m, "supported_actions", None)
            if actions and "generateContent" not in actions:
                continue
            names.append(str(m.name).removeprefix("models/"))
        return sorted(names)

    def embed(self, texts: list[str], model: str | None = None) -> list[list[float]]:
        """Embedding vectors, one per text, in order."""
        model_id = model or settings.current().gemini_embed_model or self.default_embed_model
        key = self.api_key(model_id)

        def call() -> list[list[float]]:
            result = self._client(key).models.embed_content(model=model_id, contents=list(texts))
            return [list(e.values or []) for e in result.embeddings or []]

        return self._with_retries(call, model_id, key)

    def _classify(self, exc: Exception) -> tuple[int | None, str, float | None, bool] | None:
        from google.genai import errors

        if isinstance(exc, errors.APIError):
            headers = getattr(getattr(exc, "response", None), "headers", None)
            status = exc.code
            return (status, exc.message or str(exc), parse_retry_after(dict(headers) if headers else None),
                    status in RETRY_STATUSES)
        if isinstance(exc, _transport_errors("TimeoutException")):
            return None, f"no answer within {self.timeout():.0f}s (AUTONOMOS_LLM_TIMEOUT)", None, True
        if isinstance(exc, _transport_errors("TransportError")):
            return None, f"cannot reach {self.base_url() or 'generativelanguage.googleapis.com'}: {exc}", None, True
        return None


def _transport_errors(name: str) -> tuple[type, ...]:
    """``httpx.<name>`` and ``httpx2.<name>``: google-genai uses whichever is installed."""
    import importlib

    found = []
    for module in ("httpx", "httpx2"):
        try:
            found.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def _text(response: Any) -> str:
    """candidates[0].content.parts[*].text joined (``response.text`` warns on non-text parts)."""
    try:
        parts = response.candidates[0].content.parts or []
    except (AttributeError, IndexError, TypeError):
        return ""
    return "".join(p.text for p in parts if getattr(p, "text", None)).strip()


def _finish_reason(response: Any) -> str:
    try:
        return str(response.candidates[0].finish_reason)
    except (AttributeError, IndexError, TypeError):
        feedback = getattr(response, "prompt_feedback", None)
        return f"no candidates; prompt_feedback={feedback}" if feedback else "no candidates"


@hookimpl
def register_llm_providers(register: Any) -> None:
    register(GeminiProvider())
