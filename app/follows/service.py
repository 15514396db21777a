"""Following people, accounts and topics."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Account
from app.core.db import insert_ignore
from app.core.errors import Invalid
from app.feeds import service as feeds
from app.follows.models import AccountFollow, TopicFollow, UserFollow
from app.live import events as live
from app.notifications import service as notifications
from app.notifications.models import NotificationKind
from app.topics import service as topics
from app.users.models import User


async def _changed(session: AsyncSession, user_id: int) -> None:
    """What the user follows changed: rebuild their feed, re-subscribe their live sockets."""
    await feeds.invalidate(session, user_id=user_id)
    await live.subscriptions_changed(session, user_id=user_id)


async def follow_user(session: AsyncSession, *, follower: User, followee: User) -> None:
    """Follow someone; they are notified the first time."""
    if follower.id == followee.id:
        raise Invalid("You cannot follow yourself.")
    added = await insert_ignore(
        session, UserFollow, {"follower_id": follower.id, "followee_id": followee.id}
    )
    await _changed(session, follower.id)
    if added:
        await notifications.notify(
            session, actor_id=follower.id, targets=[(followee.id, NotificationKind.follow)]
        )


async def unfollow_user(session: AsyncSession, *, follower: User, followee: User) -> None:
    await session.execute(
        delete(UserFollow).where(
            UserFollow.follower_id == follower.id, UserFollow.followee_id == followee.id
        )
    )
    await _changed(session, follower.id)


async def follow_account(session: AsyncSession, *, user: User, account: Account) -> None:
    await insert_ignore(session, AccountFollow, {"user_id": user.id, "account_id": account.id})
    await _changed(session, user.id)


async def unfollow_account(session: AsyncSession, *, user: User, account: Account) -> None:
    await session.execute(
        delete(AccountFollow).where(
            AccountFollow.user_id == user.id, AccountFollow.account_id == account.id
        )
    )
    await _changed(session, user.id)


async def follow_topic(session: AsyncSession, *, user: User, name: str) -> None:
    """Follow a topic, creating it if nobody has used it yet."""
    [topic] = await topics.ensure(session, [topics.normalize(name, field="path.name")])
    await insert_ignore(session, TopicFollow, {"user_id": user.id, "topic_id": topic.id})
    await _changed(session, user.id)


async def unfollow_topic(session: AsyncSession, *, user: User, name: str) -> None:
    topic = await topics.get(session, name=topics.normalize(name, field="path.name"))
    await session.execute(
        delete(TopicFollow).where(TopicFollow.user_id == user.id, TopicFollow.topic_id == topic.id)
    )
    await _changed(session, user.id)


async def is_following(
    session: AsyncSession,
    *,
    user: User,
    user_id: int | None = None,
    account_id: int | None = None,
    topic_id: int | None = None,
) -> bool:
    """Whether `user` follows the given person, account or topic (for follow buttons)."""
    if user_id is not None:
        stmt = select(UserFollow.followee_id).where(
            UserFollow.follower_id == user.id, UserFollow.followee_id == user_id
        )
    elif account_id is not None:
        stmt = select(AccountFollow.account_id).where(
            AccountFollow.user_id == user.id, AccountFollow.account_id == account_id
        )
    else:
        stmt = select(TopicFollow.topic_id).where(
            TopicFollow.user_id == user.id, TopicFollow.topic_id == topic_id
        )
    return await session.scalar(stmt.limit(1)) is not None
