"""Salesforce OAuth 2.0: the refresh-token flow and the JWT bearer flow, as ``httpx.Auth``.

Both are the ``rest`` connector's :class:`~autonomos.connectors.rest.auth.OAuth2` (a token
fetched on the first request, fetched again once when the API answers 401 — Salesforce's
``INVALID_SESSION_ID`` for an expired or revoked session — secrets masked in every message);
this module adds what Salesforce does differently:

* ``jwt_bearer``: no stored token at all. Each token request carries a new assertion, a JWT
  signed RS256 with the connected app's private key: ``iss`` the consumer key, ``sub`` the user
  name, ``aud`` the login URL (``https://login.salesforce.com``, ``https://test.salesforce.com``
  for sandboxes), ``exp`` three minutes ahead, sent as
  ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<jwt>``.
* The token answer names the org's ``instance_url`` (and no ``expires_in``: the session lasts
  until its timeout, so a 401 is how expiry shows); :attr:`SalesforceAuth.instance_url` keeps it.
"""

from __future__ import annotations

import time
from typing import Callable

import httpx

from autonomos.connectors.rest.auth import NO_BUDGET, OAuth2, Secrets
from autonomos.connectors.rest.config import AuthConfig
from autonomos.connectors.rest.http import RETRY_STATUSES
from autonomos.connectors.salesforce.config import SalesforceConfig
from autonomos.core.errors import ConnectorError

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME_S = 180  # Salesforce accepts an assertion whose exp is at most 3 minutes ahead


def jwt_assertion(client_id: str, username: str, audience: str, private_key: str, now: float | None = None) -> str:
    """The JWT bearer assertion, signed RS256 (ConnectorError for a key that is not a PEM RSA key)."""
    import jwt  # pyjwt, with cryptography for RS256

    issued = int(now if now is not None else time.time())
    claims = {"iss": client_id, "sub": username, "aud": audience.rstrip("/"), "exp": issued + JWT_LIFETIME_S}
    try:
        return jwt.encode(claims, private_key.replace("\\n", "\n"), algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise ConnectorError(f"salesforce: auth.private_key cannot sign the JWT bearer assertion "
                             f"({type(exc).__name__}; expected a PEM RSA private key)") from None


class SalesforceAuth(OAuth2):
    """Refresh-token or JWT bearer grant (see module docstring)."""

    def __init__(self, config: SalesforceConfig, secrets: Secrets, describe: Callable[[httpx.Response], str]):
        a = config.auth
        for value in (a.client_secret, a.refresh_token, a.private_key):
            secrets.add(value)
        grant = "refresh_token" if a.type == "refresh_token" else "client_credentials"
        cfg = AuthConfig(type="oauth2", token_url=config.token_url, client_id=a.client_id,
                         client_secret=a.client_secret, refresh_token=a.refresh_token, grant_type=grant,
                         client_auth="body")
        super().__init__(cfg, config.token_url, secrets, describe)
        self.sf = config
        self.instance_url: str | None = None

    def _token_request(self) -> httpx.Request:
        a = self.sf.auth
        if a.type != "jwt_bearer":
            return super()._token_request()
        assertion = jwt_assertion(a.client_id or "", a.username or "", a.audience or self.sf.login_url,
                                  a.private_key or "")
        self.secrets.add(assertion)
        return httpx.Request("POST", self.token_url, data={"grant_type": JWT_GRANT, "assertion": assertion},
                             headers={"Accept": "application/json"}, extensions={NO_BUDGET: True})

    def _take(self, response: httpx.Response) -> None:
        if response.status_code != 200:
            self.requests += 1
            # the login service down or busy may pass on a later try; a refused grant will not
            raise ConnectorError(f"salesforce: token request ({self.sf.auth.type}) "
                                 f"{self.describe(response)}{_token_hint(response)}",
                                 transient=response.status_code in RETRY_STATUSES)
        super()._take(response)
        try:
            url = response.json().get("instance_url")
        except (ValueError, AttributeError):
            url = None
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            self.instance_url = url.rstrip("/")


def _token_hint(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return ""
    return {
        "invalid_grant": " (the refresh token was revoked or expired, or for jwt_bearer: the user is not "
                         "pre-authorized for the connected app, the certificate does not match the key, "
                         "or the audience is wrong)",
        "invalid_client_id": " (check auth.client_id: the connected app's consumer key)",
        "invalid_client": " (check auth.client_id and auth.client_secret)",
    }.get(str(error), "")
