"""A local HTTP server speaking the OpenAI and Gemini wire protocols, for tests.

It is a real server on a free port (``http.server`` in a thread): the SDKs talk HTTP to it
exactly as they would to the vendors. It checks the auth header, records every request, can be
told to fail the next calls (``fail_next``) or to reject ``json_schema`` response formats, and
computes its answer from the request:

- a mapping prompt (``<ontology>…</ontology>`` and ``<table>…</table>`` JSON sections, as the
  ``llm`` mapper writes them) gets a mapping computed by :func:`fake_mapping`;
- any other prompt gets ``{"words": <word count>, "first": <first word>}``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The fake model's "world knowledge": abbreviations a lexicon-based heuristic does not know, one
# it agrees on (prob) and one it gets wrong on purpose (close_dt), to exercise the host's rules.
GLOSSARY = {"hdl": "name", "zq_amt": "amount", "cst_nm": "name", "prob": "probability",
            "close_dt": "created_at"}


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def _section(prompt: str, tag: str) -> Any:
    m = re.search(rf"<{tag}>\s*(.*?)\s*</{tag}>", prompt, re.S)
    return json.loads(m.group(1)) if m else None


def fake_mapping(prompt: str) -> dict[str, Any] | None:
    """A deterministic mapping computed from the prompt's ontology and table sections."""
    onto, table = _section(prompt, "ontology"), _section(prompt, "table")
    if onto is None or table is None:
        return None
    tname = _norm(table["table"])
    entity = next((e for e in onto if _norm(e["entity"]) in tname), onto[0] if len(onto) == 1 else None)
    if entity is None:
        return {"entity": "none", "entity_confidence": 0.8, "entity_reason": "no entity in the table name",
                "fields": []}
    canon = {_norm(f["name"]): f["name"] for f in entity["fields"]}
    fields = []
    for f in table["fields"]:
        name = f["name"]
        target = GLOSSARY.get(name.lower()) or canon.get(_norm(name))
        if target is None and any("@" in str(s) for s in f.get("samples", [])) and "email" in canon:
            target = "email"
        if target is not None and _norm(target) in canon:
            fields.append({"field": name, "canonical": target, "confidence": 0.97,
                           "reason": f"'{name}' reads as {target}"})
        else:
            fields.append({"field": name, "canonical": "none", "confidence": 0.6, "reason": "no match"})
    return {"entity": entity["entity"], "entity_confidence": 0.95,
            "entity_reason": f"table name '{table['table']}' names {entity['entity']}", "fields": fields}


def answer_for(prompt: str) -> dict[str, Any]:
    mapped = fake_mapping(prompt)
    if mapped is not None:
        return mapped
    words = prompt.split()
    return {"words": len(words), "first": words[0] if words else ""}


