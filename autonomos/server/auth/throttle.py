"""Login throttling per account and per client address, stored in the metadata database.

Every password check of an existing account counts: login and accepting an invitation as an
existing account (:func:`autonomos.server.tenants.service.accept_invitation`).

A failure is remembered for ``throttle_window`` seconds under ``account:<email>`` and
``address:<ip>``. When either key reaches its limit, login answers 429 with ``Retry-After`` until
the oldest counted failure leaves the window — even for the right password, or guessing would
simply continue. A success clears the account's failures. Stored in the database (not memory),
so every server process behind a load balancer sees the same counts.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import delete, func, select

from autonomos.server.db.base import as_utc, utcnow
from autonomos.server.db.models import LoginAttempt
from autonomos.server.db.session import Database
from autonomos.server.errors import Problem
from autonomos.server.settings import AuthSettings


def throttled(retry_after: int) -> Problem:
    """429 with ``Retry-After``: too many failed password checks for this account or address."""
    return Problem(429, f"too many failed logins; retry in {retry_after} s", slug="login-throttled",
                   title="Too many login attempts", headers={"Retry-After": str(retry_after)})


class LoginThrottle:
    def __init__(self, db: Database, settings: AuthSettings):
        self.db = db
        self.settings = settings

    def _keys(self, email: str, address: str) -> list[tuple[str, int]]:
        return [(f"account:{email.lower()}", self.settings.throttle_account_failures),
                (f"address:{address}", self.settings.throttle_address_failures)]

    def retry_after(self, email: str, address: str) -> int | None:
        """Seconds until a login may be tried again, or None when not throttled."""
        now = utcnow()
        since = now - dt.timedelta(seconds=self.settings.throttle_window)
        wait = 0.0
        with self.db.system_session() as s:
            for key, limit in self._keys(email, address):
                times = s.scalars(select(LoginAttempt.at).where(LoginAttempt.key == key, LoginAttempt.at > since)
                                  .order_by(LoginAttempt.at.desc()).limit(limit)).all()
                if len(times) >= limit:
                    oldest_counted = as_utc(times[-1])
                    wait = max(wait, (oldest_counted - since).total_seconds())
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record_failure(self, email: str, address: str) -> None:
        now = utcnow()
        with self.db.system_session() as s:
            s.add_all([LoginAttempt(key=key, at=now) for key, _ in self._keys(email, address)])
            # Keep the table small: forget failures that left the window.
            s.execute(delete(LoginAttempt).where(
                LoginAttempt.at < now - dt.timedelta(seconds=self.settings.throttle_window)))
            s.commit()

    def reset_account(self, email: str) -> None:
        with self.db.system_session() as s:
            s.execute(delete(LoginAttempt).where(LoginAttempt.key == f"account:{email.lower()}"))
            s.commit()

    def failures(self, key: str) -> int:
        with self.db.system_session() as s:
            return s.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.key == key)) or 0
