"""The built-in ``salesforce`` connector: a Salesforce org's objects through the REST and Bulk
API 2.0 (docs/salesforce.md).

Split by job: :mod:`.config` (the YAML model), :mod:`.auth` (refresh-token and JWT bearer
flows), :mod:`.api` (the session: the ``rest`` connector's HTTP client, Salesforce errors, the
API quota), :mod:`.describe` (fields and types), :mod:`.query` (SOQL through the REST query
API), :mod:`.bulk2` (Bulk API 2.0 query jobs) and :mod:`.connector` (incremental reads,
deletions, wide objects).

Example config::

    connector: salesforce
    config:
      instance_url: https://acme.my.salesforce.com
      auth:
        type: refresh_token
        client_id: {"$env": SF_CLIENT_ID}
        client_secret: {"$env": SF_CLIENT_SECRET}
        refresh_token: {"$env": SF_REFRESH_TOKEN}
      objects: [Account, Contact, Opportunity]
"""

from __future__ import annotations

from typing import Any

from autonomos import hookimpl
from autonomos.core.plugins import Deferred

__all__ = ["SalesforceConnector", "SalesforceConfig"]
_EXPORTS = {"SalesforceConnector": "autonomos.connectors.salesforce.connector", "SalesforceConfig": "autonomos.connectors.salesforce.config"}


def __getattr__(name: str) -> Any:
    """``SalesforceConnector`` and ``SalesforceConfig`` are imported when first used, not when the plugin loads."""
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)


@hookimpl
def register_connectors(register: Any) -> None:
    register(Deferred("salesforce", "autonomos.connectors.salesforce.connector:SalesforceConnector"))
