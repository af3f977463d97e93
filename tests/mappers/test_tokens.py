import pytest

from autonomos.mappers.tokens import segment, singular, tokenize


@pytest.mark.parametrize("name,words", [
    ("BillingCity", ["billing", "city"]),
    ("billing_city", ["billing", "city"]),
    ("NumberOfEmployees", ["number", "of", "employee"]),
    ("numberofemployees", ["number", "of", "employee"]),
    ("lineItem/UnblendedCost", ["line", "item", "unblended", "cost"]),
    ("line_item__unblended_cost", ["line", "item", "unblended", "cost"]),
    ("INV_NO", ["invoice", "number"]),
    ("CUST_ID", ["customer", "id"]),
    ("CurrencyIsoCode", ["currency", "iso", "code"]),
    ("InvoiceID", ["invoice", "id"]),
    ("emailaddress1", ["email", "address", "1"]),
])
def test_tokenize(name: str, words: list[str]) -> None:
    assert tokenize(name).words == words


def test_containers_namespaces_and_markers() -> None:
    t = tokenize("properties.domain")
    assert t.words == ["domain"] and t.containers == ["property"]
    assert tokenize("hs_lastmodifieddate").words == ["last", "modified", "date"]
    assert tokenize("Custom_Score__c").custom and tokenize("Custom_Score__c").words == ["score"]
    assert tokenize("cf_region_code").custom and tokenize("x_tier").custom
    assert not tokenize("region_code").custom


@pytest.mark.parametrize("name", ["_loaded_at", "_batch_id", "_source", "_source_table", "_airbyte_ab_id"])
def test_lineage(name: str) -> None:
    assert tokenize(name).lineage


def test_underscore_prefixed_business_fields_are_not_lineage() -> None:
    assert not tokenize("_ownerid_value").lineage
    assert tokenize("_ownerid_value").words == ["owner", "id", "value"]


def test_segment_keeps_unknown_words_whole() -> None:
    assert segment("closedate") == ("close", "date")
    assert segment("void") == ("void",)
    assert segment("foreigntotal") == ("foreigntotal",)


def test_singular() -> None:
    assert [singular(w) for w in ["companies", "accounts", "status", "address", "sales"]] == [
        "company", "account", "status", "address", "sales"]


@pytest.mark.parametrize("name", ["resource_tags__user__project", "resourceTags/user:Project",
                                  "labels.project", "Tags.Project", "tags__project"])
def test_tag_key(name: str) -> None:
    assert tokenize(name).tag_key == ["project"]


def test_not_a_tag_key() -> None:
    assert tokenize("status_label").tag_key == [] and tokenize("tags").tag_key == []
    assert tokenize("project_id").tag_key == []


def test_ambiguous_abbreviations_are_reported() -> None:
    assert tokenize("res_partner").ambiguous == {"resource"}
    assert tokenize("res_partner", expand=False).containers == ["res"]  # a vendor prefix
    assert tokenize("cust_id").ambiguous == set()
