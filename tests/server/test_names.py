"""The invisible-character rule of names is written twice, as a schema pattern and as a check;
both must refuse exactly the control and format characters of Unicode (issue 8, item 9)."""

from __future__ import annotations

import re
import unicodedata

from autonomos.server.names import VISIBLE_TEXT, text_problem

INVISIBLE = ("Cc", "Cf", "Zl", "Zp")


def test_the_pattern_and_the_check_agree_with_unicode() -> None:
    pattern = re.compile(VISIBLE_TEXT)
    for code in range(0x10000):
        ch = chr(code)
        category = unicodedata.category(ch)
        if category in ("Cs", "Cn"):  # surrogates, unassigned
            continue
        invisible = category in INVISIBLE
        assert (pattern.search(f"a{ch}b") is None) == invisible, (hex(code), category)
        assert (text_problem(f"a{ch}b") is not None) == invisible, (hex(code), category)
    assert "U+202E" in (text_problem("invoice\u202efdp.csv") or "")
    assert text_problem("Q3 ventes é — 東京.csv") is None
