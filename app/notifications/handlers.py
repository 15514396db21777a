"""Who is told about what: mentions, comments and replies, reactions, new followers, new posts
on an account you own."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.agreements.events import AgreementChanged
from app.collateral.events import CollateralFlagged, CollateralRevised
from app.core import events
from app.follows.events import Followed, Target
from app.notifications.models import NotificationKind
from app.notifications.service import notify
from app.posts.events import CommentAdded, PostCreated, PostUpdated, ReactionChanged
from app.questions.events import AnswerAccepted, QuestionRouted
from app.stories.events import StoryMoved

on = events.Handlers()


@on(PostCreated)
async def post_created(session: AsyncSession, event: PostCreated) -> None:
    await notify(
        session,
        actor_id=event.place.author_id,
        targets=[
            *((u, NotificationKind.mention) for u in event.mention_ids),
            *((o, NotificationKind.account_post) for o in event.account_owner_ids),
        ],
        post_id=event.place.post_id,
        visibility=event.place.visibility,
    )


@on(PostUpdated)
async def post_updated(session: AsyncSession, event: PostUpdated) -> None:
    await notify(
        session,
        actor_id=event.actor_id,
        targets=[(u, NotificationKind.mention) for u in event.new_mention_ids],
        post_id=event.place.post_id,
        visibility=event.place.visibility,
    )


@on(CommentAdded)
async def comment_added(session: AsyncSession, event: CommentAdded) -> None:
    comment = event.comment
    reply = [(event.parent_author_id, NotificationKind.reply)] if event.parent_author_id else []
    await notify(
        session,
        actor_id=comment.author.id,
        targets=[
            *reply,
            (event.post_author_id, NotificationKind.comment),
            *((u, NotificationKind.mention) for u in event.mention_ids),
        ],
        post_id=comment.post_id,
        visibility=event.visibility,
        comment_id=comment.id,
    )


@on(ReactionChanged)
async def reaction_changed(session: AsyncSession, event: ReactionChanged) -> None:
    if event.added:
        await notify(
            session,
            actor_id=event.user_id,
            targets=[(event.post_author_id, NotificationKind.reaction)],
            post_id=event.post_id,
            visibility=event.visibility,
        )


@on(Followed)
async def followed(session: AsyncSession, event: Followed) -> None:
    if event.target is Target.user and event.new:
        await notify(
            session,
            actor_id=event.follower_id,
            targets=[(event.target_id, NotificationKind.follow)],
        )


@on(CollateralFlagged)
async def collateral_flagged(session: AsyncSession, event: CollateralFlagged) -> None:
    await notify(
        session,
        actor_id=event.actor_id,
        targets=[(event.author_id, NotificationKind.collateral_flagged)],
        post_id=event.post_id,
        visibility=event.visibility,
    )


@on(CollateralRevised)
async def collateral_revised(session: AsyncSession, event: CollateralRevised) -> None:
    await notify(
        session,
        actor_id=event.actor_id,
        targets=[(u, NotificationKind.collateral_updated) for u in event.judge_ids],
        post_id=event.post_id,
        visibility=event.visibility,
    )


@on(AgreementChanged)
async def agreement_changed(session: AsyncSession, event: AgreementChanged) -> None:
    await notify(
        session,
        actor_id=event.actor_id,
        targets=[(u, NotificationKind.agreement_changed) for u in event.recipient_ids],
        path=event.path,
        summary=event.summary,
    )


@on(QuestionRouted)
async def question_routed(session: AsyncSession, event: QuestionRouted) -> None:
    await notify(
        session,
        actor_id=event.asker_id,
        targets=[(u, NotificationKind.question_routed) for u in event.recipient_ids],
        post_id=event.post_id,
        visibility=event.visibility,
    )


@on(AnswerAccepted)
async def answer_accepted(session: AsyncSession, event: AnswerAccepted) -> None:
    await notify(
        session,
        actor_id=event.asker_id,
        targets=[(event.answer_author_id, NotificationKind.answer_accepted)],
        post_id=event.post_id,
        visibility=event.visibility,
        comment_id=event.comment_id,
    )


@on(StoryMoved)
async def story_moved(session: AsyncSession, event: StoryMoved) -> None:
    await notify(
        session,
        actor_id=event.actor_id,
        targets=[(u, NotificationKind.story_status) for u in event.recipient_ids],
        post_id=event.post_id,
        visibility=event.visibility,
        summary=event.summary,
    )
