"""OpenAI and any OpenAI-compatible server (vLLM, Ollama, LM Studio, gateways), via the ``openai`` SDK.

Configuration (read when a call is made): key ``OPENAI_API_KEY`` (or tenant secret
``openai_api_key``), base URL ``AUTONOMOS_OPENAI_BASE_URL`` or ``OPENAI_BASE_URL`` (e.g.
``http://localhost:11434/v1`` for Ollama), model ``AUTONOMOS_LLM_MODEL`` (default
``gpt-4o-mini``), embeddings model ``AUTONOMOS_OPENAI_EMBED_MODEL``. A custom base URL may run
without a key (local servers usually ignore it).

Structured output asks for ``response_format={"type": "json_schema", "strict": true}``; a server
that rejects it (HTTP 400/404/422 mentioning the response format or schema) is asked again with
``{"type": "json_object"}`` and the schema spelled out in the prompt, and the answer is validated
here. The fallback is remembered per (base URL, model) for the life of the process.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from autonomos import hookimpl
from autonomos.core import settings
from autonomos.llm_providers.base import RETRY_STATUSES, LLMError, Provider, parse_answer, parse_retry_after

SYSTEM = ("You map data-source schemas onto a business ontology. Answer with one JSON object only, "
          "no prose, no code fences.")
_FALLBACK_HINTS = ("response_format", "json_schema", "schema", "structured", "not supported", "unsupported")


log = logging.getLogger(__name__)

class OpenAIProvider(Provider):
    """The ``openai`` provider (OpenAI's API or any server speaking its chat-completions protocol)."""

    name = "openai"
    key_env_vars = ("OPENAI_API_KEY",)
    secret_names = ("openai_api_key",)
    default_model = "gpt-4o-mini"
    sdk_retries = True  # the openai SDK's own retries (Retry-After-aware); see _client
    suggested_models = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1", "gpt-4.1-nano")
    default_embed_model = "text-embedding-3-small"

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._clients: dict[tuple[str | None, str | None, float], Any] = {}
        self._no_json_schema: set[tuple[str | None, str]] = set()
        self._lock = threading.Lock()

    def base_url(self) -> str | None:
        return self._base_url or settings.current().openai_base_url

    @property
    def key_required(self) -> bool:  # type: ignore[override]
        return self.base_url() is None  # local OpenAI-compatible servers rarely need one

    def _client(self, key: str | None) -> Any:
        import openai

        ident = (key, self.base_url(), self.timeout(), self.max_retries())
        with self._lock:
            client = self._clients.get(ident)
            if client is None:
                # The SDK retries 408/409/429/5xx and lost connections itself, honouring
                # Retry-After and retry-after-ms (sdk_retries: base.Provider does not retry again).
                client = openai.OpenAI(api_key=key or "not-needed", base_url=self.base_url(),
                                       timeout=self.timeout(), max_retries=self.max_retries(),
                                       http_client=openai.DefaultHttpxClient(
                                           event_hooks={"response": [self._log_failure]}))
                self._clients[ident] = client
            return client

    def _complete(self, prompt: str, schema: dict[str, Any], model: str, key: str | None) -> dict[str, Any]:
        client = self._client(key)
        mode = (self.base_url(), model)
        if mode not in self._no_json_schema:
            try:
                response = client.chat.completions.create(
                    model=model, temperature=0,
                    messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}],
                    response_format={"type": "json_schema",
                                     "json_schema": {"name": "answer", "schema": schema, "strict": True}})
                return self._parse(response, model)
            except Exception as exc:
                if not self._rejects_json_schema(exc):
                    raise
                self._no_json_schema.add(mode)
        response = client.chat.completions.create(
            model=model, temperature=0,
            messages=[{"role": "system", "content": SYSTEM + " The object must match this JSON schema: "
                       + json.dumps(schema, separators=(",", ":"))},
                      {"role": "user", "content": prompt}],
            response_format={"type": "json_object"})
        return self._parse(response, model)

    def _rejects_json_schema(self, exc: Exception) -> bool:
        import openai

        if not isinstance(exc, openai.APIStatusError) or exc.status_code not in (400, 404, 422):
            return False
        return any(h in _message(exc).lower() for h in _FALLBACK_HINTS)

    def _parse(self, response: Any, model: str) -> dict[str, Any]:
        try:
            choice = response.choices[0]
            text = choice.message.content
        except (AttributeError, IndexError, TypeError):
            raise LLMError(self.name, model, "the response has no choices[0].message.content") from None
        refusal = getattr(choice.message, "refusal", None)
        if refusal:
            raise LLMError(self.name, model, f"the model refused: {refusal}")
        return parse_answer(self.name, model, text, choice.finish_reason)

    def _list_models(self, key: str | None) -> list[str]:
        return sorted(m.id for m in self._client(key).models.list())

    def embed(self, texts: list[str], model: str | None = None) -> list[list[float]]:
        """Embedding vectors, one per text, in order."""
        model_id = model or settings.current().openai_embed_model or self.default_embed_model
        key = self.api_key(model_id)

        def call() -> list[list[float]]:
            data = self._client(key).embeddings.create(model=model_id, input=list(texts)).data
            return [list(d.embedding) for d in sorted(data, key=lambda d: d.index)]

        return self._with_retries(call, model_id, key)

    def _log_failure(self, response: Any) -> None:
        """A warning per failed HTTP attempt (the SDK logs its retries at INFO only); no key or body."""
        if response.status_code >= 400:
            wait = response.headers.get("retry-after-ms") or response.headers.get("retry-after")
            log.warning("%s: HTTP %d from %s%s%s", self.name, response.status_code, response.request.url.path,
                        f" (Retry-After {wait})" if wait else "",
                        "; the SDK retries" if response.status_code in RETRY_STATUSES else "")

    def _classify(self, exc: Exception) -> tuple[int | None, str, float | None, bool] | None:
        import openai

        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            return status, _message(exc), parse_retry_after(dict(exc.response.headers)), status in RETRY_STATUSES
        if isinstance(exc, openai.APITimeoutError):
            return None, f"no answer within {self.timeout():.0f}s (AUTONOMOS_LLM_TIMEOUT)", None, True
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc
            return None, f"cannot reach {self.base_url() or 'api.openai.com'}: {cause}", None, True
        return None


def _message(exc: Any) -> str:
    """The API's own error message (``{"error": {"message": ...}}``), else the SDK's text."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
    return str(getattr(exc, "message", "") or exc)


@hookimpl
def register_llm_providers(register: Any) -> None:
    register(OpenAIProvider())
