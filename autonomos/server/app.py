"""The Litestar application factory.

``create_app(settings)`` builds the process's :class:`~autonomos.server.services.Services` (the
composition root ``autonomos worker`` shares), installs them, and builds the app;
:class:`AutonomosPlugin` wires it as a list of ``_configure_*`` steps. Adding a domain (tasks,
dcl, events…) means adding its controllers to :data:`ROUTE_HANDLERS` or — for optional parts —
another init plugin passed in ``plugins``; a new task kind goes in
:data:`autonomos.server.services.TASK_KINDS`.

Run it with ``autonomos serve`` or ``uvicorn --factory autonomos.server.app:create_app``.
"""

from __future__ import annotations

from typing import Any, Sequence

from litestar import Litestar, Request, Response
from litestar.config.app import AppConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import InitPluginProtocol, ReceiveRoutePlugin
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.routes import BaseRoute, HTTPRoute

from autonomos import __version__
from autonomos.server import api_docs, context, errors, health
from autonomos.server.auth.cache import AuthCache
from autonomos.server.auth.controllers import AuthController
from autonomos.server.auth.guards import scope_policy
from autonomos.server.auth.middleware import AuthMiddleware
from autonomos.server.auth.passwords import PasswordHasher
from autonomos.server.auth.service import AuthService
from autonomos.server.auth.throttle import LoginThrottle
from autonomos.server.bodies import strict_json_body
from autonomos.server.dcl.plugin import DclPlugin
from autonomos.server.events import EventsPlugin
from autonomos.server.files.controllers import controllers as file_controllers
from autonomos.server.llm.controllers import controllers as llm_controllers
from autonomos.server.openapi import ProblemResponses, StrictStructSchemas
from autonomos.server.services import Services, build_services
from autonomos.server.settings import Settings, get_settings
from autonomos.server.static import ConsoleFiles
from autonomos.server.tasks.plugin import TasksPlugin
from autonomos.server.tenants.controllers import controllers as tenant_controllers


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False
    opt = {"exclude_from_auth": True}


class AllowEveryMethod(ReceiveRoutePlugin):
    """``OPTIONS`` lists every method of the path in ``Allow``.

    Litestar 2 builds a route's ``OPTIONS`` handler when the path's first handler is registered
    and keeps it when a controller adds the others, so ``Allow`` named only the first method
    (litestar#4169, fixed in 3.x). Each time a route is (re)built, its ``OPTIONS`` handler gets
    the function Litestar makes for that route.
    """

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if getattr(handler.fn, "__qualname__", "").startswith("HTTPRoute.create_options_handler"):
                handler(route.create_options_handler(route.path).fn)


ROUTE_HANDLERS: list[Any] = [health.health, health.ready, AuthController, *tenant_controllers, *file_controllers,
                             *llm_controllers, MetricsController]


class AutonomosPlugin(InitPluginProtocol):
    """Wires the services, auth, errors, strict JSON bodies, OpenAPI, CORS, metrics and the console."""

    def __init__(self, services: Services):
        self.services = services
        self.settings = services.settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        self._configure_state(app_config)
        self._configure_routes(app_config)
        self._configure_auth(app_config)
        self._configure_errors(app_config)
        self._configure_bodies(app_config)
        self._configure_openapi(app_config)
        self._configure_cors(app_config)
        self._configure_metrics(app_config)
        return app_config

    def _configure_state(self, app_config: AppConfig) -> None:
        s, db = self.settings, self.services.db
        hasher = PasswordHasher(s.auth)
        throttle = LoginThrottle(db, s.auth)
        app_config.state = State({
            **dict(app_config.state),
            "services": self.services, "settings": s, "db": db, "password_hasher": hasher, "throttle": throttle,
            "auth_service": AuthService(db, s.auth, hasher, throttle), "auth_cache": AuthCache(s.auth.cache_ttl),
            "console": ConsoleFiles(s.http.static_dir),
        })
        app_config.on_shutdown.append(lambda app: app.state.db.dispose())
        app_config.dependencies.update(context.dependencies)

    def _configure_routes(self, app_config: AppConfig) -> None:
        app_config.route_handlers.extend(ROUTE_HANDLERS)

    def _configure_auth(self, app_config: AppConfig) -> None:
        app_config.middleware.append(DefineMiddleware(AuthMiddleware, exclude=["^/schema"], exclude_from_auth_key="exclude_from_auth"))
        app_config.guards.append(scope_policy)

    def _configure_errors(self, app_config: AppConfig) -> None:
        handlers = dict(errors.exception_handlers)
        http_handler = handlers[errors.HTTPException]

        def not_found(request: Request, exc: NotFoundException) -> Response:
            console: ConsoleFiles = request.app.state.console
            return console.response_for(request) or http_handler(request, exc)

        handlers[NotFoundException] = not_found
        app_config.exception_handlers.update(handlers)

    def _configure_bodies(self, app_config: AppConfig) -> None:
        app_config.before_request = strict_json_body

    def _configure_openapi(self, app_config: AppConfig) -> None:
        app_config.openapi_config = OpenAPIConfig(
            title="AutonomOS API", version=__version__, path="/schema",
            description="Multi-tenant data integration. Auth: bearer JWT, session cookie + CSRF, or API key. "
                        "Errors are RFC 9457 problem details. Lists use ?limit=&cursor=.",
            # Swagger UI and ReDoc load their files from the package (api_docs.py), not a CDN
            render_plugins=api_docs.render_plugins(self.settings.http.static_dir),
            openapi_router=api_docs.openapi_router(self.settings.http.static_dir),
            components=Components(security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
                "apiKey": SecurityScheme(type="apiKey", name="X-API-Key", security_scheme_in="header"),
                "cookie": SecurityScheme(type="apiKey", name="autonomos_access", security_scheme_in="cookie"),
            }),
            security=[{"bearer": []}, {"apiKey": []}, {"cookie": []}],
            use_handler_docstrings=True,
        )

    def _configure_cors(self, app_config: AppConfig) -> None:
        origins = list(self.settings.http.cors_origins)
        if origins:
            app_config.cors_config = CORSConfig(
                allow_origins=origins, allow_credentials="*" not in origins,
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-CSRF-Token"],
                expose_headers=["Retry-After"], max_age=600)

    def _configure_metrics(self, app_config: AppConfig) -> None:
        config = PrometheusConfig(app_name="autonomos", prefix="autonomos", group_path=True,
                                  exclude=["/metrics", "/health"])
        app_config.middleware.insert(0, config.middleware)


def create_app(settings: Settings | None = None, plugins: Sequence[Any] = ()) -> Litestar:
    """The ASGI app. ``settings`` default to the environment (read once, fatal if wrong)."""
    settings = settings or get_settings()

    tasks = next((p for p in plugins if isinstance(p, TasksPlugin)), None)
    if tasks is None:
        tasks = TasksPlugin()
        plugins = [tasks, *plugins]
    services = build_services(settings, tasks.task_settings).install()
    # The body limit is a constructor argument: Litestar 2 ignores it when set from a plugin.
    # ProblemResponses, StrictStructSchemas, AllowEveryMethod go in here, not in on_app_init: Litestar
    # asks schema plugins in order and its own come after the constructor's.
    return Litestar(plugins=[AutonomosPlugin(services), EventsPlugin(settings), DclPlugin(settings), *plugins,
                             ProblemResponses(), StrictStructSchemas(), AllowEveryMethod()], debug=False,
                    request_max_body_size=settings.http.max_body_size)
