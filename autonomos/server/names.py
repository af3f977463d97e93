"""Names people read (organizations, pipelines, uploads, API keys): no invisible characters.

A right-to-left override (U+202E) makes ``invoice‮fdp.exe`` read as ``invoiceexe.pdf``; zero-width
and other format characters make two names look the same; controls break logs and terminals. Such
names are refused: by the request schema's ``pattern`` where the name is a field (so the OpenAPI
document says so), by :func:`text_problem` where it arrives another way (a query parameter, a
multipart file name).
"""

from __future__ import annotations

import unicodedata

# Every control and format character of the Basic Multilingual Plane (Unicode categories Cc, Cf,
# Zl, Zp): C0/C1 controls, the soft hyphen, Arabic number signs and letter mark, zero-width and
# directional marks, line and paragraph separators, bidi embeddings, overrides and isolates, word
# joiners, the BOM, interlinear annotation marks. tests/server/test_names.py checks the list.
_INVISIBLE = (r"\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
              r"\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb")
VISIBLE_TEXT = f"^[^{_INVISIBLE}]*$"


def text_problem(text: str, what: str = "the name") -> str | None:
    """Why ``text`` may not be a name people read, or None when it may."""
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Zl", "Zp"):
            kind = "a control character" if category == "Cc" else "an invisible formatting character"
            if unicodedata.bidirectional(ch) in ("LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"):
                kind = "a text-direction control"
            return f"{what} contains {kind} (U+{ord(ch):04X}); use visible characters only"
    return None
