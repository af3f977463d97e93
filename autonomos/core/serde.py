"""The one cattrs converter, and validation errors that name the path of the bad value.

``structure(data, Cls, path="sources[2].config")`` raises :class:`ValidationError` whose
``issues`` are ``(path, message)`` pairs such as ``("sources[2].config.path", "required")``.
``core.spec`` turns those paths into file/line positions.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.v import transform_error

from autonomos.core.errors import ConfigError

T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=True)


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
        if "expected" in msg or not name:
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
    except (TypeError, ValueError, KeyError) as exc:
        raise ValidationError([Issue(path, _format(exc, cls))]) from None


def unstructure(obj: Any) -> Any:
    return converter.unstructure(obj)
