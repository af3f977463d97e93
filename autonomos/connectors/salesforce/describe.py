"""From an sObject describe (``GET /services/data/vXX.X/sobjects/{object}/describe``) to columns.

Each queryable field becomes a column with a DuckDB type; values (JSON from the REST query API,
CSV text from Bulk API 2.0) are turned into typed Arrow arrays by :func:`typed_array`:

=====================================================  ==========================
Salesforce field type                                   column type
=====================================================  ==========================
id, reference (→ the ``referenceTo`` objects' Id)       VARCHAR
string, textarea, picklist, multipicklist, combobox,    VARCHAR
email, phone, url, encryptedstring, time, anyType
boolean                                                  BOOLEAN
int, long                                                BIGINT
double, percent                                          DOUBLE
currency                                                 DECIMAL(18, scale)
date                                                     DATE
datetime                                                 TIMESTAMP (UTC)
=====================================================  ==========================

Compound fields (``address``, ``location``) are left out: their parts (``BillingStreet``,
``BillingCity``…) are fields of their own, and Bulk API 2.0 cannot select them. ``base64``
(file bodies) are left out too: Bulk cannot read them and they do not belong in a table.
"""

from __future__ import annotations

from typing import Any

import attrs

from autonomos.core.lazyimport import lazy_module

pa = lazy_module("pyarrow")
pc = lazy_module("pyarrow.compute")

SKIPPED_TYPES = frozenset({"address", "location", "base64"})
TEXT_TYPES = frozenset({"id", "reference", "string", "textarea", "picklist", "multipicklist", "combobox",
                        "email", "phone", "url", "encryptedstring", "time", "anytype", "complexvalue", "json"})


@attrs.define
class SfField:
    """One field of an object as its describe tells it."""

    name: str
    sf_type: str
    duck_type: str
    references: list[str] = attrs.field(factory=list)
    label: str = ""
    scale: int = 0


def duck_type(sf_type: str, scale: int = 2) -> str:
    t = sf_type.lower()
    if t == "boolean":
        return "BOOLEAN"
    if t in ("int", "long"):
        return "BIGINT"
    if t in ("double", "percent"):
        return "DOUBLE"
    if t == "currency":
        return f"DECIMAL(18,{max(0, min(scale, 17))})"
    if t == "date":
        return "DATE"
    if t == "datetime":
        return "TIMESTAMP"
    return "VARCHAR"


def fields_of(describe: dict[str, Any]) -> list[SfField]:
    """The readable fields of a describe answer, in its order (compound and base64 ones left out)."""
    out = []
    for f in describe.get("fields") or []:
        t = str(f.get("type") or "string").lower()
        if t in SKIPPED_TYPES or f.get("deprecatedAndHidden"):
            continue
        scale = int(f.get("scale") or 0) if t == "currency" else 0
        out.append(SfField(name=str(f["name"]), sf_type=t, duck_type=duck_type(t, scale if t == "currency" else 2),
                           references=list(f.get("referenceTo") or []), label=str(f.get("label") or ""),
                           scale=scale))
    return out


def text_value(value: Any) -> str | None:
    """A JSON value as the text Bulk's CSV would hold (booleans as true/false)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, sort_keys=True)
    return str(value)


def typed_array(values: Any, field: SfField) -> Any:
    """A typed Arrow array from text values (a list, or an Arrow string array); '' is NULL."""
    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, type=pa.string())
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    # Salesforce has no empty text: Bulk's CSV writes NULL as an empty cell
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
    t = field.duck_type
    if t == "VARCHAR":
        return arr
    if t == "BOOLEAN":
        return pc.equal(pc.utf8_lower(arr), "true")
    if t == "BIGINT":
        try:
            return arr.cast(pa.int64())
        except pa.ArrowInvalid:  # "5.0"
            return arr.cast(pa.float64()).cast(pa.int64(), safe=False)
    if t == "DOUBLE":
        return arr.cast(pa.float64())
    if t.startswith("DECIMAL"):
        target = pa.decimal128(18, max(0, min(field.scale, 17)))
        try:
            return arr.cast(target)
        except pa.ArrowInvalid:  # more digits than the field's scale
            return pc.round(arr.cast(pa.float64()), field.scale).cast(target, safe=False)
    if t == "DATE":
        return arr.cast(pa.date32())
    if t == "TIMESTAMP":
        return arr.cast(pa.timestamp("ms", "UTC")).cast(pa.timestamp("ms"))
    return arr
