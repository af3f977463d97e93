"""``/api/v1/organization``, ``/members``, ``/invitations``, ``/api-keys``."""

from __future__ import annotations

import uuid

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED

from autonomos.server.auth.guards import requires_role
from autonomos.server.auth.middleware import signed_in_user
from autonomos.server.auth.passwords import PasswordHasher
from autonomos.server.auth.schemas import MeOut, OrganizationOut, UserOut
from autonomos.server.auth.service import AuthService
from autonomos.server.context import ROLE_SCOPES, TenantContext
from autonomos.server.db.models import ApiKey, Invitation, Membership, Organization
from autonomos.server.db.session import Database, TenantSession
from autonomos.server.errors import not_found, problem_responses
from autonomos.server.pagination import Cursor, Limit
from autonomos.server.settings import Settings
from autonomos.server.tenants import service
from autonomos.server.tenants.schemas import (
    AcceptIn,
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    ApiKeyPage,
    InvitationCreated,
    InvitationIn,
    InvitationOut,
    InvitationPage,
    InvitationPreview,
    MemberOut,
    MemberPage,
    MemberUpdate,
)

ADMIN = [requires_role("admin")]
# The token's format (secrets.token_urlsafe(32)), documented only: any other string answers 404 as an
# unknown token does. It also tells a token from an invitation id (a UUID) on the same path.
InvitationToken = Parameter(description="the invitation token", schema_extra={"pattern": r"^[A-Za-z0-9_-]{43}$"})


def _org_out(org: Organization) -> OrganizationOut:
    return OrganizationOut(id=org.id, name=org.name, slug=org.slug, created_at=org.created_at)


class OrganizationController(Controller):
    path = "/api/v1/organization"
    tags = ["organization"]

    @get("/", operation_id="getOrganization", sync_to_thread=True, summary="The caller's organization",
         responses=problem_responses(401))
    def get_organization(self, ctx: TenantContext, db_session: TenantSession) -> OrganizationOut:
        """Name, slug and id (the engine tenant UUID) of the caller's organization."""
        org = db_session.get(Organization, ctx.tenant_id)
        if org is None:
            raise not_found("organization")
        return _org_out(org)


def _member_out(m: Membership, email: str) -> MemberOut:
    return MemberOut(id=m.id, user_id=m.user_id, email=email, role=m.role, created_at=m.created_at)  # type: ignore[arg-type]


class MemberController(Controller):
    path = "/api/v1/members"
    tags = ["members"]

    @get("/", operation_id="listMembers", sync_to_thread=True, summary="Members of the organization")
    def list_members(self, db_session: TenantSession, limit: int | None = Limit, cursor: str | None = Cursor) -> MemberPage:
        """Members with their roles, oldest first (cursor pagination)."""
        rows, next_cursor = service.list_members(db_session, limit, cursor)
        return MemberPage(items=[_member_out(m, email) for m, email in rows], next_cursor=next_cursor)

    @patch("/{membership_id:uuid}", operation_id="updateMember", guards=ADMIN, sync_to_thread=True,
           summary="Change a member's role", responses=problem_responses(403, 404, 409))
    def update_member(self, membership_id: uuid.UUID, data: MemberUpdate, ctx: TenantContext,
                      db_session: TenantSession) -> MemberOut:
        """Admins change roles up to their own; the last owner cannot be demoted."""
        m = service.update_member_role(db_session, ctx, membership_id, data.role)
        return _member_out(m, service.member_email(db_session, m))

    @delete("/{membership_id:uuid}", operation_id="removeMember", guards=ADMIN, sync_to_thread=True,
            summary="Remove a member", responses=problem_responses(403, 404, 409))
    def remove_member(self, membership_id: uuid.UUID, ctx: TenantContext, db_session: TenantSession) -> None:
        """Removes the membership (the user account stays)."""
        service.remove_member(db_session, ctx, membership_id)


def _inv_out(inv: Invitation) -> InvitationOut:
    return InvitationOut(id=inv.id, email=inv.email, role=inv.role, expires_at=inv.expires_at,  # type: ignore[arg-type]
                         created_at=inv.created_at, accepted_at=inv.accepted_at)


