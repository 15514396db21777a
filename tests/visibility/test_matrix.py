"""The visibility matrix: a private-group post and a confidential-account post never reach
an outsider through any read path, and reach every insider through the same paths.

The world (built afresh for every test):
  - `author` (marketing) created the private group `secret` and added `member`; there is also
    a public group `open` as a control.
  - `owner` owns the public account `acme` and the confidential account `vault`; `teammate`
    (sales) is on vault's team.
  - `outsider` and `admin` follow author, teammate, acme and #launch, so both hidden posts
    WOULD be in their home feeds if not for visibility. `member` follows #launch, `owner`
    follows vault.
  - author and teammate each wrote a public control post on $acme #launch; then author wrote
    `group_post` in `secret` and teammate wrote `vault_post` on $vault, both on $acme #launch
    and mentioning people on both sides of the wall.

Insiders of the private group are its members (not admins: admins do not see private groups
they are not in). Insiders of the confidential account are its owner, its team and admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.core.db import transaction
from app.notifications.models import Notification
from app.users.models import Department
from tests.factories import Person, api, make_account, make_post, make_user
from tests.helpers_visibility import expect_error, follow, page_ids

GROUP = "private_group"
VAULT = "confidential_account"
CASES = (GROUP, VAULT)

HIDDEN = {GROUP: "group_post", VAULT: "vault_post"}
CONTROL = {GROUP: "author_public", VAULT: "teammate_public"}
INSIDERS = {GROUP: ("author", "member"), VAULT: ("teammate", "owner", "admin")}
OUTSIDERS = {GROUP: ("outsider", "admin"), VAULT: ("outsider", "member")}

# Feeds every viewer may open; {author} and {department} are those of the hidden post.
OPEN_FEEDS = {
    "home": "/api/v1/feed",
    "company": "/api/v1/feed/company",
    "account": "/api/v1/accounts/acme/feed",
    "account_department": "/api/v1/accounts/acme/feed?department={department}",
    "user": "/api/v1/users/{author}/feed",
    "topic": "/api/v1/topics/launch/feed",
}
# Feeds of the hidden container itself: 404 for outsiders.
CONTAINER_FEEDS = {
    GROUP: {"group": "/api/v1/groups/secret/feed"},
    VAULT: {
        "confidential_account": "/api/v1/accounts/vault/feed",
        "confidential_account_department": "/api/v1/accounts/vault/feed?department=sales",
    },
}
AUTHOR = {GROUP: ("author", "marketing"), VAULT: ("teammate", "sales")}

# Reads and writes on one post: (method, path under the post, json body, insider status).
POST_PATHS = {
    "get": ("GET", "", None, 200),
    "list_comments": ("GET", "/comments", None, 200),
    "add_comment": ("POST", "/comments", {"body": "Following up"}, 201),
    "react": ("PUT", "/reactions/like", None, 204),
    "unreact": ("DELETE", "/reactions/insightful", None, 204),
}

# What each viewer counts on acme's contributors list: hidden posts are not counted.
ACME_CONTRIBUTORS = {
    "outsider": {"author": 1, "teammate": 1},
    "member": {"author": 2, "teammate": 1},
    "author": {"author": 2, "teammate": 1},
    "owner": {"author": 1, "teammate": 2},
    "teammate": {"author": 1, "teammate": 2},
    "admin": {"author": 1, "teammate": 2},
}


@dataclass
class World:
    people: dict[str, Person]
    posts: dict[str, dict[str, Any]]

    def post_id(self, name: str) -> int:
        return int(self.posts[name]["id"])


async def build_world(app: FastAPI, client: httpx.AsyncClient) -> World:
    departments = {"author": Department.marketing, "teammate": Department.sales}
    people = {
        role: await make_user(
            app, role, department=departments.get(role, Department.sales), admin=role == "admin"
        )
        for role in ("author", "member", "owner", "teammate", "outsider", "admin")
    }
    author, owner, teammate = people["author"], people["owner"], people["teammate"]
    groups = "/api/v1/groups"
    await api(client, author, "POST", groups, 201, json={"name": "Secret", "private": True})
    await api(client, author, "PUT", f"{groups}/secret/members/member", 204)
    await api(client, author, "POST", groups, 201, json={"name": "Open", "private": False})
    await make_account(client, owner, "Acme", slug="acme")
    await make_account(client, owner, "Vault", slug="vault", confidential=True)
    await api(client, owner, "PUT", "/api/v1/accounts/vault/team/teammate", 204)
    for role in ("outsider", "admin"):
        await follow(
            client, people[role], "users/author", "users/teammate", "accounts/acme", "topics/launch"
        )
    await follow(client, people["member"], "topics/launch")
    await follow(client, owner, "accounts/vault")
    posts = {
        "author_public": await make_post(client, author, "Public note on $acme #launch @outsider"),
        "teammate_public": await make_post(
            client, teammate, "Public note on $acme #launch @outsider"
        ),
        "group_post": await make_post(
            client,
            author,
            "Group plan for $acme #launch cc @outsider @admin @member @owner",
            group="secret",
        ),
        "vault_post": await make_post(
            client, teammate, "Renewal risk at $vault and $acme #launch cc @outsider @member @admin"
        ),
    }
    return World(people, posts)


@pytest.fixture
async def world(app: FastAPI, client: httpx.AsyncClient) -> World:
    return await build_world(app, client)


def _feed_params() -> list[Any]:
    """(case, url) for every feed of every case, named `case-feed`."""
    rows = []
    for case in CASES:
        author, department = AUTHOR[case]
        for feed, template in {**OPEN_FEEDS, **CONTAINER_FEEDS[case]}.items():
            url = template.format(author=author, department=department)
            rows.append(pytest.param(case, url, id=f"{case}-{feed}"))
    return rows


async def _not_found_body(client: httpx.AsyncClient, who: Person, url: str) -> dict[str, Any]:
    body: dict[str, Any] = await expect_error(client, who, "GET", url, 404, "not_found")
    return body


# Feeds ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "url"), _feed_params())
async def test_outsider_cannot_see_hidden_post_in_any_feed(
    client: httpx.AsyncClient, world: World, case: str, url: str
) -> None:
    for role in OUTSIDERS[case]:
        viewer = world.people[role]
        if "/secret/" in url or "/vault/" in url:
            body = await _not_found_body(client, viewer, url)
            missing = url.replace("secret", "nosuchgroup").replace("vault", "nosuchaccount")
            assert body == await _not_found_body(client, viewer, missing), role
            continue
        ids, _ = await page_ids(client, viewer, url, limit=100)
        assert world.post_id(HIDDEN[case]) not in ids, role
        # The feed itself works for this viewer: the public post of the same author is there.
        assert world.post_id(CONTROL[case]) in ids, role


@pytest.mark.parametrize(("case", "url"), _feed_params())
async def test_insider_sees_hidden_post_in_every_feed(
    client: httpx.AsyncClient, world: World, case: str, url: str
) -> None:
    for role in INSIDERS[case]:
        ids, _ = await page_ids(client, world.people[role], url, limit=100)
        assert world.post_id(HIDDEN[case]) in ids, role


@pytest.mark.parametrize(
    ("case", "source"),
    [
        (case, source)
        for case, author in ((GROUP, "author"), (VAULT, "teammate"))
        for source in (f"users/{author}", "accounts/acme", "topics/launch")
    ],
)
async def test_outsider_home_feed_hides_post_whichever_source_they_follow(
    app: FastAPI, client: httpx.AsyncClient, world: World, case: str, source: str
) -> None:
    fan = await make_user(app, "fan")
    await follow(client, fan, source)
    ids, _ = await page_ids(client, fan, "/api/v1/feed", limit=100)
    assert world.post_id(CONTROL[case]) in ids
    assert world.post_id(HIDDEN[case]) not in ids


async def test_group_membership_alone_brings_group_posts_to_home_feed(
    client: httpx.AsyncClient, world: World
) -> None:
    """The member follows #launch, so check with a member who follows nothing."""
    await api(client, world.people["member"], "DELETE", "/api/v1/topics/launch/follow", 204)
    ids, _ = await page_ids(client, world.people["member"], "/api/v1/feed", limit=100)
    assert ids == [world.post_id("group_post")]


