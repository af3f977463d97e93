"""RFC 9457 problem details for every error the API returns.

Body (``application/problem+json``)::

    {"type": "urn:autonomos:problem:validation", "title": "Validation failed", "status": 422,
     "detail": "…", "instance": "/api/v1/auth/register",
     "errors": [{"field": "email", "message": "is not an email address"}]}

``type`` is ``about:blank`` for plain HTTP statuses and ``urn:autonomos:problem:<slug>`` where
the problem has its own meaning. Raise :class:`Problem` (or one of its helpers) from handlers and
services; Litestar's own exceptions (404 routes, 405, 413, validation) and engine errors
(:class:`~autonomos.core.errors.AutonomosError`) are converted by :data:`exception_handlers`.

Status conventions: 400 malformed request (bad JSON, wrong type, unknown field); 422 well-formed
but invalid values; 401 no/invalid credentials; 403 authenticated but not allowed (role, scope,
CSRF); 404 missing **or belonging to another tenant** (never 403 for that); 409 conflict;
413 body too large; 429 throttled (with ``Retry-After``).
"""

from __future__ import annotations

import http
import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec

from autonomos.core.errors import AutonomosError, CatalogBusyError, ConfigError

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
URN = "urn:autonomos:problem:"


class FieldError(msgspec.Struct):
    field: str
    message: str


class ProblemDetails(msgspec.Struct, omit_defaults=True):
    """The error body, declared so OpenAPI documents it for the typed client."""

    type: str
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    errors: list[FieldError] = []


class Problem(HTTPException):
    """An HTTP error with a problem-details body."""

    def __init__(self, status: int, detail: str = "", *, slug: str | None = None, title: str | None = None,
                 errors: list[FieldError] | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail=detail or http.HTTPStatus(status).phrase, status_code=status, headers=headers)
        self.slug = slug
        self.title = title or http.HTTPStatus(status).phrase
        self.errors = errors or []


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI ``responses=`` entries documenting problem-details bodies for ``statuses``."""
    # generate_examples=False: Litestar's generated examples are random, which would make the
    # schema (and the console's generated client) differ on every build
    return {s: ResponseSpec(data_container=ProblemDetails, media_type=MEDIA_TYPE, generate_examples=False,
                            description=http.HTTPStatus(s).phrase) for s in statuses}


def not_found(what: str = "resource") -> Problem:
    """404 for a missing resource — and for another tenant's, which must look the same."""
    return Problem(404, f"{what} not found")


def invalid(field: str, message: str) -> Problem:
    """422 naming the offending field."""
    return Problem(422, f"{field}: {message}", slug="validation", title="Validation failed",
                   errors=[FieldError(field, message)])


def _body(request: Request, status: int, *, detail: str, slug: str | None = None, title: str | None = None,
          errors: list[FieldError] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"{URN}{slug}" if slug else "about:blank",
        "title": title or http.HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    return body


def _respond(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    return Response(body, status_code=body["status"], media_type=MEDIA_TYPE, headers=headers)


_PATH_RE = re.compile(r"at `\$\.?([^`]*)`")


def _validation_errors(exc: ValidationException) -> list[FieldError]:
    """Field errors from Litestar's ``extra`` list (``{"message", "key", "source"}``)."""
    found: list[FieldError] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "invalid"))
        key = item.get("key")
        if not key:
            m = _PATH_RE.search(message)
            key = m.group(1) if m else (item.get("source") or "body")
        found.append(FieldError(str(key), message))
    return found


def _handle_validation(request: Request, exc: ValidationException) -> Response:
    errors = _validation_errors(exc)
    detail = str(exc.detail or "invalid request")
    # Malformed JSON has no field to name; a body that parsed but breaks the schema does (422).
    malformed = not errors or any(e.message.startswith(("JSON is malformed", "Input data was truncated"))
                                  for e in errors)
    if malformed:
        return _respond(_body(request, 400, detail=detail, slug="malformed", title="Malformed request"))
    status = 400 if "unknown field" in detail.lower() or any("Object contains unknown field" in e.message
                                                               for e in errors) else 422
    return _respond(_body(request, status, detail="; ".join(f"{e.field}: {e.message}" for e in errors) or detail,
                          slug="validation", title="Validation failed", errors=errors))


def _handle_problem(request: Request, exc: Problem) -> Response:
    return _respond(_body(request, exc.status_code, detail=exc.detail, slug=exc.slug, title=exc.title,
                          errors=exc.errors), exc.headers)


def _handle_http(request: Request, exc: HTTPException) -> Response:
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route or resource at {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    elif exc.status_code == 413:
        detail = "request body is larger than the server accepts"
    return _respond(_body(request, exc.status_code, detail=detail), exc.headers)


def _handle_engine(request: Request, exc: AutonomosError) -> Response:
    status = 409 if isinstance(exc, CatalogBusyError) else 422 if isinstance(exc, ConfigError) else 400
    return _respond(_body(request, status, detail=str(exc), slug=type(exc).__name__.removesuffix("Error").lower()))


def _handle_recursion(request: Request, exc: RecursionError) -> Response:
    """msgspec refuses JSON nested deeper than the interpreter's recursion limit with a
    RecursionError: that is the client's malformed body (400), not a server fault."""
    if "deserializing" in str(exc):
        return _respond(_body(request, 400, detail="the JSON body is nested too deeply", slug="malformed",
                              title="Malformed request"))
    return _handle_unexpected(request, exc)


def _handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _respond(_body(request, 500, detail="internal error; the server log has the details"))


exception_handlers: dict[type[Exception] | int, Any] = {
    Problem: _handle_problem,
    ValidationException: _handle_validation,
    HTTPException: _handle_http,
    AutonomosError: _handle_engine,
    RecursionError: _handle_recursion,
    Exception: _handle_unexpected,
}
