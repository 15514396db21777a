"""The visibility rule at the service level: its Python form, its SQL forms and its search
form agree on every post for every viewer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as accounts
from app.accounts.models import Account
from app.accounts.schemas import AccountCreate
from app.core.db import rows
from app.groups import service as groups
from app.groups.schemas import GroupCreate
from app.posts import service as posts
from app.posts.models import Post, PostAccount
from app.posts.schemas import PostCreate
from app.users.models import User
from app.visibility import (
    VISIBLE_POST,
    PostVisibility,
    Viewer,
    account_key,
    group_key,
    load_viewer,
    load_viewers,
    search_deny_keys,
)
from tests.factories import new_user


@dataclass
class World:
    people: dict[str, User]
    posts: dict[str, int]


async def _world(session: AsyncSession) -> World:
    """Owner and teammate of a confidential account, a member of a private group, an
    outsider and an admin; a post in each place and one in both."""
    people = {
        h: await new_user(session, h, admin=h == "admin")
        for h in ("owner", "mate", "member", "outsider", "admin")
    }
    vault = await accounts.create(
        session,
        creator=people["owner"],
        data=AccountCreate(name="Vault", slug="vault", confidential=True),
    )
    await accounts.create(session, creator=people["owner"], data=AccountCreate(name="Open"))
    await accounts.add_to_team(session, actor=people["owner"], account=vault, handle="mate")
    club = await groups.create(
        session, creator=people["member"], data=GroupCreate(name="Club", private=True)
    )
    viewers = await load_viewers(session, list(people.values()))
    await groups.add_member(
        session, actor=people["member"], viewer=viewers[people["member"].id], group=club,
        handle="mate",
    )  # fmt: skip
    mate = await load_viewer(session, people["mate"])
    owner = viewers[people["owner"].id]
    written = {
        "public": (people["outsider"], viewers[people["outsider"].id], PostCreate(body="hi")),
        "open_account": (people["owner"], owner, PostCreate(body="news at $open")),
        "vault": (people["owner"], owner, PostCreate(body="deal at $vault")),
        "club": (people["mate"], mate, PostCreate(body="members only", group="club")),
        "both": (people["mate"], mate, PostCreate(body="$vault in club", group="club")),
    }
    ids = {}
    for name, (author, viewer, data) in written.items():
        ids[name] = (await posts.create(session, author=author, viewer=viewer, data=data)).id
    return World(people, ids)


async def _visibility_of(session: AsyncSession, post_id: int) -> PostVisibility:
    """What the rule needs about the post, read from its rows (not from the services)."""
    post = await session.get_one(Post, post_id)
    secret = await session.scalars(
        select(PostAccount.account_id)
        .join(Account, Account.id == PostAccount.account_id)
        .where(PostAccount.post_id == post_id, Account.confidential.is_(True))
    )
    return PostVisibility.of(
        group_id=post.group_id, group_private=post.group_private, confidential_account_ids=secret
    )


EXPECTED = {
    "owner": {"public", "open_account", "vault"},
    "mate": {"public", "open_account", "vault", "club", "both"},
    "member": {"public", "open_account", "club"},
    "outsider": {"public", "open_account"},
    "admin": {"public", "open_account", "vault"},
}


async def test_every_form_of_the_rule_agrees_for_every_viewer(db: AsyncSession) -> None:
    world = await _world(db)
    names = {post_id: name for name, post_id in world.posts.items()}
    for handle, user in world.people.items():
        viewer = await load_viewer(db, user)
        in_python = {names[i] for i in names if viewer.can_see(await _visibility_of(db, i))}
        in_sql = set(
            await db.scalars(select(Post.id).where(Post.id.in_(names), viewer.post_clause()))
        )
        prebuilt = {
            r[0]
            for r in await rows(
                db, select(Post.id).where(Post.id.in_(list(names)), VISIBLE_POST), viewer.params()
            )
        }
        denied = set(await search_deny_keys(db, viewer))
        in_search = set()
        for post_id in names:
            seen = await _visibility_of(db, post_id)
            keys = {account_key(a) for a in seen.confidential_account_ids}
            if seen.group_private and seen.group_id is not None:
                keys.add(group_key(seen.group_id))
            if not keys & denied:
                in_search.add(post_id)
        assert in_python == EXPECTED[handle], handle
        assert {names[i] for i in in_sql} == EXPECTED[handle], handle
        assert {names[i] for i in prebuilt} == EXPECTED[handle], handle
        assert {names[i] for i in in_search} == EXPECTED[handle], handle


def test_a_post_about_nothing_restricted_is_seen_by_everyone() -> None:
    nobody = Viewer(id=1, is_admin=False, group_ids=frozenset(), team_account_ids=frozenset())
    public = PostVisibility.of(group_id=None, group_private=False, confidential_account_ids=())
    public_group = PostVisibility.of(group_id=7, group_private=False, confidential_account_ids=())
    assert not public.restricted
    assert nobody.can_see(public)
    assert nobody.can_see(public_group)
    assert nobody.can_see(None)
    restricted = PostVisibility.of(group_id=7, group_private=True, confidential_account_ids=[3])
    assert PostVisibility.from_dict(restricted.as_dict()) == restricted
    assert not nobody.can_see(restricted)
