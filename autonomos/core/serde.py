"""The one cattrs converter, and validation errors that name the path of the bad value.

``structure(data, Cls, path="sources[2].config")`` raises :class:`ValidationError` whose
``issues`` are ``(path, message)`` pairs such as ``("sources[2].config.path", "required")``.
``core.spec`` turns those paths into file/line positions. Scalars are strict where cattrs is
lenient (``"false"`` is False, never ``bool("false")``; a string is not a list of characters),
and unions such as ``str | dict[str, str] | None`` are structured by the value's shape.
"""

from __future__ import annotations

import datetime
import re
import types
from collections.abc import Mapping
from typing import Any, Callable, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (ClassValidationError, ForbiddenExtraKeysError, IterableValidationError,
                           StructureHandlerNotFoundError)
from cattrs.cols import is_mapping, is_mutable_sequence, list_structure_factory
from cattrs.gen import make_dict_structure_fn, mapping_structure_factory
from cattrs.v import transform_error

from autonomos.core.errors import ConfigError

T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=True)


# -- strict shapes and scalars --------------------------------------------------------------
# cattrs' defaults are lenient in ways that hide configuration mistakes: ``bool("false")`` is
# True, a string is an iterable of characters for ``list[str]``, ``str({...})`` accepts any
# mapping. Configuration comes from YAML and environment variables, so the hooks below accept
# the natural spellings (numbers as strings, "true"/"false") and refuse everything else.

def kind_of(value: Any) -> str:
    """How a value reads in messages: "a string", "a mapping", "null"…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError(f"expected a string, got {kind_of(value)}")


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise TypeError(f"expected a boolean (true/false), got {kind_of(value)}")


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise TypeError(f"expected an integer, got {kind_of(value)}")


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise TypeError(f"expected a number, got {kind_of(value)}")


def _guarded(inner: Callable[[Any, Any], Any], accepts: Callable[[Any], bool],
             expected: str) -> Callable[[Any, Any], Any]:
    def hook(value: Any, cl: Any) -> Any:
        if not accepts(value):
            raise TypeError(f"expected {expected}, got {kind_of(value)}")
        return inner(value, cl)
    return hook


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _is_mapping(value: Any) -> bool:
    return isinstance(value, Mapping)


def _describe(type_: Any) -> str:
    if type_ in _NAMES:
        return _NAMES[type_]
    if attrs.has(type_) or is_mapping(type_):
        return "a mapping"
    if is_mutable_sequence(type_):
        return "a list"
    return getattr(type_, "__name__", str(type_))


_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "a boolean",
          type(None): "null"}


def _fits(type_: Any, value: Any) -> bool:
    """Whether ``value`` has the shape of ``type_`` (so that member of a union is tried first)."""
    if isinstance(value, bool):
        return type_ is bool
    if isinstance(value, (int, float)):
        return type_ in (int, float) if isinstance(value, int) else type_ is float
    if isinstance(value, str):
        return type_ is str
    if isinstance(value, Mapping):
        return attrs.has(type_) or is_mapping(type_)
    if isinstance(value, (list, tuple)):
        return is_mutable_sequence(type_)
    return False


def _is_loose_union(type_: Any) -> bool:
    """Unions cattrs cannot structure by itself, such as ``str | dict[str, str] | None``."""
    if get_origin(type_) not in (Union, types.UnionType):
        return False
    members = [a for a in get_args(type_) if a is not type(None)]
    return len(members) > 1 and not all(attrs.has(a) for a in members)


def _union_hook(type_: Any) -> Callable[[Any, Any], Any]:
    members = get_args(type_)

    def hook(value: Any, _: Any) -> Any:
        if value is None and type(None) in members:
            return None
        shaped = [m for m in members if _fits(m, value)]
        for member in shaped:  # the member of the value's shape decides; its errors are precise
            try:
                return converter.structure(value, member)
            except Exception as exc:
                if member is shaped[-1]:
                    raise exc from None
        for member in members:
            if member is not type(None) and not _fits(member, value):
                try:
                    return converter.structure(value, member)
                except Exception:
                    continue
        expected = " or ".join(dict.fromkeys(_describe(m) for m in members))
        raise TypeError(f"expected {expected}, got {kind_of(value)}")

    return hook


converter.register_structure_hook(str, _structure_str)
converter.register_structure_hook(bool, _structure_bool)
converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(float, _structure_float)
converter.register_structure_hook_factory(
    is_mutable_sequence,
    lambda t: _guarded(list_structure_factory(t, converter), _is_list, "a list"))
converter.register_structure_hook_factory(
    is_mapping, lambda t: _guarded(mapping_structure_factory(t, converter), _is_mapping, "a mapping"))
converter.register_structure_hook_factory(
    attrs.has, lambda t: _guarded(make_dict_structure_fn(t, converter), _is_mapping, "a mapping"))
converter.register_structure_hook_factory(_is_loose_union, _union_hook)


@attrs.define
class Issue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ValidationError(ConfigError):
    """Structured data did not match its model. ``issues`` lists every problem found."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


def _join(root: str, jsonpath: str) -> str:
    # cattrs paths look like "$.sources[2].config.path" or "$['weird key']"
    rest = jsonpath[1:] if jsonpath.startswith("$") else jsonpath
    rest = re.sub(r"\['([^']*)'\]", r".\1", rest)
    if rest.startswith("."):
        rest = rest[1:]
    if root and rest:
        return f"{root}{'' if rest.startswith('[') else '.'}{rest}"
    return root or rest


def _format(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "required"
    if isinstance(exc, ForbiddenExtraKeysError):
        return "unknown field(s): " + ", ".join(sorted(exc.extra_fields))
    if isinstance(exc, (TypeError, ValueError)):
        name = getattr(type_, "__name__", None) or str(type_)
        msg = str(exc)
        if "expected" in msg or type_ is None or type_ is type(None):  # a validator's message
            return msg
        return f"expected {name}: {msg}" if msg else f"expected {name}"
    return str(exc)


def structure(data: Any, cls: type[T], path: str = "") -> T:
    """Structure ``data`` into ``cls`` or raise :class:`ValidationError` naming each bad path."""
    try:
        return converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError) as exc:
        issues: list[Issue] = []
        for line in transform_error(exc, path="$", format_exception=_format):
            msg, _, where = line.rpartition(" @ ")
            issues.append(Issue(_join(path, where), msg))
        raise ValidationError(issues) from None
    except ForbiddenExtraKeysError as exc:
        raise ValidationError([Issue(path, _format(exc, cls))]) from None
    except StructureHandlerNotFoundError as exc:  # a model declares a type nothing can build
        raise ValidationError([Issue(path, f"unsupported field type {exc.type!r}")]) from None
    except (TypeError, ValueError, KeyError) as exc:
        raise ValidationError([Issue(path, _format(exc, cls))]) from None


def unstructure(obj: Any) -> Any:
    return converter.unstructure(obj)
