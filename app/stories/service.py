"""Win stories become testimonials: a rep's win goes to marketing, marketing asks the
customer, the rep (or the account's owner) records the customer's yes, marketing publishes.

A story is written with its post (`handlers`: posts do not know this domain). Each step is
one of the allowed moves from where the story is (`STEPS`), taken by the side that owns it
(`may_take`): marketing reviews, asks, publishes or declines; the author or an owner of the
story's account records the consent. Every step is kept in the story's history and tells
the author and the reviewer. Once the customer agreed, the story's words are frozen: the
consent was given for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.schemas import AccountRef
from app.core import events
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Invalid
from app.core.pagination import PageParams, encode_cursor
from app.core.schemas import parse_nested
from app.core.sqljson import json_moment
from app.posts import service as posts
from app.posts.events import PostPlace
from app.posts.models import Post, PostKind
from app.posts.schemas import AuthorRead, PostRead
from app.stories import repository
from app.stories.events import StoryMoved
from app.stories.models import Story, StoryStatus, StoryStep
from app.stories.schemas import StoryCreate, StoryTransition, StoryUpdate, TestimonialRead
from app.users.models import Department, User
from app.visibility import Viewer

S = StoryStatus
# Where a story may go from each status: the next step, or declined (before publishing).
NEXT = {
    S.submitted: S.in_review,
    S.in_review: S.consent_requested,
    S.consent_requested: S.consent_granted,
    S.consent_granted: S.published,
}
STEPS = {status: (step, S.declined) for status, step in NEXT.items()}
# From consent on, the words are the customer's: no edits.
FROZEN = frozenset({S.consent_granted, S.published})
LABELS = {
    S.submitted: "submitted",
    S.in_review: "in review",
    S.consent_requested: "consent requested",
    S.consent_granted: "consent granted",
    S.published: "published",
    S.declined: "declined",
}


def may_take(step: StoryStatus, *, user: User, author_id: int, owner_ids: Iterable[int]) -> bool:
    """Whether `user` is on the side that takes `step`: the author or an account owner
    records the customer's consent, marketing takes every other step."""
    if step is S.consent_granted:
        return user.id == author_id or user.id in set(owner_ids)
    return user.department is Department.marketing


# Reacting to post writes (see `handlers`).


async def submitted(
    session: AsyncSession, *, place: PostPlace, post: PostRead, details: dict[str, Any] | None
) -> None:
    """A new win story: its fields (a story posted without them is told in the post's body
    alone), its first step, and marketing's leads told."""
    fields = parse_nested(StoryCreate, details, "story") if details is not None else None
    story = Story(
        post_id=place.post_id,
        status=S.submitted,
        submitted_at=post.created_at,
        **(_fields(fields) if fields else {}),
    )
    session.add(story)
    session.add(
        StoryStep(
            post_id=place.post_id,
            from_status=None,
            to_status=S.submitted,
            actor_id=place.author_id,
            at=post.created_at,
        )
    )
    await session.flush()
    leads = await repository.leads_of(session, Department.marketing.value)
    await events.publish(
        session,
        StoryMoved(
            post_id=place.post_id,
            actor_id=place.author_id,
            status=S.submitted.value,
            recipient_ids=tuple(leads),
            summary=f"submitted a win story{_about(a.name for a in post.accounts)}",
            visibility=place.visibility,
        ),
    )


async def edited(session: AsyncSession, *, post_id: int, details: dict[str, Any]) -> None:
    """An edit of the story's fields; refused once the customer agreed to them."""
    story = await repository.get(session, post_id)
    if story is None:
        return
    fields = parse_nested(StoryUpdate, details, "story")
    if story.status in FROZEN:
        raise Conflict(
            "The customer agreed to this story as it is: its words cannot change now. "
            "Post a new win story for a new version.",
            code="story_frozen",
        )
    for key, value in _fields(fields).items():
        setattr(story, key, value)
    await session.flush()


def _fields(fields: BaseModel) -> dict[str, Any]:
    return fields.model_dump(exclude_unset=True)


