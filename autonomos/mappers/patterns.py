"""Recognise what sample values look like: emails, URLs, phones, ISO codes, dates, ratios…

:func:`profile` looks at up to 50 non-null samples of any JSON kind and reports the value
patterns that most of them (≥ 80 %) share. The heuristic mapper uses a pattern as evidence for
(or against) a canonical field; :data:`EXPECTED` says which patterns each canonical field expects.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_URL = re.compile(r"^(https?://|www\.)\S+$", re.I)
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$", re.I)
_PHONE = re.compile(r"^\+?[\d\s().\-/]{7,24}(\s*(x|ext\.?)\s*\d{1,6})?$", re.I)
_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}/\d{1,2}/\d{2,4}$|^\d{4}/\d{2}/\d{2}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
# One token of letters, digits and separators, no spaces: "cus_9s6XKzkNRiz8i3", "A-1001".
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-:.]{2,63}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_CLOUD_REGION = re.compile(
    r"^([a-z]{2}(-gov)?-[a-z]+-\d[a-z]?|[a-z]+-[a-z]+\d(-[a-z])?|"
    r"(east|west|north|south|central|southeast|northeast|uk|us|eu|asia|japan|australia|"
    r"brazil|canada|france|germany|india|korea|norway|switzerland|uae)[a-z]*\d?)$"
)

CURRENCIES = frozenset(
    "USD EUR GBP JPY CNY CHF CAD AUD NZD SEK NOK DKK PLN CZK HUF INR BRL MXN ZAR SGD HKD KRW "
    "TWD THB IDR MYR PHP ILS AED SAR TRY RUB ARS CLP COP PEN NGN KES EGP VND PKR BDT UAH RON "
    "BGN ISK".split()
)
COUNTRY_CODES = frozenset(
    "US GB UK DE FR ES IT NL BE LU CH AT IE PT SE NO DK FI IS PL CZ SK HU RO BG GR TR RU UA CA "
    "MX BR AR CL CO PE AU NZ JP CN HK TW KR IN SG MY TH ID PH VN IL AE SA ZA NG KE EG MA EE LV "
    "LT SI HR RS USA GBR DEU FRA ESP ITA NLD CAN AUS JPN CHN IND BRA MEX CHE SWE IRL".split()
)
COUNTRY_NAMES = frozenset(
    "united states|united states of america|usa|united kingdom|uk|germany|france|spain|italy|"
    "netherlands|belgium|switzerland|austria|ireland|portugal|sweden|norway|denmark|finland|"
    "poland|czech republic|czechia|hungary|romania|greece|turkey|russia|ukraine|canada|mexico|"
    "brazil|argentina|chile|colombia|peru|australia|new zealand|japan|china|hong kong|taiwan|"
    "south korea|korea|india|singapore|malaysia|thailand|indonesia|philippines|vietnam|israel|"
    "united arab emirates|saudi arabia|south africa|nigeria|kenya|egypt|morocco|estonia|"
    "latvia|lithuania|slovenia|croatia|serbia|iceland|luxembourg".split("|")
)

# Pattern names the mapper may expect for a canonical field (keyed by canonical field name).
EXPECTED: dict[str, set[str]] = {
    "email": {"email"},
    "domain": {"url", "domain"},
    "phone": {"phone"},
    "currency": {"currency"},
    "country": {"country"},
    "region": {"cloud_region"},
    "probability": {"ratio", "percent"},
    "employee_count": {"integer"},
    "annual_revenue": {"number"},
}
DATE_FIELDS_HINT = ("date", "_at", "_start", "_end")
# Patterns distinctive enough to argue *against* a field that expects something else.
DISTINCTIVE = {"email", "url", "domain", "phone", "currency", "country", "uuid", "date",
               "timestamp", "epoch", "boolean"}


@attrs.define
class Profile:
    """Patterns shared by most non-null samples, and how many samples were seen."""

    patterns: set[str] = attrs.field(factory=set)
    seen: int = 0

    def has(self, name: str) -> bool:
        return name in self.patterns


def _flatten(samples: list[Any]) -> list[Any]:
    out: list[Any] = []
    for s in samples[:50]:
        if isinstance(s, list):
            out.extend(s[:5])
        elif s is not None and s != "":
            out.append(s)
    return [s for s in out if s is not None and s != ""]


def _value_patterns(v: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(v, bool):
        return {"boolean"}
    if isinstance(v, (int, float)):
        found.add("number")
        if isinstance(v, int) or float(v).is_integer():
            found.add("integer")
            if 1_000_000_000 <= v <= 4_100_000_000 or 1_000_000_000_000 <= v <= 4_100_000_000_000:
                found.add("epoch")
        if 0 <= v <= 1:
            found.add("ratio")
        if 0 <= v <= 100:
            found.add("percent")
        return found
    if isinstance(v, dict):
        return {"object"}
    s = str(v).strip()
    low = s.lower()
    if low in {"true", "false", "t", "f", "yes", "no", "y", "n"}:
        found.add("boolean")
    if _EMAIL.match(s):
        found.add("email")
    elif _URL.match(s):
        found.add("url")
    elif _DOMAIN.match(s) and not _NUMBER.match(s):
        found.add("domain")
    if _UUID.match(s):
        found.add("uuid")
    if _TIMESTAMP.match(s):
        found.add("timestamp")
    elif _DATE.match(s):
        found.add("date")
    if _NUMBER.match(s):
        found.add("number")
        if re.match(r"^[+-]?\d+$", s):
            found.add("integer")
        found.add("numeric_string")
    elif _PHONE.match(s) and sum(c.isdigit() for c in s) >= 7 and (
        s.startswith("+") or any(c in s for c in " -().")
    ) and not _DATE.match(s) and not _TIMESTAMP.match(s):
        found.add("phone")
    if s.upper() in CURRENCIES and len(s) == 3 and (s.isupper() or s.islower()):
        found.add("currency")
    if (s.upper() in COUNTRY_CODES and s.isupper()) or low in COUNTRY_NAMES:
        found.add("country")
    if _CLOUD_REGION.match(s):
        found.add("cloud_region")
    if _IDENTIFIER.match(s) and any(c.isdigit() for c in s) and not found & {
            "date", "timestamp", "phone", "email", "url", "domain"}:
        found.add("identifier")
    return found


def profile(samples: list[Any] | None) -> Profile:
    """Patterns that at least 80 % of the non-null samples share (empty when no samples)."""
    values = _flatten(list(samples or []))
    if not values:
        return Profile()
    counts: dict[str, int] = {}
    for v in values:
        for p in _value_patterns(v):
            counts[p] = counts.get(p, 0) + 1
    need = max(1, int(0.8 * len(values) + 0.999))
    return Profile(patterns={p for p, c in counts.items() if c >= need}, seen=len(values))
