"""One Salesforce session: the ``rest`` connector's HTTP client pointed at the org, with
Salesforce's auth, its error bodies and the daily API quota.

* Requests go through :class:`autonomos.connectors.rest.http.Http`: timeouts, tenacity retries
  of 429/5xx/lost connections honouring ``Retry-After``, secrets masked in every message, the
  private-address policy for any host but the org's and the token endpoint's, and the tenant's
  rate budget per host (``rate_limit``).
* Errors: Salesforce answers ``[{"message": …, "errorCode": …}]``; :class:`SalesforceError`
  carries the code (``REQUEST_LIMIT_EXCEEDED``, ``FEATURENOTENABLED``, ``INVALID_FIELD``…).
  A 401 (``INVALID_SESSION_ID``: the session expired or was revoked) gets one new token and the
  request is sent again (the auth flow); a second 401 fails.
* Quota: every answer's ``Sforce-Limit-Info: api-usage=<used>/<limit>`` is kept; once
  ``used / limit`` reaches ``quota_stop_share`` no further request is sent and the read fails
  with a message naming the share, so a sync never eats the quota the org's other integrations
  need. ``REQUEST_LIMIT_EXCEEDED`` (403) fails the same way, named.
"""

from __future__ import annotations

import email.utils
import re
from typing import Any

import httpx

from autonomos.connectors.rest.config import ResourceConfig, RestConfig
from autonomos.connectors.rest.http import Http, _origin
from autonomos.connectors.salesforce.auth import SalesforceAuth
from autonomos.connectors.salesforce.config import SalesforceConfig
from autonomos.core.errors import ConnectorError
from autonomos.core.network import host_problem, sources_allow_private

LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")
ERROR_STATUSES = frozenset({400, 403, 404, 405, 409, 415})


class SalesforceError(ConnectorError):
    """A Salesforce error answer; ``code`` is its ``errorCode`` (or None)."""

    def __init__(self, message: str, code: str | None, status: int, transient: bool = False):
        super().__init__(message, transient=transient)
        self.code, self.status = code, status


class QuotaStop(ConnectorError):
    """The org's daily API usage reached ``quota_stop_share``."""


def error_code(response: httpx.Response) -> tuple[str | None, str]:
    """``errorCode`` and ``message`` of a Salesforce error answer."""
    try:
        body = response.json()
    except ValueError:
        return None, ""
    first = body[0] if isinstance(body, list) and body else body
    if isinstance(first, dict):
        code = first.get("errorCode") or first.get("error")
        return (str(code) if code else None), str(first.get("message") or first.get("error_description") or "")
    return None, ""


class Session:
    """See module docstring. ``usage`` is the last ``(used, limit)`` the org reported."""

    def __init__(self, config: SalesforceConfig):
        self.config = config
        base = (config.instance_url or config.login_url).strip().rstrip("/")
        rest = RestConfig(base_url=base, resources=[ResourceConfig(name="salesforce")], timeout=config.timeout,
                          retry=config.retry, rate_limit=config.rate_limit)
        self.http = Http(rest)
        self.http.label, self.http.what = "salesforce", "object"
        self.auth = SalesforceAuth(config, self.http.secrets, self.http.describe)
        self.http.client.auth = self.auth
        self.http.allowed.add(_origin(config.token_url))
        hooks = self.http.client.event_hooks
        hooks.setdefault("response", []).append(self._on_response)
        self.http.client.event_hooks = hooks
        self.instance_url = config.instance_url.strip().rstrip("/") if config.instance_url else None
        self.usage: tuple[int, int] | None = None
        self.server_time: float | None = None  # the org's clock (Date header), epoch seconds

    # -- the org's URL --------------------------------------------------------------------------
    def _instance(self) -> str:
        if self.instance_url is None:
            if self.auth.access_token is None:  # the token answer names the org's URL
                self.auth._take(self.http.client.send(self.auth._token_request(), auth=None))
            if not self.auth.instance_url:
                raise ConnectorError("salesforce: the token answer has no instance_url; set instance_url")
            origin = _origin(self.auth.instance_url)
            if origin not in self.http.allowed:  # a host the config did not name: the address policy
                problem = host_problem(origin[1], sources_allow_private())
                if problem:
                    raise ConnectorError(f"salesforce: refused the instance_url the token answer names "
                                         f"({self.auth.instance_url}): {problem}; set instance_url")
            self.instance_url = self.auth.instance_url
            self.http.allowed.add(origin)
            self.http.base_url = self.instance_url + "/"
        return self.instance_url

    def url(self, path: str) -> str:
        """``/services/data/…`` (or a ``nextRecordsUrl``) on the org; ``data/`` paths get the version."""
        if path.startswith(("http://", "https://")):
            return path
        if not path.startswith("/"):
            path = f"/services/data/v{self.config.version}/{path}"
        return self._instance() + path

    # -- quota ----------------------------------------------------------------------------------
    def _on_response(self, response: httpx.Response) -> None:
        m = LIMIT_INFO.search(response.headers.get("sforce-limit-info", ""))
        if m:
            self.usage = (int(m.group(1)), int(m.group(2)))
        date = response.headers.get("date")
        if date:
            try:
                self.server_time = email.utils.parsedate_to_datetime(date).timestamp()
            except (TypeError, ValueError):
                pass

    def quota_problem(self) -> str | None:
        if self.usage is None or self.usage[1] <= 0:
            return None
        used, limit = self.usage
        share = self.config.quota_stop_share
        if used / limit >= share:
            return (f"salesforce: stopped before the org's daily API limit: {used:,} of {limit:,} requests used "
                    f"({used / limit:.0%}), at or above quota_stop_share {share:g} ({share:.0%}). The usage "
                    f"falls as the 24-hour window moves on; raise quota_stop_share to use more of the limit")
        return None

    # -- requests -------------------------------------------------------------------------------
    def call(self, method: str, what: str, path: str, params: dict[str, Any] | None = None, json: Any = None,
             headers: dict[str, str] | None = None) -> httpx.Response:
        """One request; a Salesforce error answer raises :class:`SalesforceError` with its code."""
        problem = self.quota_problem()
        if problem:
            raise QuotaStop(problem)
        url = self.url(path)
        response = self.http.request(method, what, url, params, headers=headers, json=json, answer=ERROR_STATUSES)
        assert response is not None
        if response.status_code in ERROR_STATUSES or response.status_code == 401:
            code, message = error_code(response)
            described = self.http.describe(response)
            if code == "REQUEST_LIMIT_EXCEEDED":
                raise SalesforceError(f"salesforce: object '{what}': the org's API request limit is exceeded "
                                      f"(REQUEST_LIMIT_EXCEEDED): {self.http.secrets.mask(message)}; "
                                      f"{described}", code, response.status_code)
            hint = " (check the object and field names and the user's permissions)" \
                if response.status_code in (400, 403, 404) else ""
            raise SalesforceError(f"salesforce: object '{what}': {described}{hint}", code, response.status_code)
        return response

    def json(self, method: str, what: str, path: str, **kw: Any) -> Any:
        response = self.call(method, what, path, **kw)
        try:
            return response.json()
        except ValueError:
            shown = self.http.secrets.mask_url(str(response.request.url))
            raise ConnectorError(f"salesforce: object '{what}': {method} {shown} did not answer JSON") from None

    def close(self) -> None:
        self.http.close()
