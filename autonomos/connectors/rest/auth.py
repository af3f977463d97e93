"""Authentication of the ``rest`` connector as ``httpx.Auth`` flows, and the secrets they mask.

* ``bearer``: ``Authorization: Bearer <token>``.
* ``basic``: HTTP basic auth.
* ``api_key``: the key in a header (``X-API-Key`` by default, optionally after a ``prefix``) or
  in a query parameter (``api_key`` by default).
* ``oauth2``: a token from ``token_url``, by the ``client_credentials`` grant or the
  ``refresh_token`` grant; kept until it expires (``expires_in``, renewed 30 s early) and fetched
  again once when the API answers 401 to it. A refresh token the server rotates replaces the old
  one for the rest of the run.

Every secret value (tokens, passwords, keys, secret headers, tokens received) is registered with
:class:`Secrets`, which masks them in every message the connector writes.
"""

from __future__ import annotations

import re
import time
from typing import Any, Callable, Generator
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from autonomos.connectors.rest.config import AuthConfig
from autonomos.core.errors import ConnectorError
from autonomos.core.redaction import is_secret_key

MASK = "***"
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "apikey"}
EXPIRY_MARGIN_S = 30.0
NO_BUDGET = "autonomos_no_rate_budget"  # a request extension: this request takes no rate-budget token


class Secrets:
    """The secret values of one source; :meth:`mask` hides them (and secret query parameters)."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self.query_names: set[str] = set()

    def add(self, value: Any) -> None:
        if isinstance(value, str) and len(value) >= 3:
            self._values.add(value)

    def mask_url(self, url: str) -> str:
        """``url`` with secret query parameter values (by name, or by value) replaced by ``***``."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return self.mask(url)
        if parts.query:
            query = [(k, MASK if (k in self.query_names or is_secret_key(k) or v in self._values) else v)
                     for k, v in parse_qsl(parts.query, keep_blank_values=True)]
            parts = parts._replace(query=urlencode(query, safe="*"))
        if parts.password:
            parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", f":{MASK}@"))
        return self.mask(urlunsplit(parts))

    def mask(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, MASK)
        return text


class _HeaderAuth(httpx.Auth):
    def __init__(self, name: str, value: str):
        self.name, self.value = name, value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.name] = self.value
        yield request


class _QueryAuth(httpx.Auth):
    def __init__(self, name: str, value: str):
        self.name, self.value = name, value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.url = request.url.copy_set_param(self.name, self.value)
        yield request


class OAuth2(httpx.Auth):
    """Client-credentials or refresh-token grant; the token is renewed when it expires and once
    after a 401 (see module docstring)."""

    requires_response_body = True

    def __init__(self, cfg: AuthConfig, base_url: str, secrets: Secrets, describe: Callable[[httpx.Response], str]):
        self.cfg = cfg
        self.token_url = urljoin(base_url.rstrip("/") + "/", cfg.token_url or "")
        self.secrets = secrets
        self.describe = describe
        self.refresh_token = cfg.refresh_token
        self.access_token: str | None = None
        self.expires_at = 0.0
        self.requests = 0  # token requests made (for tests and notes)

    def _token_request(self) -> httpx.Request:
        form: dict[str, str] = {"grant_type": self.cfg.grant}
        if self.cfg.grant == "refresh_token":
            form["refresh_token"] = self.refresh_token or ""
        if self.cfg.scope:
            form["scope"] = self.cfg.scope
        form.update(self.cfg.token_params)
        headers = {"Accept": "application/json"}
        if self.cfg.client_auth == "basic":
            basic = httpx.BasicAuth(self.cfg.client_id or "", self.cfg.client_secret or "")
            headers["Authorization"] = basic._auth_header
        else:
            form["client_id"] = self.cfg.client_id or ""
            if self.cfg.client_secret:
                form["client_secret"] = self.cfg.client_secret
        # not charged to the API's rate budget (see autonomos.connectors.rest.http)
        return httpx.Request("POST", self.token_url, data=form, headers=headers, extensions={NO_BUDGET: True})

    def _take(self, response: httpx.Response) -> None:
        self.requests += 1
        if response.status_code != 200:
            raise ConnectorError(f"rest: OAuth2 token request {self.describe(response)}")
        try:
            body = response.json()
            token = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise ConnectorError(f"rest: OAuth2 token request POST {self.secrets.mask_url(self.token_url)}: the "
                                 f"answer has no access_token") from None
        if not isinstance(token, str) or not token:
            raise ConnectorError(f"rest: OAuth2 token request POST {self.secrets.mask_url(self.token_url)}: "
                                 f"access_token is empty")
        self.secrets.add(token)
        self.access_token = token
        if isinstance(body.get("refresh_token"), str) and body["refresh_token"]:
            self.refresh_token = body["refresh_token"]  # rotated: the old one may be spent now
            self.secrets.add(self.refresh_token)
        try:
            expires_in = float(body.get("expires_in") or 0)
        except (TypeError, ValueError):
            expires_in = 0
        self.expires_at = time.monotonic() + expires_in - EXPIRY_MARGIN_S if expires_in else float("inf")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        fresh = False
        if self.access_token is None or time.monotonic() >= self.expires_at:
            self._take((yield self._token_request()))
            fresh = True
        request.headers["Authorization"] = f"Bearer {self.access_token}"
        response = yield request
        if response.status_code == 401 and not fresh:  # revoked or expired early: one new token
            self._take((yield self._token_request()))
            request.headers["Authorization"] = f"Bearer {self.access_token}"
            yield request


def build_auth(cfg: AuthConfig | None, base_url: str, secrets: Secrets,
               describe: Callable[[httpx.Response], str]) -> httpx.Auth | None:
    """The ``httpx.Auth`` for ``cfg`` (None: no authentication); registers its secrets."""
    if cfg is None:
        return None
    for name in ("token", "password", "api_key", "client_secret", "refresh_token"):
        secrets.add(getattr(cfg, name))
    if cfg.type == "bearer":
        return _HeaderAuth("Authorization", f"Bearer {cfg.token}")
    if cfg.type == "basic":
        return httpx.BasicAuth(cfg.username or "", cfg.password or "")
    if cfg.type == "api_key":
        if cfg.location == "query":
            name = cfg.name or "api_key"
            secrets.query_names.add(name)
            return _QueryAuth(name, cfg.api_key or "")
        return _HeaderAuth(cfg.name or "X-API-Key", f"{cfg.prefix or ''}{cfg.api_key}")
    return OAuth2(cfg, base_url, secrets, describe)


def secret_header(name: str) -> bool:
    """Whether a configured header's value is a secret to mask (Authorization, X-Api-Key, *token*…)."""
    low = name.lower()
    return low in SECRET_HEADERS or is_secret_key(re.sub(r"[^a-z0-9]+", "_", low))