class FakeLLMServer:
    """``with FakeLLMServer(key="k") as srv:`` → ``srv.url`` is ``http://127.0.0.1:<port>``."""

    def __init__(self, key: str = "test-key", reject_json_schema: bool = False):
        self.key = key
        self.reject_json_schema = reject_json_schema
        self.requests: list[dict[str, Any]] = []
        self._failures: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self._lock = threading.Lock()
        self.models = ["gpt-test-mini", "gpt-test-large"]
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        """Queue an error answer for the next POST (in the protocol's own error format)."""
        self._failures.append((status, {"message": message}, headers or {}))

    def posts(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST"]

    # -- protocol --------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _record(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                rec = {"method": self.command, "path": self.path,
                       "headers": {k.lower(): v for k, v in self.headers.items()},
                       "json": json.loads(raw) if raw else None, "at": time.monotonic()}
                with server._lock:
                    server.requests.append(rec)
                return rec

            def _gemini(self) -> bool:
                return self.path.startswith("/v1beta/")

            def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
                if self._gemini():
                    names = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                             429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
                    body = {"error": {"code": status, "message": message, "status": names.get(status, "UNKNOWN")}}
                else:
                    body = {"error": {"message": message, "type": "invalid_request_error", "param": None,
                                      "code": "invalid_api_key" if status == 401 else None}}
                self._send(status, body, headers)

            def _authorized(self) -> bool:
                if self._gemini():
                    got = self.headers.get("x-goog-api-key")
                    if got != server.key:
                        self._error(400 if got is None else 401, "API key not valid. Please pass a valid API key.")
                        return False
                    return True
                got = self.headers.get("Authorization", "")
                if got != f"Bearer {server.key}":
                    shown = got.removeprefix("Bearer ")
                    self._error(401, f"Incorrect API key provided: {shown}. You can find your API key at "
                                     "https://platform.openai.com/account/api-keys.")
                    return False
                return True

            def do_GET(self) -> None:  # noqa: N802
                self._record()
                if not self._authorized():
                    return
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, {"object": "list", "data": [
                        {"id": m, "object": "model", "created": 0, "owned_by": "test"} for m in server.models]})
                elif self.path.startswith("/v1beta/models"):
                    self._send(200, {"models": [
                        {"name": "models/gemini-test-flash", "supportedGenerationMethods": ["generateContent"]},
                        {"name": "models/gemini-test-pro", "supportedGenerationMethods": ["generateContent"]},
                        {"name": "models/test-embedding", "supportedGenerationMethods": ["embedContent"]}]})
                else:
                    self._error(404, f"no route {self.path}")

            def do_POST(self) -> None:  # noqa: N802
                rec = self._record()
                with server._lock:
                    failure = server._failures.pop(0) if server._failures else None
                if failure is not None:
                    status, body, headers = failure
                    self._error(status, body["message"], headers)
                    return
                if not self._authorized():
                    return
                body = rec["json"] or {}
                if self.path == "/v1/chat/completions":
                    self._chat(body)
                elif self.path == "/v1/embeddings":
                    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    self._send(200, {"object": "list", "model": body["model"], "data": [
                        {"object": "embedding", "index": i, "embedding": [float(len(t)), float(t.count(" "))]}
                        for i, t in enumerate(inputs)], "usage": {"prompt_tokens": 1, "total_tokens": 1}})
                elif re.fullmatch(r"/v1beta/models/([^/:]+):batchEmbedContents", self.path):
                    texts = ["".join(p.get("text", "") for p in r["content"]["parts"]) for r in body["requests"]]
                    self._send(200, {"embeddings": [{"values": [float(len(t)), float(t.count(" "))]}
                                                    for t in texts]})
                elif m := re.fullmatch(r"/v1beta/models/([^/:]+):generateContent", self.path):
                    self._generate(m.group(1), body)
                else:
                    self._error(404, f"no route {self.path}")

            def _chat(self, body: dict[str, Any]) -> None:
                fmt = (body.get("response_format") or {}).get("type")
                if fmt == "json_schema" and server.reject_json_schema:
                    self._error(400, "Invalid parameter: 'response_format' of type 'json_schema' is not "
                                     "supported with this model.")
                    return
                if fmt not in ("json_schema", "json_object"):
                    self._error(400, "this fake only answers structured requests")
                    return
                prompt = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
                text = json.dumps(answer_for(prompt))
                self._send(200, {
                    "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                    "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                                 "message": {"role": "assistant", "content": text, "refusal": None}}],
                    "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": 1, "total_tokens": 1}})

            def _generate(self, model: str, body: dict[str, Any]) -> None:
                cfg = body.get("generationConfig") or {}
                if cfg.get("responseMimeType") != "application/json" or "responseSchema" not in cfg:
                    self._error(400, "this fake only answers JSON-mode requests with a responseSchema")
                    return
                prompt = "".join(p.get("text", "") for c in body["contents"] for p in c.get("parts", []))
                self._send(200, {
                    "candidates": [{"content": {"role": "model", "parts": [{"text": json.dumps(answer_for(prompt))}]},
                                    "finishReason": "STOP", "index": 0}],
                    "modelVersion": model,
                    "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2}})

        return Handler
