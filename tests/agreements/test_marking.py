"""Glossary terms marked in rendered posts: first occurrence, whole words, case-insensitive,
never inside a tag, a link or code, and rebuilt when the glossary changes."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from app.agreements import marking
from app.agreements.marking import Entry, Marker
from app.agreements.models import Status
from app.core.text import render_markdown
from app.users.models import Department
from tests.factories import api, make_post, make_user

MQL = Entry(slug="mql", term="MQL", agreed=True, status=Status.agreed, definition="Scored 60+")
SQL = Entry(slug="sql", term="SQL", agreed=False, status=Status.disputed, definition="Accepted")
MARKER = Marker({"mql": MQL, "marketing-qualified lead": MQL, "sql": SQL})


def words(html: str) -> list[str]:
    return re.findall(r'<a class="term__word" href="/glossary/([a-z-]+)"[^>]*>([^<]+)</a>', html)


def test_the_first_occurrence_of_each_term_is_marked_whole_words_any_case() -> None:
    html = render_markdown("Two mqls? No: one MQL, then another mql, and an SQL. MQLs are not.")
    assert words(MARKER.mark(html)) == [("mql", "MQL"), ("sql", "SQL")]


def test_an_alias_counts_as_its_term() -> None:
    html = render_markdown("A Marketing-Qualified Lead is an MQL.")
    assert words(MARKER.mark(html)) == [("mql", "Marketing-Qualified Lead")]


def test_agreed_and_not_agreed_terms_are_marked_differently() -> None:
    marked = MARKER.mark(render_markdown("MQL then SQL"))
    assert '<span class="term term--agreed">' in marked
    assert '<span class="term term--pending">' in marked
    assert "MQL</strong> · Agreed<br>Scored 60+" in marked
    assert "SQL</strong> · Not agreed yet (disputed)<br>Accepted" in marked


def test_links_code_and_attributes_are_left_alone() -> None:
    html = render_markdown(
        "`MQL` and [MQL](https://example.com/mql) and ![MQL](https://x.test/mql.png)\n\n```\nSQL\n```"
    )
    assert words(MARKER.mark(html)) == []
    assert MARKER.mark(html) == html


def test_the_tip_is_escaped_text() -> None:
    entry = Entry(
        slug="x", term="<b>X</b>", agreed=True, status=Status.agreed, definition="<script>"
    )
    marked = Marker({"x": entry}).mark("<p>x marks</p>")
    assert "<script>" not in marked
    assert "&lt;script&gt;" in marked


def test_an_empty_glossary_changes_nothing() -> None:
    assert marking.EMPTY.mark("<p>MQL</p>") == "<p>MQL</p>"


async def test_pages_show_a_new_agreement_at_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    grace = await make_user(app, "grace", department=Department.marketing, lead=True)
    sofia = await make_user(app, "sofia", department=Department.sales, lead=True)
    post = await make_post(client, grace, "Every MQL gets a call within a day.")
    await api(
        client,
        grace,
        "POST",
        "/api/v1/glossary",
        201,
        json={"term": "MQL", "definition": "A lead marketing scored 60 or more."},
    )

    async def card() -> str:
        async with app.state.sessionmaker() as session:
            marker = await marking.marker(session)
        return marker.mark(post["body_html"])

    assert "term--pending" in await card()
    for lead in (grace, sofia):
        await api(
            client, lead, "POST", "/api/v1/glossary/mql/signoffs", 201, json={"decision": "approve"}
        )
    assert "term--agreed" in await card()
    await api(
        client,
        grace,
        "PATCH",
        "/api/v1/glossary/mql",
        200,
        json={"definition": "A lead marketing scored 70 or more."},
    )
    rebuilt = await card()
    assert "term--pending" in rebuilt
    assert "scored 70 or more" in rebuilt
