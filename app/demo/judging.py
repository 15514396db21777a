"""The collateral story: reps' verdicts on marketing's assets, account by account, a new
version where an asset was fixed, and an author's promise where one is being fixed.

Written through the services like the rest of the demo (the 30-day rule flags the stale
asset, the new version tells the reps who complained), then dated to when it happens in the
story (`verdicts.toml`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.collateral import service as collateral
from app.collateral.models import Collateral, Verdict
from app.collateral.schemas import VerdictCreate
from app.core.db import transaction
from app.demo.content import AssetStory, VerdictStory
from app.demo.datafile import ContentError
from app.demo.dating import notifications_at
from app.files.storage import Storage
from app.notifications.models import Notification
from app.posts import service as posts
from app.posts.models import Comment, Post, PostKind
from app.posts.schemas import CommentCreate, PostUpdate
from app.users.models import User
from app.visibility import Viewer

# One step of the story: (when, what to write); each returns nothing and writes in `session`.
Step = tuple[datetime, Callable[[AsyncSession, datetime], Awaitable[None]]]


async def judge(
    sessionmaker: async_sessionmaker[AsyncSession],
    storage: Storage,
    stories: tuple[AssetStory, ...],
    people: dict[str, User],
    viewers: dict[str, Viewer],
    now: datetime,
    progress: Callable[[str], None],
) -> None:
    count = 0
    async with transaction(sessionmaker) as session:
        for story in stories:
            post = await session.scalar(
                select(Post)
                .where(Post.kind == PostKind.collateral, Post.title == story.title)
                .order_by(Post.id)
                .limit(1)
            )
            if post is None:
                raise ContentError(f"verdicts.toml: no collateral post is titled {story.title!r}")
            steps = _steps(story, post, storage, people, viewers, now)
            for at, write in sorted(steps, key=lambda s: s[0]):
                # Not the notifications of the comments a step writes: they are the comments'.
                async with notifications_at(session, at, Notification.comment_id.is_(None)):
                    await write(session, at)
            count += len(story.verdicts)
    progress(f"seeding: {count} verdicts on {len(stories)} assets")


def _steps(
    story: AssetStory,
    post: Post,
    storage: Storage,
    people: dict[str, User],
    viewers: dict[str, Viewer],
    now: datetime,
) -> list[Step]:
    # Nothing happens to an asset before it was published.
    def when(days_ago: float) -> datetime:
        return max(now - timedelta(days=days_ago), post.created_at + timedelta(hours=days_ago))

    steps: list[Step] = [
        (when(v.days_ago), _verdict(v, post, people, viewers)) for v in story.verdicts
    ]
    if story.revision_body is not None and story.revision_days_ago is not None:
        steps.append(
            (
                when(story.revision_days_ago),
                _revision(story.revision_body, post, storage, people, viewers),
            )
        )
    if story.reply is not None and story.reply_days_ago is not None:
        steps.append((when(story.reply_days_ago), _reply(story.reply, post, people, viewers)))
    return steps


def _author(post: Post, people: dict[str, User]) -> User:
    return next(u for u in people.values() if u.id == post.author_id)


def _verdict(
    v: VerdictStory, post: Post, people: dict[str, User], viewers: dict[str, Viewer]
) -> Callable[[AsyncSession, datetime], Awaitable[None]]:
    async def write(session: AsyncSession, at: datetime) -> None:
        given = await collateral.give_verdict(
            session,
            user=people[v.rep],
            viewer=viewers[v.rep],
            post=post,
            data=VerdictCreate.model_validate(
                {
                    "verdict": v.verdict,
                    "reason": v.reason,
                    "account": v.account,
                    "stage": v.stage,
                    "note": v.note,
                }
            ),
        )
        await session.execute(update(Verdict).where(Verdict.id == given.id).values(created_at=at))

    return write


def _revision(
    body: str, post: Post, storage: Storage, people: dict[str, User], viewers: dict[str, Viewer]
) -> Callable[[AsyncSession, datetime], Awaitable[None]]:
    async def write(session: AsyncSession, at: datetime) -> None:
        author = _author(post, people)
        await posts.update_post(
            session,
            actor=author,
            viewer=viewers[author.handle],
            post=post,
            data=PostUpdate(body=body),
            storage=storage,
        )
        await session.execute(
            update(Collateral).where(Collateral.post_id == post.id).values(version_at=at)
        )
        await session.execute(update(Post).where(Post.id == post.id).values(updated_at=at))

    return write


def _reply(
    text: str, post: Post, people: dict[str, User], viewers: dict[str, Viewer]
) -> Callable[[AsyncSession, datetime], Awaitable[None]]:
    async def write(session: AsyncSession, at: datetime) -> None:
        author = _author(post, people)
        comment = await posts.add_comment(
            session,
            author=author,
            viewer=viewers[author.handle],
            post=post,
            data=CommentCreate(body=text),
        )
        # Comments are dated in the order of their ids (threads page by id): never before
        # the last one the timeline wrote.
        latest = await session.scalar(
            select(func.max(Comment.created_at)).where(Comment.id < comment.id)
        )
        when = max(at, latest + timedelta(seconds=1)) if latest else at
        await session.execute(
            update(Comment).where(Comment.id == comment.id).values(created_at=when)
        )

    return write
