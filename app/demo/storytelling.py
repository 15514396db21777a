"""Win stories on their way to testimonials: the hand-written ones (`stories.toml`) at every
stage, two published, and the generated ones marketing looked at.

The timeline posted every story on the day it was submitted (ids grow with time); here
each later step is taken through the service like the rest of the demo (the wrong person
taking a step would raise, as in real use), then its rows and the notifications it sent are
dated to when it happens in the story.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts import service as accounts
from app.accounts.models import Account
from app.core.db import transaction
from app.demo.content import WinStory
from app.demo.dating import notifications_at
from app.notifications.models import Notification, NotificationKind
from app.posts.models import Post, PostKind
from app.stories import service as stories
from app.stories.models import Story, StoryStatus, StoryStep
from app.stories.schemas import StoryTransition
from app.users.models import User

S = StoryStatus
# The story's own moment of a step, besides the step's row.
_STORY_TIME = {
    S.submitted: "submitted_at",
    S.consent_granted: "consent_at",
    S.published: "published_at",
}
# Generated win stories older than this were looked at and folded into the wins roundup.
ROUNDUP_AFTER = timedelta(days=14)
ROUNDUP_BY = ("amara", "zoe")
ROUNDUP_NOTE = "Thanks! Folded into the {quarter} wins roundup; no customer quote to ask for."


async def tell(
    sessionmaker: async_sessionmaker[AsyncSession],
    told: tuple[WinStory, ...],
    people: dict[str, User],
    now: datetime,
    progress: Callable[[str], None],
) -> None:
    async with transaction(sessionmaker) as session:
        await _date_submissions(session)
        rounded = await _roundup(session, people, now)
        for story in sorted(told, key=lambda s: (-s.days_ago, s.at)):
            await _tell(session, story, people, now)
    progress(f"seeding: {len(told)} win stories told, {rounded} more folded into the roundup")


async def _tell(
    session: AsyncSession, story: WinStory, people: dict[str, User], now: datetime
) -> None:
    """The story's steps after its submission (the timeline posted it)."""
    post = await session.scalar(
        select(Post).where(Post.kind == PostKind.win_story, Post.title == story.title)
    )
    assert post is not None, story.title
    account = await session.scalar(select(Account).where(Account.slug == story.account))
    assert account is not None, story.account
    if account.confidential:
        # Marketing reviews only what it may read: the owner adds the reviewers to the team.
        owner = await session.get_one(User, account.owner_id)
        for handle in sorted({m.by for m in story.steps} - {story.author, owner.handle}):
            await accounts.add_to_team(session, actor=owner, account=account, handle=handle)
    for move in story.steps:
        at = move.taken(now)
        note = move.note.replace("{day}", f"{at:%-d %b}") if move.note else None
        data = StoryTransition(to=move.to, note=note, granted_by=move.granted_by)
        async with notifications_at(session, at):
            await stories.transition(session, user=people[move.by], post=post, data=data)
        await _date(session, post.id, move.to, at)


async def _date_submissions(session: AsyncSession) -> None:
    """The generated win stories were submitted when their posts were (the timeline dated
    the posts only): their stories, first steps and the leads' notifications too."""
    posted = select(Post.created_at).where(Post.id == Story.post_id).scalar_subquery()
    await session.execute(update(Story).values(submitted_at=posted))
    await session.execute(
        update(StoryStep)
        .where(StoryStep.from_status.is_(None))
        .values(at=select(Post.created_at).where(Post.id == StoryStep.post_id).scalar_subquery())
    )
    n = Notification
    await session.execute(
        update(n)
        .where(n.kind == NotificationKind.story_status)
        .values(created_at=select(Post.created_at).where(Post.id == n.post_id).scalar_subquery())
    )


async def _roundup(session: AsyncSession, people: dict[str, User], now: datetime) -> int:
    """The generated win stories (no story fields) older than two weeks: a marketer took
    each into review and declined it for the wins roundup; the newer ones wait."""
    old = list(
        await session.scalars(
            select(Post)
            .join(Story, Story.post_id == Post.id)
            .where(
                Story.status == S.submitted,
                Story.problem == "",  # the hand-written ones are told below
                Post.created_at < now - ROUNDUP_AFTER,
            )
            .order_by(Post.id)
        )
    )
    for number, post in enumerate(old):
        handles = [h for h in ROUNDUP_BY if people[h].id != post.author_id]
        marketer = people[handles[number % len(handles)]]
        for to, days in ((S.in_review, 2), (S.declined, 5)):
            at = post.created_at.replace(tzinfo=UTC) + timedelta(days=days, hours=1)
            quarter = f"Q{(at.month - 1) // 3 + 1}"
            note = ROUNDUP_NOTE.format(quarter=quarter) if to is S.declined else None
            async with notifications_at(session, at):
                await stories.transition(
                    session, user=marketer, post=post, data=StoryTransition(to=to, note=note)
                )
            await _date(session, post.id, to, at)
    return len(old)


async def _date(session: AsyncSession, post_id: int, to: StoryStatus, at: datetime) -> None:
    """The step to `to` (its row, the story's moment of it) happened at `at`."""
    await session.execute(
        update(StoryStep)
        .where(StoryStep.post_id == post_id, StoryStep.to_status == to)
        .values(at=at)
    )
    if to in _STORY_TIME:
        await session.execute(
            update(Story).where(Story.post_id == post_id).values({_STORY_TIME[to]: at})
        )