def _about(account_names: Iterable[str]) -> str:
    names = list(account_names)
    return f" about {', '.join(names)}" if names else ""


# The steps.


async def transition(
    session: AsyncSession, *, user: User, post: Post, data: StoryTransition
) -> None:
    """Move the story one step: 409 for a step its status does not allow, 403 for the wrong
    side, 422 for consent without a note, 409 for publishing what must stay inside."""
    story = await _story_of(session, post)
    current = story.status
    if data.to not in STEPS.get(current, ()):
        allowed = ", ".join(s.value for s in STEPS.get(current, ())) or "none"
        raise Conflict(
            f"A story {LABELS[current]} cannot be {LABELS[data.to]} (next: {allowed}).",
            code="step_not_allowed",
        )
    owners = await repository.owner_ids(session, post.id)
    if not may_take(data.to, user=user, author_id=post.author_id, owner_ids=owners):
        who = (
            "the story's author or the account's owner"
            if data.to is S.consent_granted
            else "marketing"
        )
        raise Forbidden(f"Only {who} may mark a story {LABELS[data.to]}.", code="wrong_side")
    now = utcnow()
    if data.to is S.consent_granted:
        if not data.note:
            raise Invalid(
                "Say who at the customer agreed, and how (a call, an email, ...).",
                field="body.note",
                code="note_required",
            )
        story.consent_by = data.granted_by or story.customer_contact
        story.consent_note = data.note
        story.consent_at = now
        story.consent_recorded_by_id = user.id
    if data.to is S.published:
        if post.confidential or post.group_private:
            raise Conflict(
                "This story is about a confidential account or in a private group: it "
                "cannot become a testimonial everyone sees.",
                code="story_restricted",
            )
        story.published_at = now
    if data.to is S.in_review and story.reviewer_id is None:
        story.reviewer_id = user.id
    story.status = data.to
    session.add(
        StoryStep(
            post_id=post.id,
            from_status=current,
            to_status=data.to,
            actor_id=user.id,
            at=now,
            note=data.note,
        )
    )
    await session.flush()
    recipients = {post.author_id, story.reviewer_id} - {None}
    accounts = await repository.account_names(session, post.id)
    await events.publish(
        session,
        StoryMoved(
            post_id=post.id,
            actor_id=user.id,
            status=data.to.value,
            recipient_ids=tuple(i for i in recipients if i is not None),
            summary=f"marked the win story{_about(accounts)} {LABELS[data.to]}",
            visibility=await posts.visibility_of(session, post),
        ),
    )


async def link_case_study(
    session: AsyncSession, *, user: User, viewer: Viewer, post: Post, case_study_id: int | None
) -> None:
    """Marketing links the case study it made of the story (a collateral post), or unlinks."""
    story = await _story_of(session, post)
    if user.department is not Department.marketing:
        raise Forbidden("Only marketing links a story's case study.", code="wrong_side")
    if case_study_id is not None:
        if await repository.collateral_post(session, viewer, case_study_id) is None:
            raise Invalid(
                "The case study must be a collateral post you may see.",
                field="body.post_id",
                code="not_collateral",
            )
    story.case_study_id = case_study_id
    await session.flush()


async def _story_of(session: AsyncSession, post: Post) -> Story:
    story = await repository.get(session, post.id) if post.kind is PostKind.win_story else None
    if story is None:
        raise Invalid("Only a win story has these steps.", field="path.post_id", code="not_a_story")
    return story


# Reading.


