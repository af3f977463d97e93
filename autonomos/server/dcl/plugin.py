"""Wires the DCL, AOA, resources and schedules routes into the app (their task kinds and the secret key
they unseal sources with are wired by :mod:`autonomos.server.services`)."""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from autonomos.server.dcl.controllers import controllers as dcl_controllers
from autonomos.server.resources.controllers import controllers as resource_controllers
from autonomos.server.schedules.controllers import controllers as schedule_controllers
from autonomos.server.settings import Settings


class DclPlugin(InitPluginProtocol):
    def __init__(self, settings: Settings):
        self.settings = settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend([*resource_controllers, *schedule_controllers, *dcl_controllers])
        return app_config
