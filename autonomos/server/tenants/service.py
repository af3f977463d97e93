"""Member, invitation and API key logic; every function works on a tenant-scoped session."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select

from autonomos.server.auth.passwords import PasswordHasher
from autonomos.server.auth.service import normalize_email
from autonomos.server.auth.throttle import LoginThrottle, throttled
from autonomos.server.auth.tokens import new_api_key, new_opaque_token, token_digest
from autonomos.server.context import ROLE_RANK, TenantContext
from autonomos.server.db.base import as_utc, utcnow
from autonomos.server.db.models import ApiKey, Invitation, Membership, Organization, User
from autonomos.server.db.session import Database, TenantSession
from autonomos.server.errors import Problem, invalid, not_found
from autonomos.server.pagination import paginate


def list_members(s: TenantSession, limit: int | None, cursor: str | None) -> tuple[list[tuple[Membership, str]], str | None]:
    """One page of memberships, oldest first, each with its user's email; and the next cursor."""
    rows, next_cursor = paginate(s, select(Membership), Membership, limit, cursor)
    emails = {row.id: row.email for row in s.execute(
        select(User.id, User.email).where(User.id.in_([r.user_id for r in rows])))}
    return [(r, emails.get(r.user_id, "")) for r in rows], next_cursor


def member_email(s: TenantSession, m: Membership) -> str:
    return s.scalar(select(User.email).where(User.id == m.user_id)) or ""


def list_invitations(s: TenantSession, limit: int | None, cursor: str | None) -> tuple[list[Invitation], str | None]:
    """One page of the invitations not yet accepted."""
    return paginate(s, select(Invitation).where(Invitation.accepted_at.is_(None)), Invitation, limit, cursor)


def list_api_keys(s: TenantSession, limit: int | None, cursor: str | None) -> tuple[list[ApiKey], str | None]:
    return paginate(s, select(ApiKey), ApiKey, limit, cursor)


def _may_grant(ctx: TenantContext, role: str) -> None:
    if ROLE_RANK[role] > ROLE_RANK[ctx.role]:
        raise Problem(403, f"a {ctx.role} cannot grant the {role!r} role", slug="forbidden")


# -- members -----------------------------------------------------------------------------
def update_member_role(s: TenantSession, ctx: TenantContext, membership_id: uuid.UUID, role: str) -> Membership:
    m = s.get(Membership, membership_id)
    if m is None:
        raise not_found("member")
    _may_grant(ctx, role)
    _may_grant(ctx, m.role)  # an admin cannot demote an owner
    if m.role == "owner" and role != "owner":
        _keep_an_owner(s)
    m.role = role
    s.commit()
    return m


def remove_member(s: TenantSession, ctx: TenantContext, membership_id: uuid.UUID) -> None:
    m = s.get(Membership, membership_id)
    if m is None:
        raise not_found("member")
    _may_grant(ctx, m.role)
    if m.role == "owner":
        _keep_an_owner(s)
    s.delete(m)
    s.commit()


def _keep_an_owner(s: TenantSession) -> None:
    owners = s.scalar(select(func.count()).select_from(Membership).where(Membership.role == "owner"))
    if (owners or 0) <= 1:
        raise Problem(409, "an organization keeps at least one owner", slug="conflict")


# -- invitations -------------------------------------------------------------------------
def create_invitation(s: TenantSession, ctx: TenantContext, email: str, role: str, ttl: int) -> tuple[Invitation, str]:
    _may_grant(ctx, role)
    email = normalize_email(email)
    already = s.scalar(select(Membership.id).join(User, User.id == Membership.user_id).where(User.email == email))
    if already is not None:
        raise Problem(409, f"{email} is already a member", slug="conflict")
    token = new_opaque_token()
    inv = Invitation(email=email, role=role, token_hash=token_digest(token), invited_by=ctx.user_id,
                     expires_at=utcnow() + dt.timedelta(seconds=ttl))
    s.add(inv)
    s.commit()
    return inv, token


def revoke_invitation(s: TenantSession, invitation_id: uuid.UUID) -> None:
    inv = s.get(Invitation, invitation_id)
    if inv is None or inv.accepted_at is not None:
        raise not_found("invitation")
    s.delete(inv)
    s.commit()


def _open_invitation(s: Any, token: str) -> Invitation:
    """The pending invitation of ``token``; unknown, used and expired tokens all answer 404."""
    inv = s.scalar(select(Invitation).where(Invitation.token_hash == token_digest(token)))
    if inv is None or inv.accepted_at is not None or as_utc(inv.expires_at) <= utcnow():  # type: ignore[operator]
        raise not_found("invitation")
    return inv


def preview_invitation(db: Database, token: str, viewer: uuid.UUID | None) -> tuple[Invitation, str, bool | None]:
    """(invitation, organization name, whether the invitee's email has an account). The last is
    told only to ``viewer`` (the signed-in caller's user id) when that user is the invitee; for
    anyone else it is None."""
    with db.system_session() as s:
        inv = _open_invitation(s, token)
        org = s.get(Organization, inv.tenant_id)
        viewer_email = s.scalar(select(User.email).where(User.id == viewer)) if viewer is not None else None
        s.expunge(inv)
        return inv, org.name if org is not None else "", True if viewer_email == inv.email else None


def accept_invitation(db: Database, hasher: PasswordHasher, throttle: LoginThrottle, address: str, token: str,
                      password: str) -> tuple[uuid.UUID, User, str]:
    """Create the invitee's account (or attach the existing one, whose password must match) and
    add the membership. Unknown, used and expired tokens all answer 404.

    Checking an existing account's password is a login: it shares the login's throttle (per
    account and per address) and failure counts, or inviting a victim's email would be a way to
    guess their password without limit."""
    with db.system_session() as s:
        inv = _open_invitation(s, token)
        user = s.scalar(select(User).where(User.email == inv.email))
        if user is None:
            user = User(email=inv.email, password_hash=hasher.hash(password))
            s.add(user)
            s.flush()
        else:
            retry = throttle.retry_after(inv.email, address)
            if retry is not None:
                raise throttled(retry)
            if not hasher.verify(user.password_hash, password):
                throttle.record_failure(inv.email, address)
                raise Problem(401, "this email already has an account; give its password to join", slug="unauthorized")
            throttle.reset_account(inv.email)
        exists = s.scalar(select(Membership.id).where(Membership.tenant_id == inv.tenant_id, Membership.user_id == user.id))
        if exists is None:
            s.add(Membership(tenant_id=inv.tenant_id, user_id=user.id, role=inv.role))
        inv.accepted_at = utcnow()
        s.commit()
        return inv.tenant_id, user, inv.role


# -- API keys ----------------------------------------------------------------------------
def create_api_key(s: TenantSession, ctx: TenantContext, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    wanted = sorted(set(scopes))
    beyond = [sc for sc in wanted if sc not in ctx.scopes]
    if beyond:
        raise invalid("scopes", f"you cannot grant {', '.join(beyond)}")
    key, prefix = new_api_key()
    row = ApiKey(name=name.strip() or "key", prefix=prefix, key_hash=token_digest(key), scopes=wanted,
                 created_by=ctx.user_id)
    s.add(row)
    s.commit()
    return row, key


def revoke_api_key(s: TenantSession, key_id: uuid.UUID) -> None:
    row = s.get(ApiKey, key_id)
    if row is None:
        raise not_found("API key")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        s.commit()
