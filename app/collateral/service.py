"""Collateral: what marketing makes, what sales says about it, and what that asks of
marketing.

A collateral post's catalogue data is written when the post is (`handlers`: posts do not
know this domain); a rep's verdict is about one version of the asset, optionally on one
account; three failures for the same reason within 30 days send the asset back to its
author; an edit of what it says starts a new version whose stats start fresh. Every count a
reader sees counts only the verdicts that reader may see.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as accounts
from app.accounts.models import Account
from app.accounts.schemas import AccountRef
from app.collateral import repository
from app.collateral.events import CollateralFlagged, CollateralRevised, VerdictGiven
from app.collateral.models import (
    Collateral,
    Reason,
    Stage,
    Status,
    TagKind,
    Verdict,
    VerdictKind,
)
from app.collateral.repository import Catalogue, Counts
from app.collateral.schemas import (
    AccountCollateralRead,
    AttentionRead,
    CollateralCreate,
    CollateralRead,
    CollateralUpdate,
    LibraryFilter,
    ReasonCount,
    Stats,
    VerdictCreate,
    VerdictRead,
)
from app.core import events
from app.core.db import utcnow
from app.core.errors import Invalid, NotFound
from app.core.pagination import MAX_LIMIT, PageParams, encode_cursor
from app.core.schemas import parse_nested
from app.posts import read as posts_read
from app.posts import service as posts
from app.posts.models import Post, PostKind
from app.posts.schemas import PostRead
from app.users.models import User
from app.visibility import PostVisibility, Viewer

# Three failures for one reason within this window send the asset back to its author.
FLAG_AFTER = 3
FLAG_WINDOW = timedelta(days=30)
# Active collateral with no verdict for this long is listed as unused.
UNUSED_AFTER = timedelta(days=90)
# The to-do list's low scores: assets rated at least this often that hurt at least as
# often as they helped, lowest score first.
LOW_SCORE_MIN_RATED = 3
ATTENTION_LIMIT = 20
TOP_REASONS = 3
NEEDS_REASON = frozenset({VerdictKind.hurt, VerdictKind.not_used})
# z for a two-sided 95% interval.
Z_95 = 1.959963984540054

Sort = Literal["newest", "score", "uses"]


def wilson_lower_bound(positive: int, total: int, z: float = Z_95) -> float | None:
    """The lower bound of the Wilson score interval of `positive` out of `total` (None when
    nothing was rated): a score that does not rank one lucky "helped" above 40 out of 50."""
    if total <= 0:
        return None
    p = positive / total
    z2 = z * z
    centre = p + z2 / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return max(0.0, (centre - margin) / (1 + z2 / total))


def stats_of(counts: Counts) -> Stats:
    n = counts.by_verdict.get
    helped, neutral, hurt = (
        n(k, 0) for k in (VerdictKind.helped, VerdictKind.neutral, VerdictKind.hurt)
    )
    reasons = sorted(counts.reasons.items(), key=lambda kv: (-kv[1], kv[0].value))
    score = wilson_lower_bound(helped, helped + hurt)
    return Stats(
        uses=helped + neutral + hurt,
        helped=helped,
        neutral=neutral,
        hurt=hurt,
        not_used=n(VerdictKind.not_used, 0),
        score=None if score is None else round(score, 4),
        last_used_at=counts.last_used_at,
        top_reasons=[ReasonCount(reason=r, count=c) for r, c in reasons[:TOP_REASONS]],
    )


# Reacting to post writes (see `handlers`).


async def describe(session: AsyncSession, *, post_id: int, details: dict[str, Any] | None) -> None:
    """A new collateral post: its catalogue data, version 1, active."""
    if details is None:
        raise Invalid(
            "A collateral post needs its details: {stage, audience, industries}.",
            field="body.collateral",
            code="collateral_details_required",
        )
    spec = parse_nested(CollateralCreate, details, "collateral")
    session.add(Collateral(post_id=post_id, stage=spec.stage, status=Status.active, version=1))
    await session.flush()
    await repository.set_tags(session, post_id, TagKind.audience, spec.audience)
    await repository.set_tags(session, post_id, TagKind.industry, spec.industries)


async def edited(
    session: AsyncSession,
    *,
    post_id: int,
    actor_id: int,
    details: dict[str, Any] | None,
    content_changed: bool,
    visibility: PostVisibility,
) -> None:
    """An edit of a collateral post: new catalogue data, and a new version when what it says
    changed (stats fresh, back to active, everyone who judged the previous one told)."""
    collateral = await repository.get(session, post_id)
    if collateral is None:
        return
    if details is not None:
        spec = parse_nested(CollateralUpdate, details, "collateral")
        if spec.stage is not None:
            collateral.stage = spec.stage
        if spec.status is not None:
            collateral.status = spec.status
            collateral.flagged_reason = None
        if spec.audience is not None:
            await repository.set_tags(session, post_id, TagKind.audience, spec.audience)
        if spec.industries is not None:
            await repository.set_tags(session, post_id, TagKind.industry, spec.industries)
    if content_changed:
        judges = await repository.judge_ids(session, post_id=post_id, version=collateral.version)
        collateral.version += 1
        collateral.version_at = utcnow()
        collateral.status = Status.active
        collateral.flagged_reason = None
        await session.flush()
        await events.publish(
            session,
            CollateralRevised(
                post_id=post_id,
                version=collateral.version,
                actor_id=actor_id,
                judge_ids=tuple(judges),
                visibility=visibility,
            ),
        )
    await session.flush()


# Verdicts.


async def _collateral_of(session: AsyncSession, post: Post) -> Collateral:
    found = await repository.get(session, post.id) if post.kind is PostKind.collateral else None
    if found is None:
        raise Invalid(
            "Only a collateral post takes verdicts.", field="path.post_id", code="not_collateral"
        )
    return found


def _check_reason(data: VerdictCreate) -> None:
    if data.verdict in NEEDS_REASON and data.reason is None:
        raise Invalid(
            f"Say why: a verdict of {data.verdict.value} needs a reason.",
            field="body.reason",
            code="reason_required",
        )
    if data.verdict is VerdictKind.helped and data.reason is not None:
        raise Invalid(
            "A verdict of helped takes no reason.", field="body.reason", code="reason_not_allowed"
        )


async def _account(session: AsyncSession, viewer: Viewer, slug: str | None) -> Account | None:
    if slug is None:
        return None
    found = await accounts.visible_by_slugs(session, viewer, [slug.strip().lstrip("$").lower()])
    if not found:
        raise NotFound("No such account.", code="unknown_account")
    return found[0]


def verdict_read(verdict: Verdict, user: User, account: Account | None) -> VerdictRead:
    return VerdictRead(
        id=verdict.id,
        post_id=verdict.post_id,
        version=verdict.version,
        user=posts_read.author_read(user),
        verdict=verdict.verdict,
        reason=verdict.reason,
        account=None if account is None else AccountRef(slug=account.slug, name=account.name),
        stage=verdict.deal_stage,
        note=verdict.note or None,
        created_at=verdict.created_at,
    )


async def give_verdict(
    session: AsyncSession, *, user: User, viewer: Viewer, post: Post, data: VerdictCreate
) -> VerdictRead:
    """Record what `user` says about the current version (on an account, if given); a second
    verdict on the same version and account replaces the first."""
    collateral = await _collateral_of(session, post)
    _check_reason(data)
    account = await _account(session, viewer, data.account)
    verdict = Verdict(
        post_id=post.id,
        version=collateral.version,
        user_id=user.id,
        account_id=account.id if account else None,
        verdict=data.verdict,
        reason=data.reason,
        deal_stage=data.stage,
        note=data.note or None,
        created_at=utcnow(),
    )
    await repository.replace_verdict(session, verdict)
    visibility = await posts.visibility_of(session, post)
    await events.publish(session, VerdictGiven(post_id=post.id, visibility=visibility))
    if data.verdict in NEEDS_REASON and data.reason is not None:
        await _flag_if_failing(session, post, collateral, data.reason, user, visibility)
    return verdict_read(verdict, user, account)


async def _flag_if_failing(
    session: AsyncSession,
    post: Post,
    collateral: Collateral,
    reason: Reason,
    actor: User,
    visibility: PostVisibility,
) -> None:
    failures = await repository.failures_since(
        session,
        post_id=post.id,
        version=collateral.version,
        reason=reason,
        since=utcnow() - FLAG_WINDOW,
    )
    if failures >= FLAG_AFTER and await repository.flag(session, post.id, reason):
        await session.refresh(collateral)
        await events.publish(
            session,
            CollateralFlagged(
                post_id=post.id,
                author_id=post.author_id,
                actor_id=actor.id,
                reason=reason,
                visibility=visibility,
            ),
        )


async def list_verdicts(
    session: AsyncSession, viewer: Viewer, *, post: Post, page: PageParams
) -> tuple[list[VerdictRead], str | None]:
    """The verdicts on the post the viewer may see, every version, newest first."""
    await _collateral_of(session, post)
    found, cursor = await repository.verdicts_page(session, viewer, post.id, page)
    return [verdict_read(*row) for row in found], cursor


# Reading: the details every post read carries, the library, the to-do list.


def collateral_read(
    catalogue: Catalogue, tags: dict[TagKind, list[str]] | None, counts: Counts
) -> CollateralRead:
    tags = tags or {}
    return CollateralRead.model_construct(
        stage=Stage(catalogue.stage),
        audience=tags.get(TagKind.audience, []),
        industries=tags.get(TagKind.industry, []),
        status=Status(catalogue.status),
        version=catalogue.version,
        version_at=catalogue.version_at,
        flagged_reason=Reason(catalogue.flagged_reason) if catalogue.flagged_reason else None,
        stats=stats_of(counts),
    )


async def details_for(
    session: AsyncSession, viewer: Viewer, post_ids: Iterable[int]
) -> dict[int, CollateralRead]:
    catalogue, tags, counts = await repository.details(session, viewer, list(post_ids))
    return {i: collateral_read(c, tags.get(i), counts[i]) for i, c in catalogue.items()}


async def add_details(session: AsyncSession, viewer: Viewer, shapes: list[PostRead]) -> None:
    """The posts' reader (`app.posts.extensions`): a collateral post's details and stats."""
    mine = [s for s in shapes if s.kind is PostKind.collateral]
    if not mine:
        return
    details = await details_for(session, viewer, (s.id for s in mine))
    for shape in mine:
        found = details.get(shape.id)
        shape.collateral = None if found is None else found.model_dump(mode="json")


def _sort_key(sort: Sort, post_id: int, stats: Stats) -> list[int]:
    """Highest first (ints, as cursors hold them); an asset nobody rated has no score and
    ranks below every score."""
    if sort == "score":
        return [-1 if stats.score is None else round(stats.score * 10_000), post_id]
    return [stats.uses, post_id]


async def library(
    session: AsyncSession,
    viewer: Viewer,
    *,
    where: LibraryFilter,
    sort: Sort,
    page: PageParams,
) -> tuple[list[PostRead], str | None]:
    """The collateral the viewer may see, filtered; newest first, or by score or uses
    (highest first; an asset nobody rated has no score and comes last)."""
    if sort == "newest":
        ids, cursor = await repository.newest_page(session, viewer, where, page)
        return await posts.read_posts(session, viewer, ids), cursor
    versions = await repository.library_ids(session, viewer, where)
    counts = await repository.counts(session, viewer, versions)
    keys = {i: _sort_key(sort, i, stats_of(counts[i])) for i in versions}
    ranked = sorted(versions, key=lambda i: keys[i], reverse=True)
    after = page.after_key()
    if after is not None:
        if len(after) != 2:
            raise Invalid("The cursor is not valid.", field="query.cursor")
        ranked = [i for i in ranked if keys[i] < list(after)]
    chosen = ranked[: page.limit]
    cursor = encode_cursor(keys[chosen[-1]]) if len(ranked) > page.limit else None
    return await posts.read_posts(session, viewer, chosen), cursor


async def live_assets(session: AsyncSession, viewer: Viewer) -> list[PostRead]:
    """What a form may offer as an asset (a rep's verdict, a story's case study): the newest
    the viewer may see, up to a page of the largest size, retired ones left out."""
    found, _ = await library(
        session,
        viewer,
        where=LibraryFilter(),
        sort="newest",
        page=PageParams(limit=MAX_LIMIT, cursor=None),
    )
    return [p for p in found if p.collateral and p.collateral["status"] != "retired"]


async def attention(session: AsyncSession, viewer: Viewer) -> AttentionRead:
    """Marketing's to-do list: what reps keep failing for one reason, what nobody used in
    90 days, and the lowest scores."""
    everything = await repository.library_ids(session, viewer, LibraryFilter())
    found = await repository.by_post_ids(session, list(everything))
    counts = await repository.counts(session, viewer, everything)
    now = utcnow()
    flagged, unused, low = [], [], []
    for post_id, collateral in sorted(found.items(), reverse=True):
        c = counts[post_id]
        if collateral.status is Status.needs_revision:
            flagged.append(post_id)
        elif collateral.status is Status.active:
            last = c.last_verdict_at or collateral.version_at
            if last < now - UNUSED_AFTER:
                unused.append(post_id)
            stats = stats_of(c)
            rated = stats.helped + stats.hurt
            if rated >= LOW_SCORE_MIN_RATED and stats.hurt >= stats.helped:
                low.append((stats.score or 0.0, post_id))
    lowest = [p for _, p in sorted(low)]
    return AttentionRead(
        needs_revision=await posts.read_posts(session, viewer, flagged[:ATTENTION_LIMIT]),
        unused=await posts.read_posts(session, viewer, unused[:ATTENTION_LIMIT]),
        low_score=await posts.read_posts(session, viewer, lowest[:ATTENTION_LIMIT]),
    )


@dataclass(frozen=True, slots=True)
class Filters:
    """The values the library's filters offer."""

    audiences: list[str]
    industries: list[str]