# Reading and writing one post -------------------------------------------------------------


POST_PARAMS = [
    pytest.param(case, path, id=f"{case}-{path}") for case in CASES for path in POST_PATHS
]


@pytest.mark.parametrize(("case", "path"), POST_PARAMS)
async def test_outsider_gets_404_on_every_post_path(
    client: httpx.AsyncClient, world: World, case: str, path: str
) -> None:
    method, suffix, body, _ = POST_PATHS[path]
    post_id = world.post_id(HIDDEN[case])
    author = world.people[AUTHOR[case][0]]
    for role in OUTSIDERS[case]:
        viewer = world.people[role]
        hidden = await expect_error(
            client, viewer, method, f"/api/v1/posts/{post_id}{suffix}", 404, "not_found", json=body
        )
        missing = await expect_error(
            client, viewer, method, f"/api/v1/posts/999999{suffix}", 404, "not_found", json=body
        )
        assert hidden == missing, role
        # Nothing was written: the author sees no comment and no reaction.
        post = await api(client, author, "GET", f"/api/v1/posts/{post_id}", 200)
        assert post["comment_count"] == 0, role
        assert set(post["reactions"].values()) == {0}, role


@pytest.mark.parametrize(("case", "path"), POST_PARAMS)
async def test_insider_can_use_every_post_path(
    client: httpx.AsyncClient, world: World, case: str, path: str
) -> None:
    method, suffix, body, status = POST_PATHS[path]
    post_id = world.post_id(HIDDEN[case])
    url = f"/api/v1/posts/{post_id}{suffix}"
    for role in INSIDERS[case]:
        answer = await api(client, world.people[role], method, url, status, json=body)
        if path == "get":
            assert answer["id"] == post_id
    if path in {"add_comment", "react"}:
        author = world.people[AUTHOR[case][0]]
        post = await api(client, author, "GET", f"/api/v1/posts/{post_id}", 200)
        counted = post["comment_count"] if path == "add_comment" else post["reactions"]["like"]
        assert counted == len(INSIDERS[case])


