"""Meilisearch filter expressions: values are always one quoted literal."""

from __future__ import annotations

import pytest

from search import filters
from search.documents import SPECS


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("sales", '"sales"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ('end\\"', '"end\\\\\\""'),
        ('x" OR department = "y', '"x\\" OR department = \\"y"'),
        ("a OR b", '"a OR b"'),
        ("[1, 2]", '"[1, 2]"'),
        ("a = b", '"a = b"'),
        ("line\nbreak", '"line\nbreak"'),
        ("", '""'),
        (42, '"42"'),
    ],
)
def test_values_are_quoted_and_escaped(value: str | int, literal: str) -> None:
    assert filters.quote(value) == literal


def _unquote(literal: str) -> str:
    """The inverse of Meilisearch's string literal parsing (\\x -> x)."""
    assert literal[0] == literal[-1] == '"'
    out, chars = [], iter(literal[1:-1])
    for ch in chars:
        if ch == "\\":
            ch = next(chars)
        else:
            assert ch != '"', "an unescaped quote would end the literal"
        out.append(ch)
    return "".join(out)


@pytest.mark.parametrize(
    "value", ['"', "\\", '\\"', '"\\', 'a"b"c', "\\\\\\", '" OR "" = "', "x\r\n\t"]
)
def test_a_literal_reads_back_as_the_value(value: str) -> None:
    assert _unquote(filters.quote(value)) == value


def test_field_names_are_checked() -> None:
    assert filters.eq("department", "x") == 'department = "x"'
    for bad in ["department = 1 OR x", "a b", "Dept", "", "x;"]:
        with pytest.raises(ValueError, match="field name"):
            filters.eq(bad, "x")


def test_numbers_must_be_integers() -> None:
    assert filters.gte("created_at", 10) == "created_at >= 10"
    for bad in ["10 OR 1 = 1", 1.5, True]:
        with pytest.raises(TypeError):
            filters.lte("created_at", bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        filters.quote(True)


def test_visibility_denies_each_key_once() -> None:
    assert filters.visibility([]) is None
    assert filters.visibility(["g1", "a7", "g1"]) == 'NOT restricted_by IN ["a7", "g1"]'


def test_a_query_filter_is_the_and_of_quoted_parts() -> None:
    expression = filters.for_query(
        SPECS["posts"],
        {"account": 'ac"me', "since": 5, "until": 9, "topic": "x] OR [y"},
        ["g2"],
    )
    assert expression == (
        '(NOT restricted_by IN ["g2"]) AND (accounts = "ac\\"me") AND (created_at >= 5) '
        'AND (created_at <= 9) AND (topics = "x] OR [y")'
    )
    assert filters.for_query(SPECS["users"], {}, ["g2"]) is None
