"""What every route documents in the OpenAPI schema, added once instead of on each handler.

:class:`ProblemResponses` receives each route as Litestar registers it and gives its handlers
the problem-details responses that the app's middleware, guards and validation can produce,
whatever the handler itself does:

- 401 and 403 on every authenticated route (no or bad credentials; role, scope or CSRF);
- 400 and 422 on every route that takes a path, query, header or cookie parameter or a body
  (malformed input, and values the schema refuses); this replaces Litestar's own 400, which
  describes a JSON body the app never sends;
- 404 on every route with a path parameter (missing, or another organization's);
- 413 on every route with a ``data`` body (``AUTONOMOS_MAX_BODY_BYTES``);
- no body on a 204;
- ``security: [{}]`` (no credentials needed) on the public routes, the handlers with
  ``opt={"exclude_from_auth": True}``, so the schema says which routes the middleware skips.

A handler's own ``responses=`` win over these defaults; it names what only it answers
(409, 408, 415, 429…).

:class:`StrictStructSchemas` adds ``additionalProperties: false`` to the schema of every msgspec
Struct declared with ``forbid_unknown_fields=True`` (the request bodies), since the server
answers 400 to an unknown field and the schema has to say so.
"""

from __future__ import annotations

import http
from typing import TYPE_CHECKING

import msgspec
from litestar.constants import RESERVED_KWARGS
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import HTTPRoute

# Litestar's own Struct schema plugin (not exported): subclassed to add one keyword; litestar<3 is pinned.
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from autonomos.server.errors import problem_responses

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.handlers import HTTPRouteHandler
    from litestar.openapi.spec import Schema
    from litestar.routes import BaseRoute
    from litestar.typing import FieldDefinition

PUBLIC_SECURITY: list[dict[str, list[str]]] = [{}]  # OpenAPI: "no credentials needed"


def default_statuses(handler: HTTPRouteHandler, path_parameters: set[str]) -> list[int]:
    """The problem statuses any request to ``handler`` can get from the app around it."""
    statuses: list[int] = []
    if not handler.opt.get("exclude_from_auth"):
        statuses += [401, 403]
    dependencies = set(handler.resolve_dependencies())
    signature = set(handler.parsed_fn_signature.parameters)
    parameters = signature - RESERVED_KWARGS - dependencies
    if parameters or "data" in signature or path_parameters:
        statuses += [400, 422]
    if path_parameters:
        statuses.append(404)
    if "data" in signature:
        statuses.append(413)
    return sorted(statuses)


class ProblemResponses(ReceiveRoutePlugin):
    """Adds the shared problem responses and the public routes' ``security`` to each route's handlers."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        path_parameters = set(route.path_parameters)
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            responses: dict[int, ResponseSpec] = problem_responses(*default_statuses(handler, path_parameters))
            if handler.status_code == http.HTTPStatus.NO_CONTENT:
                responses[handler.status_code] = ResponseSpec(data_container=None, description="No Content")
            handler.responses = {**responses, **(handler.responses or {})}
            if handler.opt.get("exclude_from_auth") and not handler.security:
                handler.security = PUBLIC_SECURITY


class StrictStructSchemas(StructSchemaPlugin):
    """Struct schemas as Litestar makes them, plus ``additionalProperties: false`` for structs that
    refuse unknown fields."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        return schema
