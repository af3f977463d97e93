"""``/api/v1/auth``: register, login, refresh, logout, me."""

from __future__ import annotations

import re
from dataclasses import dataclass

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.concurrency import sync_to_thread
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from autonomos.server.auth.middleware import ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE, check_csrf, unauthorized
from autonomos.server.auth.passwords import password_problem
from autonomos.server.auth.schemas import LoginForm, MeOut, OrganizationOut, RegisterIn, TokenOut, UserOut
from autonomos.server.auth.service import AuthService, IssuedTokens
from autonomos.server.auth.tokens import csrf_token
from autonomos.server.context import ROLE_SCOPES, TenantContext
from autonomos.server.db.models import Organization, User
from autonomos.server.db.session import TenantSession
from autonomos.server.errors import Problem, invalid, problem_responses
from autonomos.server.settings import Settings

AUTH_PATH = "/api/v1/auth"
PUBLIC = {"exclude_from_auth": True}


def _secure(request: Request, settings: Settings) -> bool:
    mode = settings.auth.cookie_secure
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def _with_session_cookies(response: Response, request: Request, settings: Settings, tokens: IssuedTokens) -> Response:
    secure = _secure(request, settings)
    response.set_cookie(ACCESS_COOKIE, tokens.access_token, path="/", max_age=tokens.expires_in,
                        httponly=True, secure=secure, samesite="lax")
    response.set_cookie(REFRESH_COOKIE, tokens.refresh_token, path=AUTH_PATH, max_age=settings.auth.refresh_ttl,
                        httponly=True, secure=secure, samesite="lax")
    response.set_cookie(CSRF_COOKIE, csrf_token(settings.auth, tokens.session_id), path="/", max_age=settings.auth.refresh_ttl,
                        httponly=False, secure=secure, samesite="lax")
    return response


def _clear_session_cookies(response: Response) -> Response:
    response.delete_cookie(ACCESS_COOKIE, path="/")
    response.delete_cookie(REFRESH_COOKIE, path=AUTH_PATH)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


def _me(org: Organization, role: str, ctx_scopes: frozenset[str], method: str, user: User | None) -> MeOut:
    return MeOut(
        organization=OrganizationOut(id=org.id, name=org.name, slug=org.slug, created_at=org.created_at),
        role=role, scopes=sorted(ctx_scopes), auth_method=method,  # type: ignore[arg-type]
        user=UserOut(id=user.id, email=user.email, created_at=user.created_at) if user else None,
    )


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_LOGIN_FIELDS = {"username": "the email address", "password": "the password", "grant_type": "OAuth2: password",
                 "scope": "OAuth2 scopes (ignored)", "organization": "slug or id, for users in several organizations"}


@dataclass
class LoginOperation(Operation):
    """The login handler reads its body itself (form or JSON), so this declares both for OpenAPI."""

    def __post_init__(self) -> None:
        schema = Schema(type=OpenAPIType.OBJECT, required=["username", "password"], properties={
            name: Schema(type=OpenAPIType.STRING, description=description) for name, description in _LOGIN_FIELDS.items()})
        self.request_body = RequestBody(required=True, content={
            FORM: OpenAPIMediaType(schema=schema), JSON: OpenAPIMediaType(schema=schema)})


