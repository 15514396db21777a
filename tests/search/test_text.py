"""Snippet escaping, cursors and the FTS5 query builder."""

from __future__ import annotations

import pytest

from search.backend import (
    InvalidSearch,
    decode_cursor,
    encode_cursor,
    next_cursor,
    safe_snippet,
)
from search.documents import MARK_POST, MARK_PRE, SPECS, InvalidDocument, normalize
from search.fts5 import highlight, match_expression

P, Q = MARK_PRE, MARK_POST


@pytest.mark.parametrize(
    ("marked", "html"),
    [
        (f"a {P}deal{Q} <b>", "a <mark>deal</mark> &lt;b&gt;"),
        (f"{P}<i>{Q} & \"'", "<mark>&lt;i&gt;</mark> &amp; &quot;&#x27;"),
        ("<mark>forged</mark>", "&lt;mark&gt;forged&lt;/mark&gt;"),
        (f"{P}open", "<mark>open</mark>"),
        (f"close{Q} x", "close x"),
        (f"{P}a{P}b{Q}", "<mark>a</mark><mark>b</mark>"),
        (f"{P}{Q}", ""),
    ],
)
def test_snippets_keep_only_engine_marks(marked: str, html: str) -> None:
    assert safe_snippet(marked) == html


def test_placeholders_cannot_be_smuggled_in_through_documents() -> None:
    doc = normalize(
        SPECS["posts"],
        {"id": 1, "body": f"x{P}<img>{Q}", "title": "t\x00", "created_at": 1, "restricted_by": []},
    )
    assert doc["body"] == "x<img>"
    assert doc["title"] == "t"


@pytest.mark.parametrize("doc_id", [None, "", True, "a b", "x/y", 1.5])
def test_ids_must_be_engine_safe(doc_id: object) -> None:
    with pytest.raises(InvalidDocument):
        normalize(SPECS["users"], {"id": doc_id, "handle": "a", "name": "A"})


def test_cursors_round_trip_and_refuse_garbage() -> None:
    assert decode_cursor(None) == 0
    assert decode_cursor(encode_cursor(40)) == 40
    for bad in ["", "!!", encode_cursor(0), encode_cursor(-5), encode_cursor(10**6), "e30"]:
        with pytest.raises(InvalidSearch):
            decode_cursor(bad)
    assert next_cursor(0, 10, 10, 25) is not None
    assert next_cursor(20, 10, 5, 25) is None
    assert next_cursor(0, 10, 10, 10) is None


@pytest.mark.parametrize(
    ("q", "expression"),
    [
        ("", None),
        ("  ", None),
        ("*:()^", None),
        ("deal", '"deal"*'),
        ("big deal", '"big" "deal"*'),
        ('"quoted" OR NEAR(x)', '"quoted" "OR" "NEAR" "x"*'),
        ("col:value -not", '"col" "value" "not"*'),
        ("snake_case", '"snake" "case"*'),
        ("café", '"café"*'),
        ("会議", '"会  議"*'),
    ],
)
def test_user_text_becomes_quoted_terms(q: str, expression: str | None) -> None:
    assert match_expression(q) == expression


@pytest.mark.parametrize(
    ("text", "q", "marked"),
    [
        ("The Café opened", "cafe", f"The {P}Café{Q} opened"),
        ("pricing and PRICES", "price", f"pricing and {P}PRICES{Q}"),
        ("big deal, bigger deals", "big deal", f"{P}big{Q} {P}deal{Q}, bigger {P}deals{Q}"),
        ("nothing here", "absent", None),
        ("東京で会議", "会議", None),
    ],
)
def test_python_highlight_follows_the_fts5_rules(text: str, q: str, marked: str | None) -> None:
    assert highlight(text, q) == marked


def test_python_highlight_crops_around_the_first_match() -> None:
    text = " ".join(f"w{i}" for i in range(100)) + " target " + " ".join("x" * 3 for _ in range(50))
    marked = highlight(text, "target", words=8)
    assert marked is not None
    assert marked.startswith("…")
    assert marked.endswith("…")
    assert f"{P}target{Q}" in marked
    assert len(marked.split()) == 8
