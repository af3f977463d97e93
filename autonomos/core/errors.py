"""Exceptions the engine raises on purpose. Each carries a message meant for a person."""

from __future__ import annotations


class AutonomosError(Exception):
    """Base class: an expected failure with a clear message (the CLI prints it, no traceback).

    ``transient`` says whether trying again later may succeed: a timeout, a refused or lost
    connection, an HTTP 5xx, a busy catalog. The server's task worker retries only those; any
    other error of the engine (a bad config, an unterminated quote, a missing column, refused
    credentials) is permanent and fails the task once, with its message. A connector marks a
    transient failure with ``ConnectorError(message, transient=True)``.
    """

    transient = False

    def __init__(self, *args: object, transient: bool | None = None):
        super().__init__(*args)
        if transient is not None:
            self.transient = transient


class ConfigError(AutonomosError):
    """Invalid configuration or pipeline definition; the message names file, line and path."""


class ConnectorError(AutonomosError):
    """A source could not be reached or read (refused connection, missing file, bad CSV…)."""


class BadRowsError(AutonomosError):
    """Rows failed typing under the ``fail`` bad-row policy; names the file and line."""


class CatalogBusyError(AutonomosError):
    """Another writer holds this tenant's catalog."""

    transient = True  # it will be free once that run ends


class PluginError(AutonomosError):
    """A plugin registered something invalid."""