async def filters(session: AsyncSession) -> Filters:
    return Filters(
        audiences=await repository.all_tags(session, TagKind.audience),
        industries=await repository.all_tags(session, TagKind.industry),
    )


async def for_account(
    session: AsyncSession, viewer: Viewer, *, account: Account, page: PageParams
) -> tuple[list[AccountCollateralRead], str | None]:
    """The collateral used on the account (most recently judged first), each with every
    verdict given there."""
    ids, cursor = await repository.posts_used_on_account(session, viewer, account.id, page)
    shapes = await posts.read_posts(session, viewer, ids)
    rows = await repository.verdicts_on_account(session, viewer, account.id, ids)
    by_post: dict[int, list[VerdictRead]] = {i: [] for i in ids}
    for row in rows:
        by_post[row[0].post_id].append(verdict_read(*row))
    return [AccountCollateralRead(post=s, verdicts=by_post[s.id]) for s in shapes], cursor


@dataclass(frozen=True, slots=True)
class Voices:
    """What the reps said about one asset's current version, in their words: the accounts
    they used it on and their latest notes."""

    accounts: list[AccountRef]
    notes: list[VerdictRead]


VOICES_READ = 500
VOICES_ACCOUNTS = 5
VOICES_NOTES = 2


async def voices(
    session: AsyncSession, viewer: Viewer, posts_: list[PostRead]
) -> dict[int, Voices]:
    """For the library's cards: per asset, where it was used and the latest notes."""
    versions = {p.id: p.collateral["version"] for p in posts_ if p.collateral}
    rows = await repository.recent_verdicts(session, viewer, versions, limit=VOICES_READ)
    found = {i: Voices(accounts=[], notes=[]) for i in versions}
    for verdict, user, account in rows:
        said = found[verdict.post_id]
        if account is not None and verdict.verdict is not VerdictKind.not_used:
            if len(said.accounts) < VOICES_ACCOUNTS and account.slug not in {
                a.slug for a in said.accounts
            }:
                said.accounts.append(AccountRef(slug=account.slug, name=account.name))
        if verdict.note and len(said.notes) < VOICES_NOTES:
            said.notes.append(verdict_read(verdict, user, account))
    return found
