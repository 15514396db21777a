"""Questions across the divide through the API: routing to the right people (never to anyone
who may not see the question), the first answer on the clock, the accepted answer, the list
(SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.users.models import Department
from tests.checks import all_pages, api_error
from tests.factories import Person, api, make_account, make_post, make_user

POSTS = "/api/v1/posts"
QUESTIONS = "/api/v1/questions"


@dataclass
class Crew:
    sam: Person  # rep, owns Acme and the confidential Vault
    lee: Person  # rep
    mia: Person  # marketer, follows Acme and #pricing
    max: Person  # marketer, follows nothing
    grace: Person  # marketing lead, follows nothing


@pytest.fixture
async def crew(app: FastAPI, client: httpx.AsyncClient) -> Crew:
    people = Crew(
        sam=await make_user(app, "sam"),
        lee=await make_user(app, "lee"),
        mia=await make_user(app, "mia", department=Department.marketing),
        max=await make_user(app, "max", department=Department.marketing),
        grace=await make_user(app, "grace", department=Department.marketing, lead=True),
    )
    await make_account(client, people.sam, "Acme")
    await make_account(client, people.sam, "Vault", confidential=True)
    await make_post(client, people.lee, "Our #pricing page moved.")
    await api(client, people.mia, "PUT", "/api/v1/accounts/acme/follow", 204)
    await api(client, people.mia, "PUT", "/api/v1/topics/pricing/follow", 204)
    return people


async def ask(client: httpx.AsyncClient, who: Person, body: str, **extra: Any) -> dict[str, Any]:
    return await make_post(client, who, body, kind="question", **extra)


async def routed(client: httpx.AsyncClient, who: Person) -> list[int]:
    page = await api(client, who, "GET", "/api/v1/notifications", 200)
    return [n["post_id"] for n in page["items"] if n["kind"] == "question_routed"]


async def comment(client: httpx.AsyncClient, who: Person, post: dict[str, Any], body: str) -> Any:
    return await api(
        client, who, "POST", f"{POSTS}/{post['id']}/comments", 201, json={"body": body}
    )


async def question_of(client: httpx.AsyncClient, who: Person, post: dict[str, Any]) -> Any:
    return (await api(client, who, "GET", f"{POSTS}/{post['id']}", 200))["question"]


async def test_a_question_reaches_the_department_members_who_follow_what_it_is_about(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    about_acme = await ask(
        client, crew.sam, "Is there a case study for $acme's industry?", to_department="marketing"
    )
    assert about_acme["question"]["to_department"] == "marketing"
    assert about_acme["question"]["status"] == "open"
    assert await routed(client, crew.mia) == [about_acme["id"]]
    for nobody in (crew.max, crew.grace, crew.lee, crew.sam):
        assert await routed(client, nobody) == []
    by_topic = await ask(
        client, crew.lee, "What is our #pricing for renewals?", to_department="marketing"
    )
    assert await routed(client, crew.mia) == [by_topic["id"], about_acme["id"]]


async def test_with_no_follower_it_goes_to_the_departments_leads(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await ask(client, crew.sam, "Who owns the webinar calendar?", to_department="marketing")
    assert await routed(client, crew.grace) == [post["id"]]
    assert await routed(client, crew.mia) == []
    # Asked of sales, whose only people are reps with no lead: nobody is told, nothing fails.
    quiet = await ask(client, crew.mia, "Which accounts are in a pilot?", to_department="sales")
    assert quiet["question"]["status"] == "open"
    assert await routed(client, crew.lee) == []


async def test_a_confidential_question_is_never_routed_outside_its_team(
    app: FastAPI, client: httpx.AsyncClient, crew: Crew
) -> None:
    # Mia follows Vault's topic but is not on Vault's team; Grace (lead) is not either.
    post = await ask(
        client, crew.sam, "Legal wants our #pricing sheet for $vault", to_department="marketing"
    )
    assert await routed(client, crew.mia) == []
    assert await routed(client, crew.grace) == []
    # Once Mia is on the team, the next one reaches her (and still not the lead).
    await api(client, crew.sam, "PUT", "/api/v1/accounts/vault/team/mia", 204)
    second = await ask(
        client, crew.sam, "And the #pricing FAQ for $vault?", to_department="marketing"
    )
    assert await routed(client, crew.mia) == [second["id"]]
    assert await routed(client, crew.grace) == []
    assert post["id"] not in await routed(client, crew.mia)


async def test_the_first_answer_from_the_department_asked_is_timed(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await ask(client, crew.sam, "Case study for $acme?", to_department="marketing")
    await comment(client, crew.sam, post, "Bumping this.")  # the asker
    await comment(client, crew.lee, post, "+1, I need it too.")  # not marketing
    assert (await question_of(client, crew.lee, post))["status"] == "open"
    answer = await comment(client, crew.max, post, "Yes: the Initech one, same industry.")
    await comment(client, crew.mia, post, "And a new one is coming.")
    question = await question_of(client, crew.lee, post)
    assert question["status"] == "answered"
    assert question["first_answer_id"] == answer["id"]
    assert datetime.fromisoformat(question["first_answer_at"]) == datetime.fromisoformat(
        answer["created_at"]
    )
    assert 0 <= question["waited_hours"] < 0.1
    # Asked of everyone: the first comment by someone other than the asker answers it.
    open_one = await ask(client, crew.mia, "Anyone seen the new competitor deck?")
    assert open_one["question"]["to_department"] is None
    await comment(client, crew.lee, open_one, "Yes, in the drive.")
    assert (await question_of(client, crew.mia, open_one))["status"] == "answered"


async def test_the_asker_accepts_one_answer_and_its_author_is_told(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    post = await ask(client, crew.sam, "Case study for $acme?", to_department="marketing")
    first = await comment(client, crew.max, post, "The Initech one.")
    better = await comment(client, crew.mia, post, "The Globex one: same size and region.")
    own = await comment(client, crew.sam, post, "Thanks both.")
    other = await ask(client, crew.sam, "Another question", to_department="marketing")
    elsewhere = await comment(client, crew.mia, other, "An answer elsewhere.")
    update = await make_post(client, crew.sam, "Not a question")
    url = f"{POSTS}/{post['id']}/accept"
    await api_error(
        client, crew.lee, "POST", url, 403, "not_the_asker", json={"comment_id": first["id"]}
    )
    await api_error(
        client, crew.sam, "POST", url, 422, "not_an_answer", json={"comment_id": elsewhere["id"]}
    )
    await api_error(
        client, crew.sam, "POST", url, 422, "not_an_answer", json={"comment_id": 999_999}
    )
    await api_error(
        client, crew.sam, "POST", url, 422, "own_answer", json={"comment_id": own["id"]}
    )
    await api_error(client, crew.sam, "POST", url, 422, json={"comment_id": "first"})
    await api_error(
        client,
        crew.sam,
        "POST",
        f"{POSTS}/{update['id']}/accept",
        422,
        "not_a_question",
        json={"comment_id": first["id"]},
    )
    assert (await question_of(client, crew.sam, post))["status"] == "answered"

    await api(client, crew.sam, "POST", url, 204, json={"comment_id": first["id"]})
    await api(client, crew.sam, "POST", url, 204, json={"comment_id": better["id"]})
    question = await question_of(client, crew.lee, post)
    assert (question["status"], question["accepted_comment_id"]) == ("accepted", better["id"])
    assert question["first_answer_id"] == first["id"]  # the clock stopped at the first
    for who, comment_id in ((crew.max, first["id"]), (crew.mia, better["id"])):
        page = await api(client, who, "GET", "/api/v1/notifications", 200)
        accepted = [n for n in page["items"] if n["kind"] == "answer_accepted"]
        assert [(n["post_id"], n["comment_id"]) for n in accepted] == [(post["id"], comment_id)]


async def test_bad_questions_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    await api_error(
        client,
        crew.sam,
        "POST",
        POSTS,
        422,
        json={"kind": "update", "body": "Hello", "to_department": "marketing"},
    )
    await api_error(
        client,
        crew.sam,
        "POST",
        POSTS,
        422,
        json={"kind": "question", "body": "Hello?", "to_department": "finance"},
    )
    listed = await api(client, crew.sam, "GET", QUESTIONS, 200)
    assert listed["items"] == []
    await api_error(client, crew.sam, "GET", QUESTIONS, 422, params={"to_department": "finance"})
    await api_error(client, crew.sam, "GET", QUESTIONS, 422, params={"status": "closed"})
    await api_error(client, crew.sam, "GET", QUESTIONS, 404, params={"account": "nowhere"})


async def test_the_list_is_oldest_first_filtered_and_follows_the_visibility_rule(
    client: httpx.AsyncClient, crew: Crew
) -> None:
    asked = [
        await ask(client, crew.sam, f"Question {n} about $acme", to_department="marketing")
        for n in range(4)
    ]
    hidden = await ask(client, crew.sam, "About $vault", to_department="marketing")
    to_sales = await ask(client, crew.mia, "Who runs the $acme pilot?", to_department="sales")
    await comment(client, crew.max, asked[1], "Answered.")
    pages = await all_pages(client, crew.sam, QUESTIONS, limit=2, to_department="marketing")
    ids = [q["id"] for page in pages for q in page]
    assert ids == [asked[0]["id"], asked[2]["id"], asked[3]["id"], hidden["id"]]
    # Max is not on Vault's team: he does not see it, in the list either.
    seen = await api(client, crew.max, "GET", QUESTIONS, 200, params={"to_department": "marketing"})
    assert hidden["id"] not in [q["id"] for q in seen["items"]]
    answered = await api(client, crew.sam, "GET", QUESTIONS, 200, params={"status": "answered"})
    assert [q["id"] for q in answered["items"]] == [asked[1]["id"]]
    for_sales = await api(
        client, crew.sam, "GET", QUESTIONS, 200, params={"to_department": "sales"}
    )
    assert [q["id"] for q in for_sales["items"]] == [to_sales["id"]]
    everything = await api(client, crew.sam, "GET", QUESTIONS, 200, params={"account": "acme"})
    assert [q["id"] for q in everything["items"]] == [
        asked[0]["id"],
        asked[2]["id"],
        asked[3]["id"],
        to_sales["id"],
    ]
    assert all(q["question"]["waited_hours"] >= 0 for q in everything["items"])
