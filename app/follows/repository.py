"""What people follow, as statements other domains compose into theirs: the home feed reads
what a user follows (`followed`), a new post's fan-out reads who follows it (`audience`),
a live socket subscribes to the channels of what its user follows. Group membership counts
as following the group."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import CompoundSelect, Select, delete, literal, select, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import insert_ignore
from app.follows.events import Target
from app.follows.models import AccountFollow, TopicFollow, UserFollow
from app.groups.models import GroupMember


@dataclass(frozen=True, slots=True)
class Followed:
    """The ids a user follows, one statement per kind (to use as `IN (...)` subqueries)."""

    users: Select[int]
    accounts: Select[int]
    topics: Select[int]

    def all(self) -> CompoundSelect:
        """Every followed id with its kind (`Target`), in one statement."""
        return union_all(
            *(
                select(stmt.subquery().c[0], literal(target.value))
                for target, stmt in (
                    (Target.user, self.users),
                    (Target.account, self.accounts),
                    (Target.topic, self.topics),
                )
            )
        )


def followed(user_id: int) -> Followed:
    return Followed(
        users=select(UserFollow.followee_id).where(UserFollow.follower_id == user_id),
        accounts=select(AccountFollow.account_id).where(AccountFollow.user_id == user_id),
        topics=select(TopicFollow.topic_id).where(TopicFollow.user_id == user_id),
    )


def audience(
    *,
    author_id: int,
    account_ids: Collection[int],
    topic_ids: Collection[int],
    group_id: int | None,
) -> Select[int]:
    """Who a post by `author_id` about these accounts and topics, in this group, reaches: its
    author, the author's followers, the followers of its accounts and topics, the group's
    members (read from the covering follower indexes alone)."""
    sources: list[Select[int]] = [
        select(literal(author_id).label("user_id")),
        select(UserFollow.follower_id).where(UserFollow.followee_id == author_id),
    ]
    if account_ids:
        sources.append(
            select(AccountFollow.user_id).where(AccountFollow.account_id.in_(account_ids))
        )
    if topic_ids:
        sources.append(select(TopicFollow.user_id).where(TopicFollow.topic_id.in_(topic_ids)))
    if group_id is not None:
        sources.append(select(GroupMember.user_id).where(GroupMember.group_id == group_id))
    users = union(*sources).subquery()
    return select(users.c.user_id)


_TABLES = {
    Target.user: (UserFollow, UserFollow.follower_id, UserFollow.followee_id),
    Target.account: (AccountFollow, AccountFollow.user_id, AccountFollow.account_id),
    Target.topic: (TopicFollow, TopicFollow.user_id, TopicFollow.topic_id),
}


async def add(session: AsyncSession, target: Target, *, user_id: int, target_id: int) -> bool:
    """True if the follow is new."""
    model, who, what = _TABLES[target]
    return await insert_ignore(session, model, {who.key: user_id, what.key: target_id})


async def remove(session: AsyncSession, target: Target, *, user_id: int, target_id: int) -> None:
    model, who, what = _TABLES[target]
    await session.execute(delete(model).where(who == user_id, what == target_id))


async def exists(session: AsyncSession, target: Target, *, user_id: int, target_id: int) -> bool:
    _, who, what = _TABLES[target]
    found = await session.scalar(select(what).where(who == user_id, what == target_id).limit(1))
    return found is not None
