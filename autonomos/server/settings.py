"""Server settings: one frozen dataclass per concern, each field from a named environment variable.

Loaded once (:func:`get_settings`) and validated eagerly: a wrong value stops the server at
startup with a :class:`~autonomos.core.errors.ConfigError` naming the variable, never at the first
request.

Secrets (``AUTONOMOS_JWT_SECRET``, ``AUTONOMOS_SECRET_KEY``): in embedded mode (SQLite metadata
database) a missing secret is generated on first run and stored under ``<data dir>/secrets/``
with 0600 permissions, so restarts keep sessions and encrypted source secrets valid. In production
mode (any other database) a missing secret is fatal: every server and worker must share it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, TypeVar

from autonomos.core import settings as core_settings
from autonomos.core.errors import ConfigError

MIN_SECRET_LENGTH = 32
T = TypeVar("T", int, float)


def env_str(name: str, default: str | None = None) -> str | None:
    """The variable's value; ``default`` when it is unset or empty (env_int/float/bool parse it
    and name the variable in the ConfigError when it does not parse)."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_number(name: str, default: T, minimum: T, parse: Callable[[str], T], what: str) -> T:
    raw = env_str(name)
    if raw is None:
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise ConfigError(f"{name} must be {what}, got {raw!r}") from None
    if value < minimum:  # type: ignore[operator]
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def env_int(name: str, default: int, minimum: int = 0) -> int:
    return _env_number(name, default, minimum, int, "an integer")


def env_float(name: str, default: float, minimum: float = 0.0) -> float:
    return _env_number(name, default, minimum, float, "a number")


