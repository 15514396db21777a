"""Question pages: asking a department from the composer, the status and the accepted answer
on a question's page, the asker's Accept form, /questions and an account's Questions tab
(SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from app.core.db import transaction, utcnow
from app.questions.models import Question
from app.users.models import Department
from tests.factories import Person, api, make_account, make_post, make_user
from tests.pages_helpers import browse_as, page, submit, text_of

ACCEPT = "Accept as the answer"


def words(markup: str) -> str:
    return " ".join(text_of(markup).split())


async def ask(client: httpx.AsyncClient, who: Person, body: str, **extra: Any) -> dict[str, Any]:
    return await make_post(client, who, body, kind="question", **extra)


async def comment(client: httpx.AsyncClient, who: Person, post_id: int, body: str) -> Any:
    return await api(
        client, who, "POST", f"/api/v1/posts/{post_id}/comments", 201, json={"body": body}
    )


async def asked_ago(app: FastAPI, post_id: int, hours: float) -> None:
    """Back-date a question: it was asked `hours` ago."""
    async with transaction(app.state.sessionmaker) as session:
        await session.execute(
            update(Question)
            .where(Question.post_id == post_id)
            .values(asked_at=utcnow() - timedelta(hours=hours))
        )


def row_ids(markup: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="question-(\d+)"', markup)]


async def test_the_composer_asks_a_department(client: httpx.AsyncClient, app: FastAPI) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    home = await page(client, "/")
    fields = re.search(
        r'<fieldset[^>]*data-kind-fields="question"[^>]*>(.*?)</fieldset>', home, re.S
    )
    assert fields is not None
    assert "hidden disabled" in fields.group(0)
    assert "Ask a department" in fields.group(1)
    assert '<option value="">Everyone</option>' in fields.group(1)
    assert '<option value="marketing">Marketing</option>' in fields.group(1)

    created = await submit(
        client,
        sam,
        "/posts",
        {
            "kind": "question",
            "body": "Is there a case study for retail?",
            "to_department": "marketing",
        },
    )
    post_id = int(created.headers["location"].rsplit("/", 1)[1])
    shown = await api(client, sam, "GET", f"/api/v1/posts/{post_id}", 200)
    assert shown["question"]["to_department"] == "marketing"
    assert shown["question"]["status"] == "open"
    # Asked of everyone: the select's empty choice.
    anyone = await submit(
        client, sam, "/posts", {"kind": "question", "body": "Anyone?", "to_department": ""}
    )
    anyone_id = int(anyone.headers["location"].rsplit("/", 1)[1])
    shown = await api(client, sam, "GET", f"/api/v1/posts/{anyone_id}", 200)
    assert shown["question"]["to_department"] is None
    # The card on the feed carries the chip.
    assert "To Marketing · open under 1 h" in words(await page(client, "/"))


async def test_a_bad_department_is_a_form_error(client: httpx.AsyncClient, app: FastAPI) -> None:
    sam = await make_user(app, "sam")
    browse_as(client, sam)
    refused = await submit(
        client,
        sam,
        "/posts",
        {"kind": "question", "body": "Who knows?", "to_department": "finance"},
        expect=422,
    )
    assert refused.headers["content-type"].startswith("text/html")
    assert "to_department" in refused.text
    await submit(
        client,
        sam,
        "/posts",
        {"kind": "update", "body": "Not a question", "to_department": "marketing"},
        expect=422,
    )
    assert (await api(client, sam, "GET", "/api/v1/feed/company", 200))["items"] == []


async def test_the_post_page_shows_the_status_and_the_accepted_answer_first(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    lee = await make_user(app, "lee")
    mia = await make_user(app, "mia", department=Department.marketing)
    post = await ask(client, sam, "Case study for retail?", to_department="marketing")
    url = f"/posts/{post['id']}"
    browse_as(client, sam)
    await asked_ago(app, post["id"], 5.2)
    assert "Asked of Marketing · Open, waiting 5 h" in words(await page(client, url))
    await asked_ago(app, post["id"], 80)
    assert "Asked of Marketing · Open, waiting 3 days" in words(await page(client, url))

    await asked_ago(app, post["id"], 3)
    first = await comment(client, mia, post["id"], "The Initech one.")
    better = await comment(client, mia, post["id"], "The Globex one: same size and region.")
    own = await comment(client, sam, post["id"], "Thanks!")
    other = await comment(client, lee, post["id"], "+1")
    markup = await page(client, url)
    assert "Asked of Marketing · Answered in 3 h" in words(markup)
    assert "Accepted answer" not in markup
    # Only the asker sees Accept, on every comment by someone else.
    assert markup.count(ACCEPT) == 3
    accept_for = set(map(int, re.findall(r'name="comment_id" value="(\d+)"', markup)))
    assert accept_for == {first["id"], better["id"], other["id"]}
    assert own["id"] not in accept_for
    for outsider in (mia, lee):
        browse_as(client, outsider)
        assert ACCEPT not in await page(client, url)

    browse_as(client, sam)
    accepted = await submit(client, sam, f"{url}/accept", {"comment_id": str(better["id"])})
    assert accepted.headers["location"] == f"{url}#comment-{better['id']}"
    assert (await api(client, sam, "GET", f"/api/v1/posts/{post['id']}", 200))["question"][
        "accepted_comment_id"
    ] == better["id"]
    markup = await page(client, url)
    assert "Asked of Marketing · Accepted, answered in 3 h" in words(markup)
    panel = markup.index('id="accepted-answer"')
    assert panel < markup.index('id="comments"')
    answer = markup[panel : markup.index('id="comments"')]
    assert "Globex one: same size and region" in answer
    assert "Mia" in answer
    assert f'href="#comment-{better["id"]}"' in answer
    item = re.search(rf'<li class="([^"]*)" id="comment-{better["id"]}">(.*?)</li>', markup, re.S)
    assert item is not None
    assert "comment--accepted" in item.group(1)
    assert "Accepted answer" in item.group(2)
    assert ACCEPT not in item.group(2)
    assert markup.count(ACCEPT) == 2  # the others may still replace it
    browse_as(client, lee)
    assert "Accepted answer" in await page(client, url)


async def test_only_the_asker_accepts_through_the_form(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    lee = await make_user(app, "lee")
    mia = await make_user(app, "mia", department=Department.marketing)
    post = await ask(client, sam, "Case study?", to_department="marketing")
    answer = await comment(client, mia, post["id"], "Initech.")
    own = await comment(client, sam, post["id"], "Mine.")
    update = await make_post(client, sam, "Not a question")
    browse_as(client, lee)
    refused = await submit(
        client, lee, f"/posts/{post['id']}/accept", {"comment_id": str(answer["id"])}, 403
    )
    assert refused.headers["content-type"].startswith("text/html")
    assert "Only whoever asked accepts an answer." in text_of(refused.text)
    browse_as(client, sam)
    for target, comment_id in ((post, own["id"]), (update, answer["id"])):
        await submit(
            client, sam, f"/posts/{target['id']}/accept", {"comment_id": str(comment_id)}, 422
        )
    await submit(client, sam, f"/posts/{post['id']}/accept", {"comment_id": "x"}, 422)
    await submit(client, sam, "/posts/999999/accept", {"comment_id": str(answer["id"])}, 404)
    shown = await api(client, sam, "GET", f"/api/v1/posts/{post['id']}", 200)
    assert shown["question"]["accepted_comment_id"] is None


async def test_the_accept_form_needs_its_csrf_token(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    mia = await make_user(app, "mia", department=Department.marketing)
    post = await ask(client, sam, "Case study?", to_department="marketing")
    answer = await comment(client, mia, post["id"], "Initech.")
    browse_as(client, sam)
    url = f"/posts/{post['id']}/accept"
    for token in ("", "forged"):
        refused = await submit(
            client, sam, url, {"comment_id": str(answer["id"])}, 403, token=token
        )
        assert "CSRF" in refused.text
    await submit(
        client,
        sam,
        "/posts",
        {"kind": "question", "body": "Forged?", "to_department": "marketing"},
        403,
        token="",
    )
    shown = await api(client, sam, "GET", f"/api/v1/posts/{post['id']}", 200)
    assert shown["question"]["accepted_comment_id"] is None
    assert shown["question"]["status"] == "answered"
    assert (await api(client, sam, "GET", "/api/v1/questions", 200))["items"] == []


async def test_the_questions_page_lists_open_ones_oldest_first_and_filters(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    mia = await make_user(app, "mia", department=Department.marketing)
    browse_as(client, sam)
    empty = words(await page(client, "/questions"))
    assert "No open questions" in empty
    assert "choose Question in the composer" in empty

    older = await ask(client, sam, "First: pricing sheet?", to_department="marketing")
    newer = await ask(client, sam, "Second: the webinar deck?", to_department="marketing")
    to_sales = await ask(client, mia, "Who runs the pilot?", to_department="sales")
    anyone = await ask(client, mia, "Anyone seen the competitor deck?")
    answered = await ask(client, sam, "Third: logo files?", to_department="marketing")
    await comment(client, mia, answered["id"], "In the drive.")
    await asked_ago(app, older["id"], 50)

    listed = await page(client, "/questions")
    assert row_ids(listed) == [older["id"], newer["id"], to_sales["id"], anyone["id"]]
    text = words(listed)
    assert "First: pricing sheet?" in text
    assert "2 days waiting" in text
    assert "asked Marketing" in text
    assert "asked everyone" in text
    assert 'aria-current="page">All</a>' in listed
    assert 'aria-current="page">Open</a>' in listed

    marketing = await page(client, "/questions?to_department=marketing")
    assert row_ids(marketing) == [older["id"], newer["id"]]
    assert 'aria-current="page">Marketing</a>' in marketing
    assert 'href="/questions?to_department=marketing&amp;status=answered"' in marketing
    done = await page(client, "/questions?to_department=marketing&status=answered")
    assert row_ids(done) == [answered["id"]]
    assert "answered in under 1 h" in words(done)
    assert row_ids(await page(client, "/questions?to_department=sales")) == [to_sales["id"]]
    none = words(await page(client, "/questions?to_department=product&status=accepted"))
    assert "No accepted questions for Product yet" in none

    first = await page(client, "/questions?limit=2")
    assert row_ids(first) == [older["id"], newer["id"]]
    more = re.search(r'href="(/questions\?status=open&amp;cursor=[^"]+)"', first)
    assert more is not None
    rest = await page(client, more.group(1).replace("&amp;", "&") + "&limit=2")
    assert row_ids(rest) == [to_sales["id"], anyone["id"]]
    await page(client, "/questions?to_department=finance", expect=422)
    await page(client, "/questions?status=closed", expect=422)


async def test_the_account_questions_tab_lists_its_questions(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    sam = await make_user(app, "sam")
    mia = await make_user(app, "mia", department=Department.marketing)
    await make_account(client, sam, "Acme")
    await make_account(client, sam, "Globex")
    browse_as(client, sam)
    tab = await page(client, "/accounts/acme/questions")
    assert 'href="/accounts/acme/questions" aria-current="page">Questions</a>' in tab
    assert "No questions about Acme yet" in words(tab)
    assert 'aria-current="page">All</a>' not in tab

    open_one = await ask(client, sam, "Case study for $acme?", to_department="marketing")
    done = await ask(client, sam, "Logo for $acme?", to_department="marketing")
    answer = await comment(client, mia, done["id"], "Attached.")
    await api(
        client,
        sam,
        "POST",
        f"/api/v1/posts/{done['id']}/accept",
        204,
        json={"comment_id": answer["id"]},
    )
    await ask(client, sam, "Pricing for $globex?", to_department="marketing")
    await make_post(client, sam, "A call note on $acme")

    tab = await page(client, "/accounts/acme/questions")
    assert row_ids(tab) == [open_one["id"], done["id"]]
    text = words(tab)
    assert text.index("Open 1") < text.index("Case study") < text.index("Accepted 1")
    assert "Answered 0" not in text
    assert "Ask about Acme" in text
    accepted = await page(client, "/accounts/acme/questions?status=accepted")
    assert row_ids(accepted) == [done["id"]]
    assert "All questions about Acme" in text_of(accepted)
    assert 'href="/accounts/acme/questions"' in await page(client, "/accounts/acme")

    # The tab's own form asks about the account.
    asked = await submit(
        client,
        sam,
        "/posts",
        {
            "kind": "question",
            "accounts": "acme",
            "to_department": "product",
            "body": "Is the API limit raised for them?",
            "next": "/accounts/acme/questions",
        },
    )
    assert asked.headers["location"] == "/accounts/acme/questions"
    assert "Is the API limit raised for them?" in text_of(
        await page(client, "/accounts/acme/questions")
    )
    await page(client, "/accounts/nowhere/questions", expect=404)
