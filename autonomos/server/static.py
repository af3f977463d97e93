"""The web console: files of ``static/`` with a single-page-app fallback to ``index.html``.

Served only for GET/HEAD paths that no route claims and that are outside the API namespaces
(:data:`RESERVED`), so an unknown ``/api/...`` URL still answers a 404 problem, never HTML.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from litestar import Request, Response

RESERVED = ("/api", "/dcl", "/aoa", "/schema", "/ws", "/health", "/ready", "/metrics")


PLACEHOLDER = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>AutonomOS</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>AutonomOS</h1>
<p>The API is running, but the web console has not been built (run <code>scripts/build-frontend.sh</code>,
or <code>./start.sh</code>, which builds it).</p>
<p>API documentation: <a href="/schema/swagger">Swagger UI</a> · <a href="/schema/redoc">ReDoc</a> ·
<a href="/schema/openapi.json">OpenAPI JSON</a>. Health: <a href="/health">/health</a>,
readiness: <a href="/ready">/ready</a>.</p>
</body>
</html>
"""


class ConsoleFiles:
    """``static/`` is build output (git-ignored); without a build, the app shell is a page that
    says how to build the console."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.index = self.root / "index.html"

    @property
    def enabled(self) -> bool:
        return True

    def response_for(self, request: Request) -> Response | None:
        """The file or the index for this request, or None when the console must not answer."""
        path = request.url.path
        if request.method not in ("GET", "HEAD") or not self.enabled:
            return None
        if any(path == r or path.startswith(r + "/") for r in RESERVED):
            return None
        candidate = (self.root / path.lstrip("/")).resolve()
        if candidate.is_file() and candidate.is_relative_to(self.root) and candidate != self.index:
            immutable = "/assets/" in path  # Vite fingerprints these names
            return _file(candidate, "public, max-age=31536000, immutable" if immutable else "no-cache")
        if Path(path).suffix and Path(path).suffix != ".html":
            return None  # a missing asset is a 404, not the app shell
        if not self.index.is_file():
            return Response(PLACEHOLDER, media_type="text/html", headers={"Cache-Control": "no-cache"})
        return _file(self.index, "no-cache")


def _file(path: Path, cache: str) -> Response:
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Response(path.read_bytes(), media_type=media, headers={"Cache-Control": cache})
