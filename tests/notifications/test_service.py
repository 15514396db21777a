"""Who is notified, at the service level: never the actor, never an inactive person, never
someone who may not see the post, and once per event (the first reason given wins)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import Notification, NotificationKind
from app.notifications.service import notify
from app.visibility import PostVisibility
from tests.factories import new_user


async def test_recipients_are_those_who_may_see_minus_the_actor(db: AsyncSession) -> None:
    actor, reader, gone, twice = [
        await new_user(db, h) for h in ("actor", "reader", "gone", "twice")
    ]
    gone.is_active = False
    await db.flush()
    made = await notify(
        db,
        actor_id=actor.id,
        targets=[
            (actor.id, NotificationKind.mention),
            (reader.id, NotificationKind.comment),
            (gone.id, NotificationKind.mention),
            (twice.id, NotificationKind.reply),
            (twice.id, NotificationKind.mention),
        ],
    )
    got = {(n.user_id, n.kind) for n in made}
    assert got == {(reader.id, NotificationKind.comment), (twice.id, NotificationKind.reply)}
    stored = {(n.user_id, n.kind) for n in await db.scalars(select(Notification))}
    assert stored == got


async def test_nobody_is_told_about_a_post_they_may_not_see(db: AsyncSession) -> None:
    actor, outsider = await new_user(db, "actor"), await new_user(db, "outsider")
    private = PostVisibility.of(group_id=999, group_private=True, confidential_account_ids=())
    made = await notify(
        db,
        actor_id=actor.id,
        targets=[(outsider.id, NotificationKind.mention)],
        visibility=private,
    )
    assert made == []
    assert list(await db.scalars(select(Notification))) == []
