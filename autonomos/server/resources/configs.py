"""Connector configs on the server: validation against the connector's attrs ``Config``, the
file-access policy, and the JSON schema the console generates its forms from.

Server policy (tenants share the machine, so a config must not reach outside the tenant):

* ``{"$env": NAME}`` references resolve against a **tenant-scoped environment** that is empty
  today: tenants cannot read the server's environment variables. A reference is refused when the
  source is saved, with a message saying to store the value itself (it is encrypted at rest).
* Path-like fields (``path``, ``file``, ``data_dir``, ``*_path``, ``*_dir``…) must be relative,
  without ``..``, ``~`` or an absolute start; they resolve inside the organization's file area
  ``<data dir>/tenants/<uuid>/files/`` (the run's ``base_dir``).
* File-backed database URLs (``sqlite:``, ``duckdb:``, ``file:``) are refused.
* Hosts (URLs, ``host`` fields) must not be the server's own network: see
  :mod:`autonomos.core.network`.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import typing
from pathlib import Path, PurePosixPath
from typing import Any

import attrs

from autonomos.core.redaction import is_ref, is_secret_key
from autonomos.core.serde import ValidationError, structure
from autonomos.server.errors import FieldError
from autonomos.core.network import network_problems
from autonomos.server.resources.secrets import is_sealed

SOURCE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
PATH_KEY = re.compile(r"(^|_)(path|paths|file|files|filename|dir|dirs|directory|folder|root)$")
FILE_URL = re.compile(r"^\s*(sqlite|duckdb|file)[a-z0-9+]*:", re.IGNORECASE)
NO_ENV = ("environment references are not available on the server (tenants cannot read the server's "
          "environment); store the value itself: secrets are encrypted at rest and never shown")


def _walk(value: Any, path: str) -> typing.Iterator[tuple[str, str, Any]]:
    """(path, key, value) of every node below ``value`` (references and sealed values are leaves)."""
    if isinstance(value, dict) and not is_ref(value) and not is_sealed(value):
        for k, v in value.items():
            child = f"{path}.{k}"
            yield child, str(k), v
            yield from _walk(v, child)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield f"{path}[{i}]", "", v
            yield from _walk(v, f"{path}[{i}]")


def _path_problem(value: str) -> str | None:
    if value.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", value):
        return "must be a path relative to the organization's file area (absolute paths are refused on the server)"
    if ".." in PurePosixPath(value.replace("\\", "/")).parts:
        return "must not contain '..' (paths stay inside the organization's file area)"
    return None


def policy_errors(config: dict[str, Any], root: str = "config") -> list[FieldError]:
    """Everything in ``config`` the server refuses (see the module docstring)."""
    errors: list[FieldError] = []
    path_keys: dict[str, bool] = {}
    for path, key, value in _walk(config, root):
        if isinstance(value, dict) and any(str(k).startswith("$") for k in value) and not is_sealed(value):
            errors.append(FieldError(path, NO_ENV if "$env" in value else
                                     f"unknown reference {sorted(value)[0]!r}"))
            continue
        if key:
            path_keys[path] = bool(PATH_KEY.search(key.lower()))
        owner = path if key else path.rsplit("[", 1)[0]
        if isinstance(value, str):
            if path_keys.get(owner) and (problem := _path_problem(value.strip())):
                errors.append(FieldError(path, problem))
            elif FILE_URL.match(value):
                errors.append(FieldError(path, "file-backed database URLs (sqlite:, duckdb:, file:) are refused "
                                               "on the server; use a network database"))
            else:
                errors.extend(FieldError(path, problem) for problem in network_problems(key, value))
    return errors


def config_errors(connector_cls: type, config: Any, root: str = "config") -> list[FieldError]:
    """Validate ``config`` with the connector's attrs ``Config`` (every problem, with its path)."""
    if not isinstance(config, dict):
        return [FieldError(root, "expected a mapping")]
    config_cls = getattr(connector_cls, "Config", None)
    if not attrs.has(config_cls):
        return [FieldError(root, f"connector '{getattr(connector_cls, 'name', '?')}' declares no attrs Config class")]
    try:
        structure(config, config_cls, path=root)
    except ValidationError as exc:
        return [FieldError(i.path or root, i.message) for i in exc.issues]
    except Exception as exc:  # a connector's validator failing in its own way
        return [FieldError(root, f"invalid config: {exc}")]
    return []


# -- JSON schema for the console's forms -----------------------------------------------------------

def _type_schema(hint: Any) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if origin in (typing.Union, getattr(__import__("types"), "UnionType")):
        schemas = [_type_schema(a) for a in args]
        return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    if origin is typing.Literal:
        return {"enum": list(typing.get_args(hint))}
    if origin in (list, tuple, set, frozenset) or hint in (list, tuple):
        return {"type": "array", "items": _type_schema(args[0]) if args else {}}
    if origin is dict or hint is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1]) if len(args) == 2 else {}}
    if isinstance(hint, type):
        if issubclass(hint, bool):
            return {"type": "boolean"}
        if issubclass(hint, int):
            return {"type": "integer"}
        if issubclass(hint, float):
            return {"type": "number"}
        if issubclass(hint, enum.Enum):
            return {"enum": [m.value for m in hint]}
        if issubclass(hint, (dt.date, dt.datetime)):
            return {"type": "string", "format": "date-time" if issubclass(hint, dt.datetime) else "date"}
        if issubclass(hint, (str, Path)):
            return {"type": "string"}
        if attrs.has(hint):
            return config_schema(hint)
    return {}


def _jsonable_default(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float, bool)) for v in value):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    return None


def config_schema(config_cls: type) -> dict[str, Any]:
    """JSON schema of an attrs ``Config``: types, required fields, defaults, and which fields
    hold secrets (``"x-secret": true`` → a password input; stored encrypted, shown as ``***``)."""
    try:
        hints = typing.get_type_hints(config_cls)
    except Exception:
        hints = {}
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in attrs.fields(config_cls):
        name = f.alias or f.name
        schema = dict(_type_schema(hints.get(f.name, f.type)))
        schema["title"] = name.replace("_", " ").capitalize()
        if f.default is attrs.NOTHING:
            required.append(name)
        elif isinstance(f.default, attrs.Factory):  # type: ignore[arg-type]
            pass
        else:
            default = _jsonable_default(f.default)
            if default is not None or f.default is None:
                schema["default"] = default
        if is_secret_key(name):
            schema["x-secret"] = True
            schema["writeOnly"] = True
        elif name.lower().endswith("url"):
            schema["x-secret-parts"] = "a password inside the URL is stored encrypted and shown as ***"
        if f.metadata.get("description"):
            schema["description"] = str(f.metadata["description"])
        if f.metadata.get("choices"):  # a str field validated against a fixed list: a select in forms
            schema["enum"] = [str(c) for c in f.metadata["choices"]]
        props[name] = schema
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}
