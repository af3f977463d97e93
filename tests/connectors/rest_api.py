"""A real local HTTP API for the ``rest`` connector's tests (stdlib ``http.server`` in a thread).

Each test declares the routes it needs: ``api.route("/items")(handler)``; a handler receives a
:class:`Req` (method, path, query, headers, form body) and returns ``(status, body, headers)``
(``body``: an object sent as JSON, or ``str``/``bytes`` sent as they are). Every request is
logged in ``api.log``; the server speaks HTTP/1.1 over real sockets, so httpx runs unmocked.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import attrs


@attrs.define
class Req:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]
    at: float

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


Handler = Callable[[Req], tuple[int, Any, dict[str, str]]]


class FakeAPI:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.log: list[Req] = []
        api = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                req = Req(method=self.command, path=parts.path,
                          query={k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                          headers={k.lower(): v for k, v in self.headers.items()},
                          form={k: v[0] for k, v in parse_qs(raw).items()}, at=time.monotonic())
                api.log.append(req)
                handler = api.match(parts.path)
                if handler is None:
                    status, body, headers = 404, {"error": "no such route"}, {}
                else:
                    status, body, headers = handler(req)
                if isinstance(body, bytes):
                    data = body
                elif isinstance(body, str):
                    data = body.encode()
                else:
                    data = json.dumps(body).encode()
                    headers = {"Content-Type": "application/json", **headers}
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _serve
            do_POST = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def match(self, path: str) -> Handler | None:
        if path in self.routes:
            return self.routes[path]
        for pattern, handler in self.routes.items():  # "/accounts/*/contacts"
            if "*" in pattern:
                a, b = pattern.split("/"), path.split("/")
                if len(a) == len(b) and all(x == "*" or x == y for x, y in zip(a, b)):
                    return handler
        return None

    def route(self, path: str) -> Callable[[Handler], Handler]:
        def add(fn: Handler) -> Handler:
            self.routes[path] = fn
            return fn
        return add

    def calls(self, path: str) -> list[Req]:
        return [r for r in self.log if r.path == path]

    def start(self) -> FakeAPI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def records(n: int, start: int = 1) -> list[dict[str, Any]]:
    """``n`` customer-like records with ids from ``start`` and increasing ``updated_at``."""
    return [{"id": i, "name": f"Customer {i}", "email": f"c{i}@example.com", "active": i % 2 == 0,
             "address": {"city": f"City {i % 3}", "zip": f"{10000 + i}"}, "tags": ["a", str(i)],
             "updated_at": f"2024-01-{1 + (i - 1) // 10:02d}T00:00:{(i - 1) % 60:02d}Z"}
            for i in range(start, start + n)]