@pytest.mark.parametrize(("case", "role"), [(c, r) for c in CASES for r in OUTSIDERS[c]])
async def test_outsider_cannot_edit_or_delete_hidden_post(
    client: httpx.AsyncClient, world: World, case: str, role: str
) -> None:
    url = f"/api/v1/posts/{world.post_id(HIDDEN[case])}"
    viewer = world.people[role]
    await expect_error(client, viewer, "PATCH", url, 404, "not_found", json={"body": "mine now"})
    await expect_error(client, viewer, "DELETE", url, 404, "not_found")
    author = world.people[AUTHOR[case][0]]
    assert (await api(client, author, "GET", url, 200))["body"] == world.posts[HIDDEN[case]]["body"]


async def test_admin_can_delete_confidential_account_post(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"/api/v1/posts/{world.post_id('vault_post')}"
    await api(client, world.people["admin"], "DELETE", url, 204)
    await expect_error(client, world.people["teammate"], "GET", url, 404, "not_found")


async def test_outsider_cannot_reply_to_comment_on_hidden_post(
    client: httpx.AsyncClient, world: World
) -> None:
    post_id = world.post_id("group_post")
    comment = await api(
        client,
        world.people["member"],
        "POST",
        f"/api/v1/posts/{post_id}/comments",
        201,
        json={"body": "Inside joke"},
    )
    await expect_error(
        client,
        world.people["outsider"],
        "POST",
        f"/api/v1/posts/{post_id}/comments",
        404,
        "not_found",
        json={"body": "Let me in", "parent_id": comment["id"]},
    )


async def test_outsider_cannot_tag_confidential_account_in_a_post(
    client: httpx.AsyncClient, world: World
) -> None:
    outsider = world.people["outsider"]
    body = await expect_error(
        client,
        outsider,
        "POST",
        "/api/v1/posts",
        422,
        "unknown_account",
        json={"body": "Guessing", "accounts": ["vault"]},
    )
    missing = await expect_error(
        client,
        outsider,
        "POST",
        "/api/v1/posts",
        422,
        "unknown_account",
        json={"body": "Guessing", "accounts": ["nosuchaccount"]},
    )
    assert body["error"]["message"].replace("vault", "X") == missing["error"]["message"].replace(
        "nosuchaccount", "X"
    )
    # A `$vault` in the text stays plain text for them: no link to the account.
    post = await make_post(client, outsider, "What is $vault?")
    assert post["accounts"] == []
    assert "/accounts/vault" not in post["body_html"]


async def test_outsider_cannot_post_in_private_group(
    client: httpx.AsyncClient, world: World
) -> None:
    await expect_error(
        client,
        world.people["outsider"],
        "POST",
        "/api/v1/posts",
        422,
        "unknown_group",
        json={"body": "Hello", "group": "secret"},
    )


# Accounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["outsider", "member"])
async def test_outsider_cannot_see_confidential_account(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    viewer = world.people[role]
    body = await _not_found_body(client, viewer, "/api/v1/accounts/vault")
    assert body == await _not_found_body(client, viewer, "/api/v1/accounts/nosuchaccount")
    page = await api(client, viewer, "GET", "/api/v1/accounts", 200)
    assert [a["slug"] for a in page["items"]] == ["acme"]
    page = await api(client, viewer, "GET", "/api/v1/accounts", 200, params={"q": "vault"})
    assert page["items"] == []
    await expect_error(client, viewer, "PUT", "/api/v1/accounts/vault/follow", 404, "not_found")
    await expect_error(
        client, viewer, "PUT", f"/api/v1/accounts/vault/team/{role}", 404, "not_found"
    )


@pytest.mark.parametrize("role", INSIDERS[VAULT])
async def test_insider_sees_confidential_account_with_team_and_contributors(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    viewer = world.people[role]
    account = await api(client, viewer, "GET", "/api/v1/accounts/vault", 200)
    assert account["confidential"] is True
    assert sorted(u["handle"] for u in account["team"]) == ["owner", "teammate"]
    assert [
        (c["user"]["handle"], c["department"], c["posts"]) for c in account["contributors"]
    ] == [("teammate", "sales", 1)]
    page = await api(client, viewer, "GET", "/api/v1/accounts", 200)
    assert [a["slug"] for a in page["items"]] == ["vault", "acme"]


@pytest.mark.parametrize("role", list(ACME_CONTRIBUTORS))
async def test_public_account_contributors_count_only_posts_the_viewer_may_see(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    account = await api(client, world.people[role], "GET", "/api/v1/accounts/acme", 200)
    counts = {c["user"]["handle"]: c["posts"] for c in account["contributors"]}
    assert counts == ACME_CONTRIBUTORS[role]
    departments = {c["user"]["handle"]: c["department"] for c in account["contributors"]}
    assert departments == {"author": "marketing", "teammate": "sales"}


async def test_contributor_with_only_hidden_posts_is_not_listed_for_outsider(
    client: httpx.AsyncClient, world: World
) -> None:
    await make_post(client, world.people["member"], "Only for us: $acme", group="secret")
    outsider = await api(client, world.people["outsider"], "GET", "/api/v1/accounts/acme", 200)
    assert "member" not in {c["user"]["handle"] for c in outsider["contributors"]}
    insider = await api(client, world.people["author"], "GET", "/api/v1/accounts/acme", 200)
    assert "member" in {c["user"]["handle"] for c in insider["contributors"]}


# Groups -----------------------------------------------------------------------------------

GROUP_LISTS = {
    "outsider": ["open"],
    "admin": ["open"],
    "owner": ["open"],
    "member": ["open", "secret"],
    "author": ["open", "secret"],
}


@pytest.mark.parametrize("role", list(GROUP_LISTS))
async def test_group_list_shows_private_groups_only_to_members(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    page = await api(client, world.people[role], "GET", "/api/v1/groups", 200)
    assert [g["slug"] for g in page["items"]] == GROUP_LISTS[role]


@pytest.mark.parametrize("role", OUTSIDERS[GROUP])
async def test_outsider_cannot_see_or_join_private_group(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    viewer = world.people[role]
    for suffix in ("", "/members"):
        body = await _not_found_body(client, viewer, f"/api/v1/groups/secret{suffix}")
        assert body == await _not_found_body(client, viewer, f"/api/v1/groups/nosuchgroup{suffix}")
    await expect_error(
        client, viewer, "PUT", f"/api/v1/groups/secret/members/{role}", 404, "not_found"
    )
    group = await api(client, world.people["member"], "GET", "/api/v1/groups/secret", 200)
    assert sorted(m["handle"] for m in group["members"]) == ["author", "member"]


@pytest.mark.parametrize("role", INSIDERS[GROUP])
async def test_member_sees_private_group_with_its_members(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    group = await api(client, world.people[role], "GET", "/api/v1/groups/secret", 200)
    assert group["private"] is True
    assert group["is_member"] is True
    assert group["member_count"] == 2
    assert sorted(m["handle"] for m in group["members"]) == ["author", "member"]


# Notifications ----------------------------------------------------------------------------


async def _notes(client: httpx.AsyncClient, who: Person) -> list[tuple[str, int | None]]:
    page = await api(client, who, "GET", "/api/v1/notifications", 200, params={"limit": 100})
    return [(n["kind"], n["post_id"]) for n in page["items"]]


async def _stored(app: FastAPI, who: Person) -> list[tuple[str, int | None]]:
    """The notification rows stored for `who`, newest first: hiding them on read is not
    enough, as a stored row is also pushed live."""
    async with transaction(app.state.sessionmaker, write=False) as session:
        rows = await session.execute(
            select(Notification.kind, Notification.post_id)
            .where(Notification.user_id == who.id)
            .order_by(Notification.id.desc())
        )
        return [(kind, post_id) for kind, post_id in rows]


async def test_mentioned_outsider_gets_no_notification_for_hidden_posts(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    outsider = world.people["outsider"]
    expected = [
        ("mention", world.post_id("teammate_public")),
        ("mention", world.post_id("author_public")),
    ]
    assert await _notes(client, outsider) == expected
    assert await _stored(app, outsider) == expected
    count = await api(client, outsider, "GET", "/api/v1/notifications/unread-count", 200)
    assert count == {"count": 2}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # member: mentioned in both, but only a member of the group.
        ("member", [("mention", "group_post")]),
        # admin: mentioned in both; sees confidential accounts, not private groups.
        ("admin", [("mention", "vault_post")]),
        # owner of acme and vault: told about new posts on them, except the group's.
        (
            "owner",
            [
                ("account_post", "vault_post"),
                ("account_post", "teammate_public"),
                ("account_post", "author_public"),
            ],
        ),
    ],
)
async def test_mentions_and_account_posts_notify_only_people_who_may_see_the_post(
    app: FastAPI,
    client: httpx.AsyncClient,
    world: World,
    role: str,
    expected: list[tuple[str, str]],
) -> None:
    wanted = [(kind, world.post_id(name)) for kind, name in expected]
    assert await _notes(client, world.people[role]) == wanted
    assert await _stored(app, world.people[role]) == wanted


@pytest.mark.parametrize("case", CASES)
async def test_comment_on_hidden_post_does_not_notify_mentioned_outsider(
    app: FastAPI, client: httpx.AsyncClient, world: World, case: str
) -> None:
    commenter = world.people[INSIDERS[case][-1]]
    post_id = world.post_id(HIDDEN[case])
    url = f"/api/v1/posts/{post_id}/comments"
    comment = await api(client, commenter, "POST", url, 201, json={"body": "Looping in @outsider"})
    await api(
        client,
        commenter,
        "POST",
        url,
        201,
        json={"body": "Did you see this, @outsider?", "parent_id": comment["id"]},
    )
    for role in OUTSIDERS[case]:
        assert post_id not in {p for _, p in await _stored(app, world.people[role])}, role
    # ... while the author is told about the comment.
    assert ("comment", post_id) in await _notes(client, world.people[AUTHOR[case][0]])


async def test_notification_disappears_when_its_post_becomes_confidential(
    client: httpx.AsyncClient, world: World
) -> None:
    outsider = world.people["outsider"]
    post_id = world.post_id("teammate_public")
    await api(
        client,
        world.people["teammate"],
        "PATCH",
        f"/api/v1/posts/{post_id}",
        200,
        json={"accounts": ["vault"]},
    )
    assert await _notes(client, outsider) == [("mention", world.post_id("author_public"))]
    count = await api(client, outsider, "GET", "/api/v1/notifications/unread-count", 200)
    assert count == {"count": 1}
    unread = await api(client, outsider, "GET", "/api/v1/notifications?unread=true", 200)
    assert [n["post_id"] for n in unread["items"]] == [world.post_id("author_public")]


async def test_editing_hidden_post_to_mention_outsider_does_not_notify_them(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    post_id = world.post_id("group_post")
    await api(
        client,
        world.people["author"],
        "PATCH",
        f"/api/v1/posts/{post_id}",
        200,
        json={"body": "Updated plan, cc @outsider @owner @teammate"},
    )
    for role in ("outsider", "owner", "teammate"):
        assert post_id not in {p for _, p in await _stored(app, world.people[role])}, role
