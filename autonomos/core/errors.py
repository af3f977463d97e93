"""Exceptions the engine raises on purpose. Each carries a message meant for a person."""

from __future__ import annotations


class AutonomosError(Exception):
    """Base class: an expected failure with a clear message (the CLI prints it, no traceback)."""


class ConfigError(AutonomosError):
    """Invalid configuration or pipeline definition; the message names file, line and path."""


class ConnectorError(AutonomosError):
    """A source could not be reached or read (refused connection, missing file, bad CSV…)."""


class BadRowsError(AutonomosError):
    """Rows failed typing under the ``fail`` bad-row policy; names the file and line."""


class CatalogBusyError(AutonomosError):
    """Another writer holds this tenant's catalog."""


class PluginError(AutonomosError):
    """A plugin registered something invalid."""