class InvitationController(Controller):
    path = "/api/v1/invitations"
    tags = ["invitations"]

    @post("/", operation_id="createInvitation", guards=ADMIN, status_code=HTTP_201_CREATED, sync_to_thread=True,
          summary="Invite someone", responses=problem_responses(403, 409, 422))
    def create_invitation(self, data: InvitationIn, ctx: TenantContext, db_session: TenantSession,
                          settings: Settings) -> InvitationCreated:
        """Returns the invitation token once; send it to the invitee, who accepts it with
        ``POST /api/v1/invitations/{token}/accept``."""
        inv, token = service.create_invitation(db_session, ctx, data.email, data.role, settings.auth.invitation_ttl)
        out = _inv_out(inv)
        return InvitationCreated(**{f: getattr(out, f) for f in out.__struct_fields__}, token=token)

    @get("/", operation_id="listInvitations", guards=ADMIN, sync_to_thread=True, summary="Pending invitations")
    def list_invitations(self, db_session: TenantSession, limit: int | None = Limit,
                         cursor: str | None = Cursor) -> InvitationPage:
        """Invitations not yet accepted."""
        rows, next_cursor = service.list_invitations(db_session, limit, cursor)
        return InvitationPage(items=[_inv_out(r) for r in rows], next_cursor=next_cursor)

    @delete("/{invitation_id:uuid}", operation_id="revokeInvitation", guards=ADMIN, sync_to_thread=True,
            summary="Withdraw an invitation", responses=problem_responses(404))
    def revoke_invitation(self, invitation_id: uuid.UUID, db_session: TenantSession) -> None:
        """Deletes a pending invitation; its token stops working."""
        service.revoke_invitation(db_session, invitation_id)

    @get("/{token:str}", operation_id="previewInvitation", opt={"exclude_from_auth": True}, sync_to_thread=True,
         summary="Look at an invitation before accepting", responses=problem_responses(404))
    def preview_invitation(self, request: Request, db: Database, token: str = InvitationToken) -> InvitationPreview:
        """Organization, email and role of a pending invitation. The token is the credential;
        unknown, used or expired ones answer 404. ``account_exists`` is true when the caller is
        signed in as the invited email, else null (the inviter holds the token too, and must not
        learn whether an email has an account)."""
        inv, org_name, exists = service.preview_invitation(db, token, signed_in_user(request))
        return InvitationPreview(organization=org_name, email=inv.email, role=inv.role,  # type: ignore[arg-type]
                                 expires_at=inv.expires_at, account_exists=exists)

    @post("/{token:str}/accept", operation_id="acceptInvitation", opt={"exclude_from_auth": True},
          status_code=HTTP_201_CREATED, sync_to_thread=True, summary="Accept an invitation",
          responses=problem_responses(401, 404, 429))
    def accept_invitation(self, request: Request, data: AcceptIn, db: Database, password_hasher: PasswordHasher,
                          auth_service: AuthService, token: str = InvitationToken) -> MeOut:
        """Creates the account with this password, or attaches the existing account (its password
        must match: a password check like login's, with its throttle, so too many wrong ones answer
        429 with ``Retry-After``). Then log in. Unknown, used or expired tokens answer 404."""
        address = request.client.host if request.client else "unknown"
        tenant_id, user, role = service.accept_invitation(db, password_hasher, auth_service.throttle,
                                                          address, token, data.password)
        with db.session(tenant_id) as s:
            org = s.get(Organization, tenant_id)
            assert org is not None
            return MeOut(organization=_org_out(org), role=role, scopes=sorted(ROLE_SCOPES[role]),  # type: ignore[arg-type]
                         auth_method="password",
                         user=UserOut(id=user.id, email=user.email, created_at=user.created_at))


def _key_out(k: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(id=k.id, name=k.name, prefix=k.prefix, scopes=list(k.scopes), created_at=k.created_at,
                     last_used_at=k.last_used_at, revoked_at=k.revoked_at)


class ApiKeyController(Controller):
    path = "/api/v1/api-keys"
    tags = ["api-keys"]
    guards = ADMIN

    @post("/", operation_id="createApiKey", status_code=HTTP_201_CREATED, sync_to_thread=True, opt={"scope": "admin"},
          summary="Create an API key", responses=problem_responses(403, 422))
    def create_api_key(self, data: ApiKeyIn, ctx: TenantContext, db_session: TenantSession) -> ApiKeyCreated:
        """Returns the key once (``ak_<prefix>_<secret>``); only its hash is stored. Use it as
        ``Authorization: Bearer ak_…`` or ``X-API-Key: ak_…``. Scopes: read, write, admin."""
        row, key = service.create_api_key(db_session, ctx, data.name, list(data.scopes))
        out = _key_out(row)
        return ApiKeyCreated(**{f: getattr(out, f) for f in out.__struct_fields__}, key=key)

    @get("/", operation_id="listApiKeys", sync_to_thread=True, summary="API keys (never their secrets)")
    def list_api_keys(self, db_session: TenantSession, limit: int | None = Limit, cursor: str | None = Cursor) -> ApiKeyPage:
        """Keys with prefix, scopes, last use and revocation time."""
        rows, next_cursor = service.list_api_keys(db_session, limit, cursor)
        return ApiKeyPage(items=[_key_out(r) for r in rows], next_cursor=next_cursor)

    @delete("/{key_id:uuid}", operation_id="revokeApiKey", sync_to_thread=True, opt={"scope": "admin"},
            summary="Revoke an API key", responses=problem_responses(404))
    def revoke_api_key(self, key_id: uuid.UUID, db_session: TenantSession) -> None:
        """The key stops authenticating at once."""
        service.revoke_api_key(db_session, key_id)


controllers = [OrganizationController, MemberController, InvitationController, ApiKeyController]