def details(raw: dict[str, Any], *, user: User | None, author_id: int) -> dict[str, Any]:
    """A win story's `story` from the JSON read with its post, with the steps `user` may
    take next (`next`)."""
    status = S(raw["status"])
    consent = None
    if raw.get("consent_at") is not None:
        consent = {
            "granted_by": raw.get("consent_by"),
            "granted_at": json_moment(raw["consent_at"]),
            "note": raw.get("consent_note"),
            "recorded_by": raw.get("consent_recorded_by"),
        }
    history = [
        {"from": s[1], "to": s[2], "by": s[3], "at": json_moment(s[4]), "note": s[5]}
        for s in sorted(raw.get("history") or [], key=lambda s: s[0])
    ]
    publishable = not raw.get("restricted")
    owners = raw.get("owner_ids") or []
    steps = [
        s
        for s in STEPS.get(status, ())
        if user is not None
        and may_take(s, user=user, author_id=author_id, owner_ids=owners)
        and (s is not S.published or publishable)
    ]
    return {
        "problem": raw.get("problem") or "",
        "solution": raw.get("solution") or "",
        "outcome": raw.get("outcome") or "",
        "quote": raw.get("quote"),
        "customer_contact": raw.get("customer_contact"),
        "status": status.value,
        "reviewer": raw.get("reviewer"),
        "submitted_at": json_moment(raw.get("submitted_at")),
        "consent": consent,
        "published_at": json_moment(raw.get("published_at")),
        "case_study_id": raw.get("case_study_id"),
        "publishable": publishable,
        "history": history,
        "next": [s.value for s in steps],
    }


async def add_details(session: AsyncSession, viewer: Viewer, shapes: list[PostRead]) -> None:
    """A win story's `story`, from the JSON read with the post (every read of posts reads
    it: a post just written is read back with it too)."""
    stories = [s for s in shapes if s.kind is PostKind.win_story]
    if not stories:
        return
    missing = [s.id for s in stories if s.story is None]
    found = await repository.of_posts(session, missing) if missing else {}
    # The signed-in user is in the session's identity map: no statement.
    user = await session.get(User, viewer.id)
    for shape in stories:
        raw = shape.story if shape.story is not None else found.get(shape.id)
        shape.story = None if raw is None else details(raw, user=user, author_id=shape.author.id)


async def list_stories(
    session: AsyncSession,
    viewer: Viewer,
    *,
    status: StoryStatus | None,
    account_id: int | None,
    industry: str | None,
    page: PageParams,
) -> tuple[list[PostRead], str | None]:
    ids, cursor = await repository.page_ids(
        session, viewer, status=status, account_id=account_id, industry=industry, page=page
    )
    return await posts.read_posts(session, viewer, ids), cursor


async def counts(session: AsyncSession, viewer: Viewer) -> dict[StoryStatus, int]:
    """How many stories the viewer may see in each status (every status, zeros too)."""
    found = await repository.counts_by_status(session, viewer)
    return {s: found.get(s, 0) for s in S}


async def testimonials(
    session: AsyncSession,
    viewer: Viewer,
    *,
    industry: str | None,
    q: str | None,
    page: PageParams,
) -> tuple[list[TestimonialRead], str | None]:
    """The published stories the viewer may see, newest published first."""
    after = page.after_key()
    key: tuple[datetime, int] | None = None
    if after is not None:
        try:
            key = (datetime.fromisoformat(str(after[0])), int(after[1]))
        except (ValueError, IndexError) as exc:
            raise Invalid("The cursor is not valid.", field="query.cursor") from exc
    rows = await repository.testimonials(
        session, viewer, industry=industry, q=q, after=key, limit=page.limit + 1
    )
    items = [
        TestimonialRead(
            post_id=r.post_id,
            account=AccountRef(slug=r.slug, name=r.name) if r.slug else None,
            industry=r.industry,
            outcome=r.outcome,
            quote=r.quote,
            quoted=r.consent_by,
            author=AuthorRead(
                id=r.author_id,
                handle=r.handle,
                display_name=r.display_name,
                department=r.department,
            ),
            published_at=r.published_at,
            case_study_id=r.case_study_id,
        )
        for r in rows[: page.limit]
    ]
    cursor = None
    if len(rows) > page.limit:
        last = rows[page.limit - 1]
        cursor = encode_cursor([last.published_at.isoformat(), last.post_id])
    return items, cursor


async def testimonial_industries(session: AsyncSession, viewer: Viewer) -> list[str]:
    """What the testimonials' industry filter offers: the industries that have one."""
    return await repository.testimonial_industries(session, viewer)
