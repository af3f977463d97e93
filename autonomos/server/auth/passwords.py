"""Argon2id password hashing with rehash-on-login when the configured parameters change."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from autonomos.server.settings import AuthSettings

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024  # hashing cost grows with length; refuse absurd inputs early


class PasswordHasher:
    """Hash and verify passwords with the parameters from :class:`AuthSettings`.

    ``verify_dummy`` burns the same time as a real verification, so a login for an unknown
    account cannot be told apart from a wrong password by its timing.
    """

    def __init__(self, settings: AuthSettings):
        self._ph = _Argon2(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_cost,
                           parallelism=settings.argon2_parallelism, type=Type.ID)
        self._dummy = self._ph.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._ph.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._ph.check_needs_rehash(stored_hash)

    def verify_dummy(self, password: str) -> None:
        self.verify(self._dummy, password)


def password_problem(password: str) -> str | None:
    """Why ``password`` is unacceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"must be at most {MAX_PASSWORD_LENGTH} characters"
    return None
