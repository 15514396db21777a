"""Notifications: one per recipient for each kind of event, never for the person who acted,
listed newest first, counted, and marked read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import Person, api, make_account, make_post, make_user
from tests.helpers_visibility import expect_error, follow, page_ids, walk

NOTES = "/api/v1/notifications"


async def _people(app: FastAPI, *handles: str) -> list[Person]:
    return [await make_user(app, handle) for handle in handles]


async def _notes(client: httpx.AsyncClient, who: Person, **params: Any) -> list[dict[str, Any]]:
    page = await api(client, who, "GET", NOTES, 200, params={"limit": 100, **params})
    items: list[dict[str, Any]] = page["items"]
    return items


async def _kinds(client: httpx.AsyncClient, who: Person) -> list[tuple[str, str, int | None]]:
    """(kind, actor handle, post id) of every notification of `who`, newest first."""
    return [(n["kind"], n["actor"]["handle"], n["post_id"]) for n in await _notes(client, who)]


async def _unread(client: httpx.AsyncClient, who: Person) -> int:
    count: int = (await api(client, who, "GET", f"{NOTES}/unread-count", 200))["count"]
    return count


async def _comment(
    client: httpx.AsyncClient, who: Person, post_id: int, body: str, parent_id: int | None = None
) -> dict[str, Any]:
    comment: dict[str, Any] = await api(
        client,
        who,
        "POST",
        f"/api/v1/posts/{post_id}/comments",
        201,
        json={"body": body, "parent_id": parent_id},
    )
    return comment


# Each kind --------------------------------------------------------------------------------


async def test_mention_in_post_notifies_the_mentioned_person(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dana, sam = await _people(app, "dana", "sam")
    post = await make_post(client, sam, "Great call, thanks @dana")
    [note] = await _notes(client, dana)
    assert note["kind"] == "mention"
    assert note["actor"] == {
        "id": sam.id,
        "handle": "sam",
        "display_name": "Sam",
        "department": "sales",
    }
    assert note["post_id"] == post["id"]
    assert note["comment_id"] is None
    assert note["read"] is False
    assert isinstance(note["id"], int)
    assert note["created_at"].endswith(("Z", "+00:00"))


async def test_mention_in_comment_points_at_the_comment(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dana, sam, lee = await _people(app, "dana", "sam", "lee")
    post = await make_post(client, sam, "Pricing question")
    comment = await _comment(client, lee, post["id"], "@dana knows this one")
    [note] = await _notes(client, dana)
    assert (note["kind"], note["post_id"], note["comment_id"]) == (
        "mention",
        post["id"],
        comment["id"],
    )


async def test_comment_notifies_the_post_author(app: FastAPI, client: httpx.AsyncClient) -> None:
    dana, sam = await _people(app, "dana", "sam")
    post = await make_post(client, dana, "What do you hear about pricing?")
    comment = await _comment(client, sam, post["id"], "Too high for SMB")
    [note] = await _notes(client, dana)
    assert (note["kind"], note["actor"]["handle"], note["post_id"], note["comment_id"]) == (
        "comment",
        "sam",
        post["id"],
        comment["id"],
    )


async def test_reply_notifies_the_comment_author_and_the_post_author(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dana, sam, lee = await _people(app, "dana", "sam", "lee")
    post = await make_post(client, dana, "Question")
    top = await _comment(client, sam, post["id"], "An answer")
    reply = await _comment(client, lee, post["id"], "A reply", parent_id=top["id"])
    assert [(n["kind"], n["comment_id"]) for n in await _notes(client, sam)] == [
        ("reply", reply["id"])
    ]
    assert [(n["kind"], n["comment_id"]) for n in await _notes(client, dana)] == [
        ("comment", reply["id"]),
        ("comment", top["id"]),
    ]


async def test_reply_to_a_reply_attaches_to_the_top_level_comment(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dana, sam, lee, kim = await _people(app, "dana", "sam", "lee", "kim")
    post = await make_post(client, dana, "Question")
    top = await _comment(client, sam, post["id"], "Top-level")
    reply = await _comment(client, lee, post["id"], "Reply", parent_id=top["id"])
    nested = await _comment(client, kim, post["id"], "Reply to the reply", parent_id=reply["id"])
    assert reply["parent_id"] == top["id"]
    assert nested["parent_id"] == top["id"]
    # The person replied to is told, as a reply.
    assert [(n["kind"], n["comment_id"]) for n in await _notes(client, lee)] == [
        ("reply", nested["id"])
    ]
    listed = await api(client, dana, "GET", f"/api/v1/posts/{post['id']}/comments", 200)
    assert [(c["id"], c["parent_id"]) for c in listed["items"]] == [
        (nested["id"], top["id"]),
        (reply["id"], top["id"]),
        (top["id"], None),
    ]


async def test_reply_to_a_comment_of_another_post_is_422(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dana, sam = await _people(app, "dana", "sam")
    first = await make_post(client, dana, "First")
    second = await make_post(client, dana, "Second")
    comment = await _comment(client, sam, first["id"], "On the first")
    await expect_error(
        client,
        sam,
        "POST",
        f"/api/v1/posts/{second['id']}/comments",
        422,
        "invalid",
        json={"body": "Wrong thread", "parent_id": comment["id"]},
    )
    assert await _kinds(client, dana) == [("comment", "sam", first["id"])]


async def test_reaction_notifies_the_author_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    dana, sam = await _people(app, "dana", "sam")
    post = await make_post(client, dana, "We won Acme")
    for _ in range(2):
        await api(client, sam, "PUT", f"/api/v1/posts/{post['id']}/reactions/celebrate", 204)
    assert await _kinds(client, dana) == [("reaction", "sam", post["id"])]


async def test_follow_notifies_the_followed_person_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dana, sam = await _people(app, "dana", "sam")
    await follow(client, sam, "users/dana", "users/dana")
    [note] = await _notes(client, dana)
    assert (note["kind"], note["actor"]["handle"], note["post_id"], note["comment_id"]) == (
        "follow",
        "sam",
        None,
        None,
    )


async def test_new_post_on_an_account_notifies_its_owner(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dana, sam, lee = await _people(app, "dana", "sam", "lee")
    await make_account(client, dana, "Acme", slug="acme")
    await make_account(client, sam, "Globex", slug="globex", owner_handle="lee")
    tagged = await make_post(client, sam, "Met $acme today")
    explicit = await make_post(client, sam, "Follow-up", accounts=["acme"])
    await make_post(client, dana, "Nothing to do with accounts")
    assert await _kinds(client, dana) == [
        ("account_post", "sam", explicit["id"]),
        ("account_post", "sam", tagged["id"]),
    ]
    assert await _kinds(client, lee) == []


async def test_one_notification_per_person_per_event(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Dana owns both accounts and is mentioned twice: one notification, the mention."""
    dana, sam = await _people(app, "dana", "sam")
    await make_account(client, dana, "Acme", slug="acme")
    await make_account(client, dana, "Globex", slug="globex")
    post = await make_post(client, sam, "$acme and $globex, right @dana? @DANA?")
    assert await _kinds(client, dana) == [("mention", "sam", post["id"])]


