import pytest

from autonomos.mappers.patterns import profile


@pytest.mark.parametrize("samples,pattern", [
    (["a@b.com", "x.y@corp.io"], "email"),
    (["https://acme.com", "www.globex.io"], "url"),
    (["acme.com", "globex.co.uk"], "domain"),
    (["+1 617 555 0100", "(415) 555-1212"], "phone"),
    (["USD", "EUR"], "currency"),
    (["usd"], "currency"),
    (["US", "DE"], "country"),
    (["United States", "Germany"], "country"),
    (["2024-01-31", "2023-12-01"], "date"),
    (["2024-01-31T10:00:00Z", "2024-01-31 10:00:00"], "timestamp"),
    ([0.2, 0.9], "ratio"),
    ([10, 90], "percent"),
    ([1680893993], "epoch"),
    (["7e4c1a5e-2f1b-4a55-9c21-0d7b8e1f2a33"], "uuid"),
    (["us-east-1", "us-central1", "eastus"], "cloud_region"),
    ([True, False], "boolean"),
    ([["rebel.org"], ["x.com"]], "domain"),
])
def test_detects(samples: list, pattern: str) -> None:
    assert pattern in profile(samples).patterns


def test_needs_a_majority_and_ignores_nulls() -> None:
    assert "email" not in profile(["a@b.com", "nope", "also nope"]).patterns
    assert "email" in profile(["a@b.com", None, "", "c@d.org"]).patterns
    assert profile([]).seen == 0 and profile(None).patterns == set()


def test_plain_numbers_are_not_phones() -> None:
    assert "phone" not in profile(["5000000", "4150868000000224005"]).patterns
    assert "currency" not in profile(["Usd"]).patterns
