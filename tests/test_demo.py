"""`tandem demo`: a lived-in company, readable and searchable through the API, seeded only
once. It is seeded once per database kind for the whole run (`demo`), and each test reads
it inside a transaction rolled back at its end."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.accounts.models import Account
from app.core.db import transaction
from app.core.migrate import upgrade
from app.demo import DEMO_PASSWORD, DemoLogin, seed
from app.follows.models import AccountFollow, TopicFollow, UserFollow
from app.groups.models import Group
from app.main import create_app
from app.notifications.models import Notification
from app.posts.models import Comment, Post, PostAccount, Reaction
from app.users.models import Role, User
from tests.checks import client_for
from tests.conftest import fresh_database, rolled_back
from tests.conftest import test_settings as settings_for
from tests.search_api.conftest import installed_engine, reindex
from tests.search_api.test_api import ids

COUNTED = {
    "users": User,
    "accounts": Account,
    "groups": Group,
    "posts": Post,
    "comments": Comment,
    "reactions": Reaction,
    "follows": UserFollow,
    "account_follows": AccountFollow,
    "topic_follows": TopicFollow,
    "notifications": Notification,
}


@dataclass
class Demo:
    app: FastAPI
    logins: list[DemoLogin]
    progress: list[str]


@pytest.fixture(scope="session")
async def demo(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Demo]:
    """The demo company, seeded once per database kind for the whole run."""
    url = fresh_database(backend, tmp_path_factory.mktemp(f"demo-{backend}"), "demo")
    upgrade(url)
    application = create_app(settings_for(url))
    async with application.router.lifespan_context(application):
        lines: list[str] = []
        logins = await seed(
            application.state.sessionmaker,
            storage=application.state.storage,
            progress=lines.append,
        )
        yield Demo(application, logins, lines)


@pytest.fixture
async def client(demo: Demo) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the demo app; what the test writes (tokens) is rolled back."""
    async with rolled_back(demo.app), client_for(demo.app) as c:
        yield c


async def _counts(app: FastAPI) -> dict[str, int]:
    async with transaction(app.state.sessionmaker, write=False) as session:
        return {
            name: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in COUNTED.items()
        }


