"""Who a new post reaches (the fan-out audience), at the service level."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as accounts
from app.accounts.schemas import AccountCreate
from app.feeds.models import FeedItem
from app.follows import repository as follows_repo
from app.follows import service as follows
from app.groups import service as groups
from app.groups.schemas import GroupCreate
from app.posts import service as posts
from app.posts.schemas import PostCreate
from app.topics import service as topics
from app.users.models import Department, User
from app.visibility import load_viewer
from tests.factories import new_user


async def _people(session: AsyncSession, *handles: str) -> dict[str, User]:
    return {h: await new_user(session, h, department=Department.marketing) for h in handles}


async def test_a_post_reaches_its_author_followers_of_what_it_is_about_and_its_group(
    db: AsyncSession,
) -> None:
    p = await _people(
        db, "author", "fan", "account_fan", "topic_fan", "member", "elsewhere", "bystander"
    )
    acme = await accounts.create(db, creator=p["author"], data=AccountCreate(name="Acme"))
    other = await accounts.create(db, creator=p["author"], data=AccountCreate(name="Other"))
    club = await groups.create(db, creator=p["author"], data=GroupCreate(name="Club"))
    await groups.add_member(
        db, actor=p["member"], viewer=await load_viewer(db, p["member"]), group=club,
        handle="member",
    )  # fmt: skip
    await follows.follow_user(db, follower=p["fan"], followee=p["author"])
    await follows.follow_account(db, user=p["account_fan"], account=acme)
    await follows.follow_topic(db, user=p["topic_fan"], name="pricing")
    await follows.follow_account(db, user=p["elsewhere"], account=other)
    await follows.follow_user(db, follower=p["author"], followee=p["bystander"])

    [pricing] = await topics.ensure(db, ["pricing"])
    audience = follows_repo.audience(
        author_id=p["author"].id, account_ids=[acme.id], topic_ids=[pricing.id], group_id=club.id
    )
    reached = set(await db.scalars(audience))
    wanted = {p[h].id for h in ("author", "fan", "account_fan", "topic_fan", "member")}
    assert reached == wanted

    post = await posts.create(
        db,
        author=p["author"],
        viewer=await load_viewer(db, p["author"]),
        data=PostCreate(body="A #pricing call with $acme", group="club"),
    )
    rows = set(await db.scalars(select(FeedItem.user_id).where(FeedItem.post_id == post.id)))
    assert rows == wanted