def env_bool(name: str, default: bool) -> bool:
    raw = env_str(name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


RLS_BYPASS_ENV = "AUTONOMOS_ALLOW_RLS_BYPASS"


@dataclass(frozen=True)
class DatabaseSettings:
    """``AUTONOMOS_DATABASE_URL`` (default: SQLite file ``<data dir>/autonomos.sqlite``)."""

    url: str
    echo: bool = False
    # AUTONOMOS_ALLOW_RLS_BYPASS: start even when the PostgreSQL role skips row-level security
    # (a superuser or BYPASSRLS role); off by default, see autonomos.server.db.session.refuse_rls_bypass
    allow_rls_bypass: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    @classmethod
    def from_env(cls, data_dir: Path) -> DatabaseSettings:
        url = env_str("AUTONOMOS_DATABASE_URL") or f"sqlite:///{data_dir / 'autonomos.sqlite'}"
        if url.startswith("postgres://") or url.startswith("postgresql://"):
            # psycopg 3 is the one installed driver; name it explicitly so SQLAlchemy does not
            # reach for psycopg2.
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        if not (url.startswith("sqlite") or url.startswith("postgresql+psycopg")):
            raise ConfigError(f"AUTONOMOS_DATABASE_URL must be sqlite:///… or postgresql+psycopg://…, got {url.split(':', 1)[0]}://…")
        return cls(url=url, echo=env_bool("AUTONOMOS_DATABASE_ECHO", False),
                   allow_rls_bypass=env_bool(RLS_BYPASS_ENV, False))


@dataclass(frozen=True)
class RedisSettings:
    """``AUTONOMOS_REDIS_URL``: unset in embedded mode."""

    url: str | None = None

    @classmethod
    def from_env(cls) -> RedisSettings:
        url = env_str("AUTONOMOS_REDIS_URL")
        if url is not None and not url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(f"AUTONOMOS_REDIS_URL must start with redis://, rediss:// or unix://, got {url!r}")
        return cls(url=url)


@dataclass(frozen=True)
class AuthSettings:
    """Tokens, cookies, password hashing and login throttling."""

    jwt_secret: str
    secret_key: str
    issuer: str = "autonomos"
    audience: str = "autonomos-api"
    access_ttl: int = 15 * 60
    refresh_ttl: int = 14 * 24 * 3600
    invitation_ttl: int = 7 * 24 * 3600
    # "auto": Secure cookies when the request came over https; "always" / "never" force it.
    cookie_secure: str = "auto"
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    argon2_parallelism: int = 4
    throttle_account_failures: int = 5
    throttle_address_failures: int = 20
    throttle_window: int = 15 * 60
    # how long a resolved credential is trusted without a database query (AUTONOMOS_AUTH_CACHE_SECONDS)
    cache_ttl: float = 5.0

    @classmethod
    def from_env(cls, data_dir: Path, embedded: bool) -> AuthSettings:
        secure = (env_str("AUTONOMOS_COOKIE_SECURE", "auto") or "auto").lower()
        if secure not in ("auto", "always", "never"):
            raise ConfigError(f"AUTONOMOS_COOKIE_SECURE must be auto, always or never, got {secure!r}")
        return cls(
            jwt_secret=_secret("AUTONOMOS_JWT_SECRET", data_dir, embedded),
            secret_key=_secret("AUTONOMOS_SECRET_KEY", data_dir, embedded),
            issuer=env_str("AUTONOMOS_JWT_ISSUER", "autonomos") or "autonomos",
            audience=env_str("AUTONOMOS_JWT_AUDIENCE", "autonomos-api") or "autonomos-api",
            access_ttl=env_int("AUTONOMOS_ACCESS_TOKEN_TTL", 15 * 60, minimum=30),
            refresh_ttl=env_int("AUTONOMOS_REFRESH_TOKEN_TTL", 14 * 24 * 3600, minimum=60),
            cookie_secure=secure,
            argon2_time_cost=env_int("AUTONOMOS_ARGON2_TIME_COST", 3, minimum=1),
            argon2_memory_cost=env_int("AUTONOMOS_ARGON2_MEMORY_KIB", 65536, minimum=8),
            argon2_parallelism=env_int("AUTONOMOS_ARGON2_PARALLELISM", 4, minimum=1),
            throttle_account_failures=env_int("AUTONOMOS_LOGIN_MAX_FAILURES", 5, minimum=1),
            throttle_address_failures=env_int("AUTONOMOS_LOGIN_MAX_FAILURES_PER_ADDRESS", 20, minimum=1),
            throttle_window=env_int("AUTONOMOS_LOGIN_THROTTLE_WINDOW", 15 * 60, minimum=1),
            cache_ttl=auth_cache_ttl_from_env(),
        )


AUTH_CACHE_TTL_ENV = "AUTONOMOS_AUTH_CACHE_SECONDS"


def auth_cache_ttl_from_env() -> float:
    """``AUTONOMOS_AUTH_CACHE_SECONDS``: 0-300 seconds, default 5 (0 turns the cache off)."""
    raw = (env_str(AUTH_CACHE_TTL_ENV, "") or "").strip()
    if not raw:
        return 5.0
    try:
        ttl = float(raw)
    except ValueError:
        raise ConfigError(f"{AUTH_CACHE_TTL_ENV}={raw!r} must be a number of seconds (0 disables the cache)") from None
    if ttl < 0 or ttl > 300:
        raise ConfigError(f"{AUTH_CACHE_TTL_ENV}={raw!r} must be between 0 and 300 seconds")
    return ttl


@dataclass(frozen=True)
class HTTPSettings:
    """CORS origins (comma-separated ``AUTONOMOS_CORS_ORIGINS``), body size limit, static dir,
    and the file upload limit (``AUTONOMOS_MAX_UPLOAD_MB``: only ``POST /api/v1/files`` takes
    bodies that large; every other route keeps ``max_body_size``)."""

    cors_origins: tuple[str, ...] = ()
    max_body_size: int = 10 * 1024 * 1024
    max_upload_mb: int = 1024
    static_dir: Path = Path(__file__).parent / "static"

    @classmethod
    def from_env(cls) -> HTTPSettings:
        origins = tuple(o.strip().rstrip("/") for o in (env_str("AUTONOMOS_CORS_ORIGINS", "") or "").split(",") if o.strip())
        for o in origins:
            if o != "*" and not o.startswith(("http://", "https://")):
                raise ConfigError(f"AUTONOMOS_CORS_ORIGINS: {o!r} is not an origin (http(s)://host[:port])")
        return cls(
            cors_origins=origins,
            max_body_size=env_int("AUTONOMOS_MAX_BODY_BYTES", 10 * 1024 * 1024, minimum=1024),
            max_upload_mb=env_int("AUTONOMOS_MAX_UPLOAD_MB", 1024, minimum=1),
            static_dir=Path(env_str("AUTONOMOS_STATIC_DIR") or Path(__file__).parent / "static"),
        )


@dataclass(frozen=True)
class Settings:
    """Everything the server reads from the environment."""

    data_dir: Path
    db: DatabaseSettings
    redis: RedisSettings
    auth: AuthSettings
    http: HTTPSettings = field(default_factory=HTTPSettings)

    @property
    def embedded(self) -> bool:
        """One machine: SQLite metadata, in-process worker (no Redis)."""
        return self.db.is_sqlite and self.redis.url is None

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = core_settings.data_dir()
        db = DatabaseSettings.from_env(data_dir)
        env_bool("AUTONOMOS_SOURCES_ALLOW_PRIVATE", False)  # validated at startup; read per check (core/network.py)
        return cls(
            data_dir=data_dir,
            db=db,
            redis=RedisSettings.from_env(),
            auth=AuthSettings.from_env(data_dir, embedded=db.is_sqlite),
            http=HTTPSettings.from_env(),
        )


def _secret(name: str, data_dir: Path, embedded: bool) -> str:
    """The env var, else (embedded mode) a generated secret kept in ``<data dir>/secrets/``."""
    value = env_str(name)
    if value is not None:
        if len(value) < MIN_SECRET_LENGTH:
            raise ConfigError(f"{name} must be at least {MIN_SECRET_LENGTH} characters long")
        return value
    if not embedded:
        raise ConfigError(f"{name} is required in production mode (AUTONOMOS_DATABASE_URL is not SQLite); "
                          f"generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'")
    path = data_dir / "secrets" / name.lower().removeprefix("autonomos_")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        # Write a private temp file, then hard-link it into place: link fails if another process
        # got there first, so processes starting together agree on one complete secret.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    stored = path.read_text().strip()
    if len(stored) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{path} (stored {name}) is empty or too short; delete it to regenerate")
    return stored


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings.from_env()
