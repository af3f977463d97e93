"""Settings: env parsing, fatal errors naming the variable, generated secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from autonomos.core.errors import ConfigError
from autonomos.server.settings import Settings


def test_defaults_embedded(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AUTONOMOS_DATABASE_URL", "AUTONOMOS_REDIS_URL", "AUTONOMOS_JWT_SECRET", "AUTONOMOS_SECRET_KEY"):
        monkeypatch.delenv(var, raising=False)
    s = Settings.from_env()
    assert s.embedded and s.db.url == f"sqlite:///{data_dir / 'autonomos.sqlite'}"
    secret = data_dir / "secrets" / "jwt_secret"
    assert secret.read_text() == s.auth.jwt_secret and secret.stat().st_mode & 0o777 == 0o600
    assert Settings.from_env().auth.jwt_secret == s.auth.jwt_secret  # kept across restarts
    assert s.auth.secret_key != s.auth.jwt_secret


def test_production_requires_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTONOMOS_DATABASE_URL", "postgresql://app@db/autonomos")
    monkeypatch.delenv("AUTONOMOS_JWT_SECRET", raising=False)
    with pytest.raises(ConfigError, match="AUTONOMOS_JWT_SECRET is required in production"):
        Settings.from_env()
    monkeypatch.setenv("AUTONOMOS_JWT_SECRET", "s" * 40)
    monkeypatch.setenv("AUTONOMOS_SECRET_KEY", "t" * 40)
    s = Settings.from_env()
    assert s.db.url == "postgresql+psycopg://app@db/autonomos" and not s.embedded


@pytest.mark.parametrize("var,value,message", [
    ("AUTONOMOS_DATABASE_URL", "mysql://x/y", "AUTONOMOS_DATABASE_URL must be"),
    ("AUTONOMOS_REDIS_URL", "localhost:6379", "AUTONOMOS_REDIS_URL must start"),
    ("AUTONOMOS_JWT_SECRET", "short", "AUTONOMOS_JWT_SECRET must be at least 32"),
    ("AUTONOMOS_CORS_ORIGINS", "console.example.com", "AUTONOMOS_CORS_ORIGINS"),
    ("AUTONOMOS_ACCESS_TOKEN_TTL", "soon", "AUTONOMOS_ACCESS_TOKEN_TTL must be an integer"),
    ("AUTONOMOS_COOKIE_SECURE", "maybe", "AUTONOMOS_COOKIE_SECURE must be"),
])
def test_bad_values_name_the_variable(monkeypatch: pytest.MonkeyPatch, var: str, value: str, message: str) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError, match=message):
        Settings.from_env()


def test_cors_origins_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTONOMOS_CORS_ORIGINS", "https://a.example, http://localhost:5173/")
    assert Settings.from_env().http.cors_origins == ("https://a.example", "http://localhost:5173")
