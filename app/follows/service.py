"""Following people, accounts and topics. A change is published (`Followed`, `Unfollowed`):
the user's feed is rebuilt, their sockets re-subscribe, a followed person is told."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Account
from app.core import events
from app.core.errors import Invalid
from app.follows import repository
from app.follows.events import Followed, Target, Unfollowed
from app.topics import service as topics
from app.users.models import User
from app.visibility import Viewer


async def _follow(session: AsyncSession, target: Target, *, user_id: int, target_id: int) -> None:
    new = await repository.add(session, target, user_id=user_id, target_id=target_id)
    await events.publish(
        session, Followed(follower_id=user_id, target=target, target_id=target_id, new=new)
    )


async def _unfollow(session: AsyncSession, target: Target, *, user_id: int, target_id: int) -> None:
    await repository.remove(session, target, user_id=user_id, target_id=target_id)
    await events.publish(
        session, Unfollowed(follower_id=user_id, target=target, target_id=target_id)
    )


async def follow_user(session: AsyncSession, *, follower: User, followee: User) -> None:
    """Follow someone; they are notified the first time."""
    if follower.id == followee.id:
        raise Invalid("You cannot follow yourself.")
    await _follow(session, Target.user, user_id=follower.id, target_id=followee.id)


async def unfollow_user(session: AsyncSession, *, follower: User, followee: User) -> None:
    await _unfollow(session, Target.user, user_id=follower.id, target_id=followee.id)


async def follow_account(session: AsyncSession, *, user: User, account: Account) -> None:
    await _follow(session, Target.account, user_id=user.id, target_id=account.id)


async def unfollow_account(session: AsyncSession, *, user: User, account: Account) -> None:
    await _unfollow(session, Target.account, user_id=user.id, target_id=account.id)


async def follow_topic(session: AsyncSession, *, user: User, name: str) -> None:
    """Follow a topic, creating it if nobody has used it yet."""
    [topic] = await topics.ensure(session, [topics.normalize(name, field="path.name")])
    await _follow(session, Target.topic, user_id=user.id, target_id=topic.id)


async def unfollow_topic(session: AsyncSession, *, user: User, viewer: Viewer, name: str) -> None:
    """Stop following a topic; a topic you do not follow answers as the topic page does
    (404 when it is unknown or all its posts are hidden from you)."""
    topic = await topics.find(session, name=topics.normalize(name, field="path.name"))
    followed = topic is not None and await repository.exists(
        session, Target.topic, user_id=user.id, target_id=topic.id
    )
    topic_id = (
        topic.id if followed and topic else (await topics.get_shown(session, viewer, name=name)).id
    )
    await _unfollow(session, Target.topic, user_id=user.id, target_id=topic_id)


async def is_following(
    session: AsyncSession, *, user: User, target: Target, target_id: int
) -> bool:
    """Whether `user` follows the given person, account or topic (for follow buttons)."""
    return await repository.exists(session, target, user_id=user.id, target_id=target_id)