async def _login_form(request: Request) -> LoginForm:
    """The OAuth2 password form, or the same fields as a JSON object (what API clients send
    first); anything else is 415 saying which encodings login takes."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == JSON:
            return msgspec.json.decode(await request.body(), type=LoginForm)
        if kind == FORM:
            form = await request.form()
            return msgspec.convert({k: form.get(k) for k in _LOGIN_FIELDS if k in form}, LoginForm)
    except msgspec.ValidationError as exc:
        found = re.search(r"`\$\.(\w+)`|field `(\w+)`", str(exc))
        field = next((g for g in found.groups() if g), "body") if found else "body"
        raise invalid(field, str(exc)) from None
    except msgspec.DecodeError as exc:
        raise Problem(400, f"the body is not valid JSON: {exc}", slug="malformed", title="Malformed request") from None
    raise Problem(415, f"login takes {FORM} (the OAuth2 password form: username=…&password=…) or {JSON} "
                       f"({{\"username\": …, \"password\": …}}), not {kind or 'a body without a Content-Type'}",
                  slug="unsupported-media-type", title="Unsupported Media Type")


class AuthController(Controller):
    path = AUTH_PATH
    tags = ["auth"]

    @post("/register", operation_id="register", opt=PUBLIC, status_code=HTTP_201_CREATED, sync_to_thread=True,
          summary="Create an organization and its owner", responses=problem_responses(409, 422))
    def register(self, data: RegisterIn, auth_service: AuthService) -> MeOut:
        """Creates the organization and its first member (role ``owner``). Log in afterwards."""
        if problem := password_problem(data.password):
            raise invalid("password", problem)
        org, user = auth_service.create_organization(data.organization, data.email, data.password)
        return _me(org, "owner", ROLE_SCOPES["owner"], "password", user)

    @post("/login", operation_id="login", opt=PUBLIC, status_code=200, operation_class=LoginOperation,
          summary="OAuth2 password login", responses=problem_responses(400, 401, 413, 415, 422, 429))
    async def login(self, request: Request, auth_service: AuthService, settings: Settings) -> Response[TokenOut]:
        """Form fields ``username`` (email) and ``password``; optional ``organization`` (slug or id).
        The same fields as a JSON object work too.

        Returns the access token; also sets the HttpOnly ``autonomos_access`` cookie (browser and
        WebSocket), the HttpOnly ``autonomos_refresh`` cookie (path ``/api/v1/auth``) and the
        readable ``csrftoken`` cookie. Failed logins answer 401 with one message whatever was
        wrong; too many answer 429 with ``Retry-After``.
        """
        data = await _login_form(request)
        address = request.client.host if request.client else "unknown"
        tokens = await sync_to_thread(auth_service.login, data.username, data.password, address, data.organization)
        body = TokenOut(access_token=tokens.access_token, expires_in=tokens.expires_in)
        return _with_session_cookies(Response(body), request, settings, tokens)

    @post("/refresh", operation_id="refreshToken", opt=PUBLIC, status_code=200, sync_to_thread=True,
          summary="Rotate the refresh token", responses=problem_responses(401, 403))
    def refresh(self, request: Request, auth_service: AuthService, settings: Settings) -> Response[TokenOut]:
        """Spends the ``autonomos_refresh`` cookie for a new access token and refresh token.

        Needs ``X-CSRF-Token`` equal to the ``csrftoken`` cookie. Presenting an already-rotated
        token revokes every token of its family (401 ``token-reuse``).
        """
        token = request.cookies.get(REFRESH_COOKIE)
        if not token:
            raise unauthorized("no refresh token cookie; log in")
        check_csrf(request, auth_service.session_of(token))
        tokens = auth_service.refresh(token)
        body = TokenOut(access_token=tokens.access_token, expires_in=tokens.expires_in)
        return _with_session_cookies(Response(body), request, settings, tokens)

    @post("/logout", operation_id="logout", opt=PUBLIC, status_code=HTTP_204_NO_CONTENT, sync_to_thread=True,
          summary="Revoke the session")
    def logout(self, request: Request, auth_service: AuthService) -> Response[None]:
        """Revokes the refresh token family of the cookie and clears the cookies."""
        token = request.cookies.get(REFRESH_COOKIE)
        if token:
            check_csrf(request, auth_service.session_of(token))
        auth_service.logout(token)
        return _clear_session_cookies(Response(None, status_code=HTTP_204_NO_CONTENT))

    @get("/me", operation_id="getMe", sync_to_thread=True, summary="The caller",
         responses=problem_responses(401))
    def me(self, ctx: TenantContext, db_session: TenantSession) -> MeOut:
        """The caller's user (null for API keys), organization, role and scopes."""
        org = db_session.get(Organization, ctx.tenant_id)
        user = db_session.get(User, ctx.user_id) if ctx.user_id else None
        assert org is not None
        return _me(org, ctx.role, ctx.scopes, ctx.auth_method, user)
