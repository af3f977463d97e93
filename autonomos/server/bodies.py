"""JSON request bodies are held to their declared types: ``{"demo": 0}`` is not ``false``.

Litestar 2 converts a handler's ``data`` with msgspec in lax mode (``strict=False``, what query
strings need), so a JSON body passed ``0``/``"true"`` for a boolean and ``"5"`` for an integer,
although the OpenAPI schema (and the typed client) says boolean and integer.
:func:`strict_json_body`, the app's ``before_request`` hook, decodes a JSON body against the
handler's ``data`` type strictly first and refuses a wrong type with the ``ValidationException``
Litestar raises for a bad body, so the problem details are the same (``errors`` names the field).
Malformed JSON, empty bodies and other media types are left to Litestar, as before.
"""

from __future__ import annotations

import re

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException

_UNKNOWN_FIELD = re.compile(r"Object contains unknown field `(.*)`")


async def strict_json_body(request: Request) -> None:
    """Refuse a JSON body whose values are not of the declared JSON types (see the module)."""
    field = request.route_handler.parsed_data_field
    if field is None or request.content_type[0] != "application/json":
        return
    body = await request.body()  # cached: Litestar reads the same bytes again for ``data``
    if not body.strip():
        return
    try:
        msgspec.json.decode(body, type=field.annotation, strict=True)
    except msgspec.ValidationError as exc:
        message, _, path = str(exc).partition(" - at `$")
        path = path.rstrip("`").lstrip(".")
        if unknown := _UNKNOWN_FIELD.fullmatch(message):  # name the field itself, not its object
            path = f"{path}.{unknown.group(1)}" if path else unknown.group(1)
        key = path or "data"
        raise ValidationException(f"Validation failed for {request.method} {request.url.path}",
                                  extra=[{"message": message, "key": key, "source": "body"}]) from None
    except msgspec.DecodeError:
        return