async def _headers(client: httpx.AsyncClient, login: DemoLogin) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", json={"email": login.email, "password": login.password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_demo_seeds_a_lived_in_company_once(demo: Demo, client: httpx.AsyncClient) -> None:
    app, logins, lines = demo.app, demo.logins, demo.progress

    by_label = {login.label: login for login in logins}
    assert 3 <= len(logins) <= 5
    assert {"admin", "sales rep", "marketer"} <= set(by_label)
    assert {login.password for login in logins} == {DEMO_PASSWORD}
    assert any(line.startswith("seeding: posts") for line in lines)

    counts = await _counts(app)
    assert counts["users"] >= 35
    assert counts["accounts"] >= 20
    assert counts["posts"] >= 350
    assert counts["comments"] >= 200
    assert counts["reactions"] >= 300
    assert counts["follows"] >= 35 * 5

    maker = app.state.sessionmaker
    async with transaction(maker, write=False) as session:
        kinds = dict(
            (await session.execute(select(Post.kind, func.count()).group_by(Post.kind))).all()
        )
        private_group_posts = await session.scalar(
            select(func.count()).select_from(Post).where(Post.group_private.is_(True))
        )
        replies = await session.scalar(
            select(func.count()).select_from(Comment).where(Comment.parent_id.is_not(None))
        )
        post_times = list(await session.scalars(select(Post.created_at).order_by(Post.id)))
        comment_times = list(await session.scalars(select(Comment.created_at).order_by(Comment.id)))
        emails = [login.email for login in logins]
        login_users = select(User.email, User.role).where(User.email.in_(emails))
        roles = dict((await session.execute(login_users)).all())
        rep = await session.scalar(select(User).where(User.email == by_label["sales rep"].email))
        assert rep is not None
        secret = await session.scalar(
            select(Account.slug).where(Account.confidential.is_(True), Account.owner_id == rep.id)
        )
        busiest = await session.scalar(
            select(Account.slug)
            .join(PostAccount, PostAccount.account_id == Account.id)
            .where(Account.confidential.is_(False))
            .group_by(Account.slug)
            .order_by(func.count().desc(), Account.slug)
            .limit(1)
        )
    # Every login is a seeded user, and the admin login is the admin.
    assert set(roles) == set(emails)
    assert roles[by_label["admin"].email] == Role.admin
    assert {roles[login.email] for login in logins} == {Role.admin, Role.member}
    assert set(kinds) == {"update", "blog", "win_story", "question", "collateral"}
    assert kinds["blog"] >= 5
    assert kinds["win_story"] >= 5
    assert private_group_posts
    assert replies
    # Feeds and comment threads sort by id: the back-dated history must agree with them.
    assert post_times == sorted(post_times)
    assert comment_times == sorted(comment_times)
    assert post_times[-1] - post_times[0] > timedelta(days=45)
    assert comment_times[0] > post_times[0]

    headers = await _headers(client, by_label["sales rep"])
    feed = await client.get("/api/v1/feed", headers=headers)
    assert feed.status_code == 200, feed.text
    assert feed.json()["items"]
    groups = await client.get("/api/v1/groups", headers=headers, params={"limit": 100})
    assert any(g["private"] for g in groups.json()["items"])

    account = await client.get(f"/api/v1/accounts/{busiest}", headers=headers)
    assert account.status_code == 200, account.text
    contributors = account.json()["contributors"]
    assert contributors
    # The 360 view is the point: more than one department talks about a busy account.
    assert len({c["department"] for c in contributors}) >= 2

    # The rep's confidential account is theirs to see, and nobody else's outside its team.
    assert secret is not None
    assert (await client.get(f"/api/v1/accounts/{secret}", headers=headers)).status_code == 200
    marketer = await _headers(client, by_label["marketer"])
    hidden = await client.get(f"/api/v1/accounts/{secret}", headers=marketer)
    assert hidden.status_code == 404
    secret_feed = await client.get("/api/v1/feed/company", headers=marketer, params={"limit": 100})
    assert all(
        secret not in {a["slug"] for a in post["accounts"]} for post in secret_feed.json()["items"]
    )

    again: list[str] = []
    assert await seed(maker, storage=app.state.storage, progress=again.append) == logins
    assert again == ["demo data already present"]
    assert await _counts(app) == counts


async def test_the_demo_company_is_searchable(
    demo: Demo, client: httpx.AsyncClient, backend: str, tmp_path: Path
) -> None:
    app, logins = demo.app, demo.logins
    async with installed_engine(app, backend, tmp_path):
        await reindex(app)
        await _search_as_the_rep(app, client, logins)


async def _search_as_the_rep(
    app: FastAPI, client: httpx.AsyncClient, logins: list[DemoLogin]
) -> None:
    rep = next(login for login in logins if login.label == "sales rep")
    token = await client.post(
        "/api/v1/auth/token", json={"email": rep.email, "password": rep.password}
    )
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    async with transaction(app.state.sessionmaker, write=False) as session:
        post_id, body, slug, department = (
            await session.execute(
                select(Post.id, Post.body, Account.slug, User.department)
                .join(PostAccount, PostAccount.post_id == Post.id)
                .join(Account, Account.id == PostAccount.account_id)
                .join(User, User.id == Post.author_id)
                .where(Post.group_private.is_(False), Post.confidential.is_(False))
                .order_by(Post.id)
                .limit(1)
            )
        ).one()
    word = max(re.findall(r"[A-Za-z]{6,}", body), key=len)

    async def find(**params: str) -> dict[str, Any]:
        response = await client.get("/api/v1/search", headers=headers, params=params)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    result = await find(q=word, account=slug, department=department, limit="100")
    hit = next((h for h in result["hits"] if h["id"] == post_id), None)
    assert hit is not None, (word, slug, department, result)
    assert "<mark>" in hit["snippet"]
    assert slug in hit["accounts"]
    assert all(h["author"]["department"] == department for h in result["hits"])
    assert result["facets"]["department"] == {department: result["estimated_total"]}
    other = next(d for d in ("sales", "marketing", "product") if d != department)
    assert post_id not in ids(await find(q=word, account=slug, department=other))
