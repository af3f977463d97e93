"""Quoting for SQL text built by the engine: one place, so every identifier and literal that
reaches DuckDB (and PostgreSQL, whose rules for these two are the same) is quoted the same way."""

from __future__ import annotations


def qi(name: str) -> str:
    """Quote an identifier (``a"b`` → ``"a""b"``)."""
    return '"' + name.replace('"', '""') + '"'


def ql(value: str) -> str:
    """Quote a string literal (``it's`` → ``'it''s'``)."""
    return "'" + value.replace("'", "''") + "'"
