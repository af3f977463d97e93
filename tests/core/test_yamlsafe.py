"""yamlsafe: plain data, the position of every path, and refusals that name their line."""

from __future__ import annotations

import pytest

from autonomos.core.yamlsafe import ConfigFileError, Limits, load_yaml

TEXT = """\
a: &x {p: 1, q: [1, 2]}
b:
  <<: *x
  p: 2
  'we ird': {z: 2024-01-01}
"""


def test_positions_of_keys_and_values() -> None:
    doc = load_yaml(TEXT, "f.yaml")
    assert doc.data == {"a": {"p": 1, "q": [1, 2]},
                        "b": {"p": 2, "we ird": {"z": "2024-01-01"}, "q": [1, 2]}}
    pos = doc.positions
    assert pos.values["a.q[1]"] == (1, 21)
    assert pos.keys["b.p"] == (4, 3)  # the explicit key, not the merged one
    assert pos.at("b['we ird'].z") == (5, 17)
    assert pos.at("b['we ird'].missing") == (5, 13)  # nearest existing ancestor
    assert pos.at("nowhere.deep") == (1, 1)


def test_serde_style_paths_map_back_to_quoted_keys() -> None:
    pos = load_yaml(TEXT, "f.yaml").positions
    assert pos.display("b.we ird.z") == "b['we ird'].z"
    assert str(pos.issue("b.we ird.z", "bad")) == "f.yaml:5: b['we ird'].z: bad"


def test_duplicate_and_non_string_keys_are_reported_not_raised() -> None:
    doc = load_yaml("c: 1\nc: 2\nyes: 3\n1: 4\n", "f.yaml")
    assert doc.data == {"c": 1}
    assert [str(i) for i in doc.issues] == [
        "f.yaml:2: c: duplicate key 'c' (first at line 1)",
        "f.yaml:3: key True is not a string (YAML reads yes/no/on/off as booleans); quote it",
        "f.yaml:4: key 1 is not a string; quote it",
    ]


def test_empty_document_is_none() -> None:
    assert load_yaml("# nothing\n").data is None


@pytest.mark.parametrize("text, message", [
    ("a: [1\nb: 2\n", "f.yaml:2: YAML syntax error: did not find expected ',' or ']' "
                      "(while parsing a flow sequence at line 1)"),
    ("a: 1\n---\nb: 2\n", "f.yaml:2: YAML syntax error: but found another document "
                          "(expected a single document in the stream at line 1)"),
    ("a: &a [*a]\n", "f.yaml:1: a: nested deeper than 50 levels through aliases; refused to "
                     "guard against alias bombs"),
])
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(ConfigFileError) as info:
        load_yaml(text, "f.yaml")
    assert str(info.value) == message


def test_alias_value_limit_counts_each_expansion() -> None:
    text = "a: &a [1, 2, 3, 4, 5]\nb: [*a, *a, *a]\n"
    assert load_yaml(text, limits=Limits(max_alias_values=18)).data["b"][2] == [1, 2, 3, 4, 5]
    with pytest.raises(ConfigFileError, match=r"<string>:2: b: aliases expand to more than 17 values"):
        load_yaml(text, limits=Limits(max_alias_values=17))


def test_many_written_values_are_not_mistaken_for_a_bomb() -> None:
    text = "values: [" + ", ".join(str(i) for i in range(120_000)) + "]\n"
    assert len(load_yaml(text).data["values"]) == 120_000
