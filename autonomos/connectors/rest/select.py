"""Finding records and values in a response body: a small JSONPath, and flattening records.

Paths are the JSONPath subset APIs need: ``$.data[*]``, ``$.result.items``, ``$['odd key']``,
``data.items[0].id``, ``$.*``; a dotted path without ``$`` means the same (``data.items``).
Records are flattened the way Normalize flattens nested JSON from files: a nested object's
keys become columns joined with ``.`` (Normalize names them ``address__city``), lists and
objects deeper than ``max_nesting`` stay JSON text. Every value is handed over as text (JSON
spelling: ``true``, ``12.5``), so Normalize types each column from all its values, as for CSV
and a page whose number is a string cannot clash with one whose number was an integer.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from autonomos.core.errors import ConfigError

_TOKEN = re.compile(r"""\.\*|\[\*\]|\.([A-Za-z_$@][\w$@\-]*)|\[(-?\d+)\]|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]""")

Step = tuple[str, Any]  # ("key", name) | ("index", n) | ("all", None)


def parse_path(path: str) -> list[Step]:
    """The steps of ``path``; :class:`ConfigError` naming what is not understood."""
    text = (path or "").strip()
    if text in ("", "$"):
        return []
    if text.startswith("$"):
        text = text[1:]
    elif not text.startswith(("[", ".")):
        text = "." + text
    steps: list[Step] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ConfigError(f"rest: path {path!r}: cannot read {text[pos:]!r} (supported: $.a.b, $.a[*], "
                              f"$.a[0], $['a b'], a.b)")
        if m.group(0) in (".*", "[*]"):
            steps.append(("all", None))
        elif m.group(1) is not None:
            steps.append(("key", m.group(1)))
        elif m.group(2) is not None:
            steps.append(("index", int(m.group(2))))
        else:
            steps.append(("key", m.group(3) if m.group(3) is not None else m.group(4)))
        pos = m.end()
    return steps


def compile_path(path: str) -> Callable[[Any], list[Any]]:
    """A function returning every value ``path`` matches in a document (possibly none)."""
    steps = parse_path(path)

    def find(doc: Any) -> list[Any]:
        current = [doc]
        for kind, arg in steps:
            nxt: list[Any] = []
            for value in current:
                if kind == "key" and isinstance(value, dict) and arg in value:
                    nxt.append(value[arg])
                elif kind == "index" and isinstance(value, list) and -len(value) <= arg < len(value):
                    nxt.append(value[arg])
                elif kind == "all":
                    if isinstance(value, list):
                        nxt.extend(value)
                    elif isinstance(value, dict):
                        nxt.extend(value.values())
            current = nxt
        return current

    return find


def first(find: Callable[[Any], list[Any]], doc: Any) -> Any:
    """The first value a compiled path finds, or None."""
    found = find(doc)
    return found[0] if found else None


def lookup(record: dict[str, Any], dotted: str) -> Any:
    """``record['a']['b']`` for ``a.b`` (a key that itself holds a dot is tried first)."""
    if dotted in record:
        return record[dotted]
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


RECORD_KEYS = ("data", "items", "results", "records", "entries", "values", "rows", "objects", "elements")


def auto_records(body: Any) -> list[Any] | None:
    """Records of a body without a selector: the body itself when it is a list; else its one
    list of objects (or the one under a usual name: data, items, results…); else None."""
    if isinstance(body, list):
        return body
    if not isinstance(body, dict):
        return None
    lists = {k: v for k, v in body.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)}
    if len(lists) == 1:
        return next(iter(lists.values()))
    for key in RECORD_KEYS:
        if isinstance(body.get(key), list):
            return body[key]
    if isinstance(body.get("data"), dict):  # {"data": {"items": [...]}}
        return auto_records(body["data"])
    return None


def select_records(selector: Callable[[Any], list[Any]] | None, body: Any) -> list[dict[str, Any]]:
    """The records of one page: a selector's matches (a single list match is that list), or
    :func:`auto_records`; a body with no list of records is one record. Values that are not
    objects become ``{"value": …}``."""
    if selector is not None:
        found = selector(body)
        if len(found) == 1 and isinstance(found[0], list):
            found = found[0]
    else:
        auto = auto_records(body)
        found = auto if auto is not None else ([body] if isinstance(body, dict) and body else [])
    return [r if isinstance(r, dict) else {"value": r} for r in found if r is not None]


def text(value: Any) -> str | None:
    """A scalar as the text Normalize types: JSON spelling for numbers and booleans."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def flatten(record: dict[str, Any], max_nesting: int, prefix: str = "", depth: int = 0,
            out: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """One record as ``{column: text}``: nested objects joined with ``.`` down to ``max_nesting``
    levels, lists (and anything deeper) as JSON text."""
    if out is None:
        out = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and depth < max_nesting:
            flatten(value, max_nesting, name + ".", depth + 1, out)
        else:
            out[name] = text(value)
    return out


def json_type(values: list[Any]) -> str:
    """The DuckDB type discovery reports for a column's raw JSON values (Normalize decides the
    stored type from the text; this is what the API itself says)."""
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return "VARCHAR"
    if kinds == {bool}:
        return "BOOLEAN"
    if kinds == {int}:
        return "BIGINT"
    if kinds <= {int, float}:
        return "DOUBLE"
    if kinds <= {list, dict}:
        return "JSON"
    return "VARCHAR"
