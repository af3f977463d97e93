"""Account logic behind the auth routes: register, login, refresh rotation, logout.

Runs on system sessions (the tenant is not known until the credentials are checked) and returns
plain values; the controller turns them into responses and cookies.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import attrs
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from autonomos.server.auth.cache import invalidate_all
from autonomos.server.auth.passwords import PasswordHasher
from autonomos.server.auth.throttle import LoginThrottle, throttled
from autonomos.server.auth.tokens import issue_access_token, new_opaque_token, token_digest
from autonomos.server.db.base import as_utc, utcnow
from autonomos.server.db.models import Membership, Organization, RefreshToken, User
from autonomos.server.db.session import Database
from autonomos.server.errors import Problem, invalid
from autonomos.server.settings import AuthSettings

LOGIN_FAILED = "invalid email or password"


@attrs.frozen
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    session_id: uuid.UUID  # the refresh-token family: one login


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
    return slug or "org"


def normalize_email(email: str) -> str:
    return email.strip().lower()


class AuthService:
    def __init__(self, db: Database, settings: AuthSettings, hasher: PasswordHasher, throttle: LoginThrottle):
        self.db = db
        self.settings = settings
        self.hasher = hasher
        self.throttle = throttle

    # -- accounts ---------------------------------------------------------------------------
    def create_organization(self, name: str, email: str, password: str, role: str = "owner") -> tuple[Organization, User]:
        """A new organization with ``email`` as its first member (created, or attached when it exists
        and the password matches)."""
        name = name.strip()
        if not name:
            raise invalid("organization", "must not be blank")
        email = normalize_email(email)
        with self.db.system_session() as s:
            user = s.scalar(select(User).where(User.email == email))
            if user is not None:
                # Registering a new organization for an existing account needs its password;
                # the answer does not reveal whether the account exists.
                if not self.hasher.verify(user.password_hash, password):
                    raise Problem(409, "this email cannot register a new organization with that password",
                                  slug="conflict")
            else:
                user = User(email=email, password_hash=self.hasher.hash(password))
                s.add(user)
            slug = slugify(name)
            base, n = slug, 1
            while s.scalar(select(Organization.id).where(Organization.slug == slug)) is not None:
                n += 1
                slug = f"{base}-{n}"
            org = Organization(name=name, slug=slug)
            s.add(org)
            s.flush()
            s.add(Membership(tenant_id=org.id, user_id=user.id, role=role))
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                raise Problem(409, "organization or account was created concurrently; retry", slug="conflict") from None
            return org, user

    # -- login ------------------------------------------------------------------------------
    def login(self, email: str, password: str, address: str, organization: str | None = None) -> IssuedTokens:
        email = normalize_email(email)
        retry = self.throttle.retry_after(email, address)
        if retry is not None:
            raise throttled(retry)
        with self.db.system_session() as s:
            user = s.scalar(select(User).where(User.email == email))
            if user is None:
                self.hasher.verify_dummy(password)  # same cost as a real check: no enumeration by timing
                ok = False
            else:
                ok = user.is_active and self.hasher.verify(user.password_hash, password)
            membership = self._pick_membership(s, user.id, organization) if ok and user else None
            if not ok or membership is None or user is None:
                self.throttle.record_failure(email, address)
                raise Problem(401, LOGIN_FAILED, slug="login-failed", title="Login failed")
            if self.hasher.needs_rehash(user.password_hash):
                user.password_hash = self.hasher.hash(password)
            tokens = self._issue(s, user.id, membership.tenant_id, family_id=uuid.uuid4())
            s.commit()
        self.throttle.reset_account(email)
        return tokens

    def _pick_membership(self, s: object, user_id: uuid.UUID, organization: str | None) -> Membership | None:
        stmt = select(Membership).where(Membership.user_id == user_id)
        if organization:
            try:
                stmt = stmt.where(Membership.tenant_id == uuid.UUID(organization))
            except ValueError:
                stmt = stmt.join(Organization, Organization.id == Membership.tenant_id).where(Organization.slug == organization)
        return s.scalars(stmt.order_by(Membership.created_at)).first()  # type: ignore[attr-defined]

    def _issue(self, s: object, user_id: uuid.UUID, tenant_id: uuid.UUID, family_id: uuid.UUID) -> IssuedTokens:
        access, expires_in = issue_access_token(self.settings, user_id, tenant_id, family_id)
        refresh = new_opaque_token()
        s.add(RefreshToken(tenant_id=tenant_id, user_id=user_id, family_id=family_id,  # type: ignore[attr-defined]
                           token_hash=token_digest(refresh),
                           expires_at=utcnow() + dt.timedelta(seconds=self.settings.refresh_ttl)))
        return IssuedTokens(access, expires_in, refresh, user_id, tenant_id, family_id)

    # -- refresh / logout -------------------------------------------------------------------
    def refresh(self, refresh_token: str) -> IssuedTokens:
        """Rotate: the presented token is spent and a new one of the same family issued. A spent or
        revoked token presented again means it was stolen (or replayed): the family is revoked."""
        now = utcnow()
        with self.db.system_session() as s:
            row = s.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_digest(refresh_token)))
            if row is None:
                raise Problem(401, "unknown refresh token", slug="unauthorized")
            if row.rotated_at is not None or row.revoked_at is not None:
                self._revoke_family(s, row.family_id, now)
                s.commit()
                raise Problem(401, "refresh token reuse detected; every session of this login was revoked",
                              slug="token-reuse", title="Refresh token reused")
            if as_utc(row.expires_at) <= now:  # type: ignore[operator]
                raise Problem(401, "refresh token expired; log in again", slug="unauthorized")
            # Spend it with a conditional UPDATE: of two concurrent refreshes only one wins.
            won = s.execute(update(RefreshToken).where(RefreshToken.id == row.id, RefreshToken.rotated_at.is_(None))
                            .values(rotated_at=now)).rowcount
            if not won:
                self._revoke_family(s, row.family_id, now)
                s.commit()
                raise Problem(401, "refresh token reuse detected", slug="token-reuse", title="Refresh token reused")
            member = s.scalar(select(Membership).where(Membership.user_id == row.user_id,
                                                       Membership.tenant_id == row.tenant_id))
            user = s.get(User, row.user_id)
            if member is None or user is None or not user.is_active:
                s.commit()
                raise Problem(401, "this account no longer belongs to the organization", slug="unauthorized")
            tokens = self._issue(s, row.user_id, row.tenant_id, row.family_id)
            s.commit()
            return tokens

    def session_of(self, refresh_token: str) -> uuid.UUID | None:
        """The session (refresh-token family) a refresh token belongs to, if it is known."""
        with self.db.system_session() as s:
            return s.scalar(select(RefreshToken.family_id).where(RefreshToken.token_hash == token_digest(refresh_token)))

    def logout(self, refresh_token: str | None) -> None:
        if not refresh_token:
            return
        with self.db.system_session() as s:
            row = s.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_digest(refresh_token)))
            if row is not None:
                self._revoke_family(s, row.family_id, utcnow())
                s.commit()

    @staticmethod
    def _revoke_family(s: object, family_id: uuid.UUID, now: dt.datetime) -> None:
        """End the session: its refresh tokens, and the access tokens it issued (the middleware
        checks the family), at once in this process (the credential caches are cleared now and
        after the commit) and within the cache TTL in others."""
        s.execute(update(RefreshToken).where(RefreshToken.family_id == family_id,  # type: ignore[attr-defined]
                                             RefreshToken.revoked_at.is_(None)).values(revoked_at=now))
        s.info["auth_changed"] = True  # type: ignore[attr-defined]
        invalidate_all()