async def test_editing_a_post_notifies_only_newly_mentioned_people(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dana, sam, lee = await _people(app, "dana", "sam", "lee")
    post = await make_post(client, sam, "Hi @dana")
    url = f"/api/v1/posts/{post['id']}"
    await api(client, sam, "PATCH", url, 200, json={"body": "Hi @dana and @lee"})
    await api(client, sam, "PATCH", url, 200, json={"body": "Hi @dana and @lee again"})
    assert await _kinds(client, dana) == [("mention", "sam", post["id"])]
    assert await _kinds(client, lee) == [("mention", "sam", post["id"])]


async def test_nobody_is_notified_of_their_own_actions(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    [dana] = await _people(app, "dana")
    await make_account(client, dana, "Acme", slug="acme")
    post = await make_post(client, dana, "Notes on $acme, cc @dana")
    top = await _comment(client, dana, post["id"], "Adding to my own post, @dana")
    await _comment(client, dana, post["id"], "And replying to myself", parent_id=top["id"])
    await api(client, dana, "PUT", f"/api/v1/posts/{post['id']}/reactions/like", 204)
    await api(client, dana, "PATCH", f"/api/v1/posts/{post['id']}", 200, json={"body": "Now @dana"})
    await expect_error(client, dana, "PUT", "/api/v1/users/dana/follow", 422, "invalid")
    assert await _notes(client, dana) == []
    assert await _unread(client, dana) == 0


async def test_notifications_are_private_to_their_recipient(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dana, sam, lee = await _people(app, "dana", "sam", "lee")
    await make_post(client, sam, "Hi @dana")
    assert len(await _notes(client, dana)) == 1
    assert await _notes(client, lee) == []
    assert await _unread(client, lee) == 0
    await expect_error(client, None, "GET", NOTES, 401, "unauthorized")
    await expect_error(client, None, "GET", f"{NOTES}/unread-count", 401, "unauthorized")


async def test_deleting_a_post_removes_its_notifications(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dana, sam = await _people(app, "dana", "sam")
    kept = await make_post(client, sam, "Keep this, @dana")
    gone = await make_post(client, sam, "Delete this, @dana")
    await _comment(client, dana, gone["id"], "Noted")
    await api(client, sam, "DELETE", f"/api/v1/posts/{gone['id']}", 204)
    assert await _kinds(client, dana) == [("mention", "sam", kept["id"])]
    assert await _kinds(client, sam) == []
    assert await _unread(client, dana) == 1


# Reading ----------------------------------------------------------------------------------


async def _three_mentions(app: FastAPI, client: httpx.AsyncClient) -> tuple[Person, list[int]]:
    """Dana with three unread mentions; their ids, newest first."""
    dana, sam = await _people(app, "dana", "sam")
    for i in range(3):
        await make_post(client, sam, f"Note {i} for @dana")
    return dana, [n["id"] for n in await _notes(client, dana)]


async def test_unread_filter_and_count_follow_marking_by_ids(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dana, ids = await _three_mentions(app, client)
    assert await _unread(client, dana) == 3
    await api(client, dana, "POST", f"{NOTES}/read", 204, json={"ids": [ids[0], ids[2]]})
    assert await _unread(client, dana) == 1
    assert [n["id"] for n in await _notes(client, dana, unread="true")] == [ids[1]]
    assert [(n["id"], n["read"]) for n in await _notes(client, dana)] == [
        (ids[0], True),
        (ids[1], False),
        (ids[2], True),
    ]
    # Marking again is harmless.
    await api(client, dana, "POST", f"{NOTES}/read", 204, json={"ids": [ids[0]]})
    assert await _unread(client, dana) == 1


async def test_mark_all_read(app: FastAPI, client: httpx.AsyncClient) -> None:
    dana, _ = await _three_mentions(app, client)
    await api(client, dana, "POST", f"{NOTES}/read", 204, json={"all": True})
    assert await _unread(client, dana) == 0
    assert await _notes(client, dana, unread="true") == []
    assert [n["read"] for n in await _notes(client, dana)] == [True, True, True]


async def test_marking_someone_elses_notifications_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dana, ids = await _three_mentions(app, client)
    [lee] = await _people(app, "lee")
    await api(client, lee, "POST", f"{NOTES}/read", 204, json={"ids": ids})
    await api(client, lee, "POST", f"{NOTES}/read", 204, json={"all": True})
    assert await _unread(client, dana) == 3


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": []}, {"all": False}, {"ids": "all"}, {"ids": [1], "all": "maybe"}],
    ids=["empty", "no_ids", "all_false", "ids_not_a_list", "all_not_bool"],
)
async def test_mark_read_with_bad_body_is_422(
    app: FastAPI, client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    dana, _ = await _three_mentions(app, client)
    answer = await expect_error(
        client, dana, "POST", f"{NOTES}/read", 422, "validation_error", json=body
    )
    assert answer["error"]["details"]
    assert await _unread(client, dana) == 3


async def test_notifications_paginate_without_duplicates_or_gaps(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dana, sam = await _people(app, "dana", "sam")
    for i in range(7):
        await make_post(client, sam, f"Note {i} for @dana")
    everything = [n["id"] for n in await _notes(client, dana)]
    assert everything == sorted(everything, reverse=True)
    assert len(everything) == 7

    pages = await walk(client, dana, NOTES, limit=3)
    assert pages == [everything[:3], everything[3:6], everything[6:]]

    # New notifications between two pages do not shift the next one.
    first, cursor = await page_ids(client, dana, NOTES, limit=3)
    await make_post(client, sam, "Yet another for @dana")
    second, _ = await page_ids(client, dana, NOTES, limit=3, cursor=cursor)
    assert first + second == everything[:6]


async def test_unread_filter_paginates(app: FastAPI, client: httpx.AsyncClient) -> None:
    dana, sam = await _people(app, "dana", "sam")
    for i in range(5):
        await make_post(client, sam, f"Note {i} for @dana")
    everything = [n["id"] for n in await _notes(client, dana)]
    await api(client, dana, "POST", f"{NOTES}/read", 204, json={"ids": everything[1::2]})
    pages = await walk(client, dana, f"{NOTES}?unread=true", limit=2)
    assert pages == [everything[0::2][:2], everything[0::2][2:]]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"cursor": "nonsense"}])
async def test_bad_notification_page_parameters_are_422(
    app: FastAPI, client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    dana, _ = await _three_mentions(app, client)
    response = await client.get(NOTES, params=params, headers=dana.headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in {"invalid", "validation_error"}
