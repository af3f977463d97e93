"""redaction: references stay, secret-looking values and URL passwords are masked."""

from __future__ import annotations

import pytest

from autonomos.core.models import PipelineSpec, SourceSpec
from autonomos.core.redaction import is_secret_key, redact, redact_spec


def test_references_stay_and_secret_keys_are_masked() -> None:
    config = {
        "url": {"$env": "DB_URL"},
        "password": "hunter2",
        "api_key": "sk-123",
        "auth": {"user": "bot", "token": "t0k"},
        "tables": ["a", "b"],
        "primary_key": "id",
        "key": "k",
        "clientSecret": "cs",
        "port": 5432,
    }
    assert redact(config) == {
        "url": {"$env": "DB_URL"},
        "password": "***",
        "api_key": "***",
        "auth": {"user": "***", "token": "***"},  # everything under an auth block
        "tables": ["a", "b"],
        "primary_key": "id",
        "key": "***",
        "clientSecret": "***",
        "port": 5432,
    }
    assert config["password"] == "hunter2"  # a copy, never in place


def test_reference_under_a_secret_key_is_shown_as_is() -> None:
    assert redact({"password": {"$env": "PW"}, "token": None}) == {"password": {"$env": "PW"},
                                                                 "token": None}


def test_passwords_inside_urls_and_query_strings() -> None:
    assert redact({"url": "postgresql://app:s3cret@db:5432/x"}) == {"url": "postgresql://app:***@db:5432/x"}
    assert redact({"endpoint": "https://api.example.com/v1?api_key=abc&page=2"}) == {
        "endpoint": "https://api.example.com/v1?api_key=***&page=2"}
    assert redact(["mysql+pymysql://root:pw@127.0.0.1/test"]) == ["mysql+pymysql://root:***@127.0.0.1/test"]
    assert redact({"url": "sqlite:///data.db"}) == {"url": "sqlite:///data.db"}


@pytest.mark.parametrize("key, secret", [
    ("password", True), ("db_password", True), ("PASSWORD", True), ("aws_secret_access_key", True),
    ("private_key", True), ("ssh-key", True), ("apiKey", True), ("bearer_token", True),
    ("primary_key", False), ("sort_key", False), ("keys", False), ("tables", False),
    ("cursor", False), ("path", False),
])
def test_secret_key_names(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


def test_redact_spec_redacts_every_source() -> None:
    spec = PipelineSpec(sources=[SourceSpec("a", "sql", {"url": "postgres://u:p@h/d"}),
                                 SourceSpec("b", "rest", {"token": "abc"})])
    data = redact_spec(spec)
    assert [s["config"] for s in data["sources"]] == [{"url": "postgres://u:***@h/d"},
                                                      {"token": "***"}]
    assert spec.sources[1].config == {"token": "abc"}
