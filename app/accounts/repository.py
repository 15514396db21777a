"""The accounts' statements: accounts, their teams, who wrote about them."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Account, AccountMember
from app.core.db import insert_ignore
from app.posts.models import Post, PostAccount
from app.users.models import User
from app.visibility import Viewer


async def by_slug(session: AsyncSession, slug: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.slug == slug.lower()))


async def by_crm_id(session: AsyncSession, crm_id: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.crm_id == crm_id))


async def by_ids(session: AsyncSession, ids: Collection[int]) -> list[Account]:
    if not ids:
        return []
    return list(await session.scalars(select(Account).where(Account.id.in_(ids))))


async def visible_by_slugs(
    session: AsyncSession, viewer: Viewer, slugs: list[str]
) -> list[Account]:
    if not slugs:
        return []
    return list(
        await session.scalars(
            select(Account).where(Account.slug.in_(slugs), viewer.account_clause())
        )
    )


def search(viewer: Viewer, *, q: str | None) -> Select[Account]:
    stmt = select(Account).where(viewer.account_clause())
    if q:
        stmt = stmt.where(
            or_(
                Account.name.icontains(q, autoescape=True),
                Account.slug.icontains(q, autoescape=True),
                Account.domain.icontains(q, autoescape=True),
            )
        )
    return stmt


async def users_by_id(session: AsyncSession, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in await session.scalars(select(User).where(User.id.in_(ids)))}


async def team(session: AsyncSession, account: Account) -> list[User]:
    members = select(AccountMember.user_id).where(AccountMember.account_id == account.id)
    stmt = select(User).where(or_(User.id == account.owner_id, User.id.in_(members)))
    return list(await session.scalars(stmt.order_by(User.display_name)))


async def add_member(session: AsyncSession, account_id: int, user_id: int) -> None:
    await insert_ignore(session, AccountMember, {"account_id": account_id, "user_id": user_id})


async def remove_member(session: AsyncSession, account_id: int, user_id: int) -> None:
    await session.execute(
        delete(AccountMember).where(
            AccountMember.account_id == account_id, AccountMember.user_id == user_id
        )
    )


async def contributors(
    session: AsyncSession, viewer: Viewer, account: Account, *, limit: int = 100
) -> list[tuple[User, int]]:
    """Who has posted about the account, counting only posts the viewer may see."""
    posts = func.count(Post.id).label("posts")
    stmt = (
        select(User, posts)
        .join(Post, Post.author_id == User.id)
        .join(PostAccount, PostAccount.post_id == Post.id)
        .where(PostAccount.account_id == account.id, viewer.post_clause())
        .group_by(User.id)
        .order_by(posts.desc(), User.id)
        .limit(limit)
    )
    return [(user, count) for user, count in await session.execute(stmt)]
