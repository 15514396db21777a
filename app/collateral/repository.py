"""Collateral's statements: the catalogue rows, their tags, the verdicts and their counts.

Counts are per reader: a verdict given on a confidential account counts only for those who
may see that account (`_visible_verdict`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Select,
    String,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.accounts.models import Account
from app.collateral.models import (
    Collateral,
    CollateralTag,
    Reason,
    Status,
    TagKind,
    Verdict,
    VerdictKind,
)
from app.collateral.schemas import LibraryFilter
from app.core.db import dialect_name, in_ids, rows
from app.core.pagination import PageParams, keyset, page_of
from app.posts.models import Post, PostKind
from app.users.models import User
from app.visibility import HIDDEN_ACCOUNTS, Viewer


async def get(session: AsyncSession, post_id: int) -> Collateral | None:
    return await session.get(Collateral, post_id)


async def by_post_ids(session: AsyncSession, post_ids: Collection[int]) -> dict[int, Collateral]:
    if not post_ids:
        return {}
    found = await session.scalars(select(Collateral).where(Collateral.post_id.in_(post_ids)))
    return {c.post_id: c for c in found}


async def set_tags(
    session: AsyncSession, post_id: int, kind: TagKind, values: Iterable[str]
) -> None:
    await session.execute(
        delete(CollateralTag).where(CollateralTag.post_id == post_id, CollateralTag.kind == kind)
    )
    rows = [{"post_id": post_id, "kind": kind, "value": v} for v in dict.fromkeys(values)]
    if rows:
        await session.execute(insert(CollateralTag), rows)


async def all_tags(session: AsyncSession, kind: TagKind) -> list[str]:
    """Every audience (or industry) in the library, for the filters."""
    found = await session.scalars(
        select(CollateralTag.value).where(CollateralTag.kind == kind).distinct()
    )
    return sorted(found)


# Verdicts.


def _visible_verdict(hidden_accounts: Select[Any]) -> ColumnElement[bool]:
    """A verdict the viewer may see: on no account, or not on one hidden from them
    (`Viewer.hidden_accounts()`, or the prebuilt `HIDDEN_ACCOUNTS`)."""
    return or_(Verdict.account_id.is_(None), Verdict.account_id.not_in(hidden_accounts))


async def replace_verdict(session: AsyncSession, verdict: Verdict) -> None:
    """Store `verdict`, replacing the same rep's on the same version and account."""
    same_account = (
        Verdict.account_id.is_(None)
        if verdict.account_id is None
        else Verdict.account_id == verdict.account_id
    )
    await session.execute(
        delete(Verdict).where(
            Verdict.post_id == verdict.post_id,
            Verdict.version == verdict.version,
            Verdict.user_id == verdict.user_id,
            same_account,
        )
    )
    session.add(verdict)
    await session.flush()


async def failures_since(
    session: AsyncSession, *, post_id: int, version: int, reason: Reason, since: datetime
) -> int:
    """How many hurt or not_used verdicts on the version gave `reason` since `since`."""
    return int(
        await session.scalar(
            select(func.count()).where(
                Verdict.post_id == post_id,
                Verdict.version == version,
                Verdict.verdict.in_([VerdictKind.hurt, VerdictKind.not_used]),
                Verdict.reason == reason,
                Verdict.created_at >= since,
            )
        )
        or 0
    )


async def judge_ids(session: AsyncSession, *, post_id: int, version: int) -> list[int]:
    found = await session.scalars(
        select(Verdict.user_id)
        .where(Verdict.post_id == post_id, Verdict.version == version)
        .distinct()
    )
    return sorted(found)


VerdictRow = tuple[Verdict, User, Account | None]


def _verdict_rows(viewer: Viewer) -> Select[Verdict, User, Account]:
    return (
        select(Verdict, User, Account)
        .join(User, User.id == Verdict.user_id)
        .outerjoin(Account, Account.id == Verdict.account_id)
        .where(_visible_verdict(viewer.hidden_accounts()))
    )


async def verdicts_page(
    session: AsyncSession, viewer: Viewer, post_id: int, page: PageParams
) -> tuple[list[VerdictRow], str | None]:
    stmt = keyset(
        _verdict_rows(viewer).where(Verdict.post_id == post_id),
        Verdict.id,
        after=page.after_id(),
        limit=page.limit + 1,
    )
    found: list[VerdictRow] = [tuple(r) for r in await session.execute(stmt)]  # type: ignore[misc]
    return page_of(found, page.limit, key=lambda r: r[0].id)


async def verdicts_on_account(
    session: AsyncSession, viewer: Viewer, account_id: int, post_ids: Collection[int]
) -> list[VerdictRow]:
    """Every verdict given on the account about the posts `post_ids`, newest first."""
    if not post_ids:
        return []
    stmt = (
        _verdict_rows(viewer)
        .where(Verdict.account_id == account_id, Verdict.post_id.in_(post_ids))
        .order_by(Verdict.id.desc())
    )
    return [tuple(r) for r in await session.execute(stmt)]  # type: ignore[misc]


async def posts_used_on_account(
    session: AsyncSession, viewer: Viewer, account_id: int, page: PageParams
) -> tuple[list[int], str | None]:
    """The collateral the reps judged on the account (and the viewer may see), most recently
    judged first; keyset on the latest verdict's id."""
    latest = func.max(Verdict.id).label("latest")
    stmt = (
        select(Verdict.post_id, latest)
        .join(Post, Post.id == Verdict.post_id)
        .where(Verdict.account_id == account_id, viewer.post_clause())
        .group_by(Verdict.post_id)
    )
    after = page.after_id()
    if after is not None:
        stmt = stmt.having(latest < after)
    found = list(await session.execute(stmt.order_by(latest.desc()).limit(page.limit + 1)))
    rows, cursor = page_of(found, page.limit, key=lambda r: r.latest)
    return [r.post_id for r in rows], cursor


@dataclass
class Counts:
    """The verdicts on one version that a reader may see."""

    by_verdict: dict[VerdictKind, int] = field(default_factory=dict)
    reasons: dict[Reason, int] = field(default_factory=dict)
    last_used_at: datetime | None = None
    last_verdict_at: datetime | None = None


async def counts(
    session: AsyncSession, viewer: Viewer, versions: dict[int, int]
) -> dict[int, Counts]:
    """Per post, the counts of the visible verdicts on the given version (post id ->
    version), in one statement."""
    result: dict[int, Counts] = defaultdict(Counts)
    if not versions:
        return result
    current = or_(*(and_(Verdict.post_id == p, Verdict.version == v) for p, v in versions.items()))
    if len(versions) > 50:  # a long OR is slow to plan: filter by post, check versions here
        current = Verdict.post_id.in_(list(versions))
    stmt = (
        select(
            Verdict.post_id,
            Verdict.version,
            Verdict.verdict,
            Verdict.reason,
            func.count(),
            func.max(Verdict.created_at),
        )
        .where(current, _visible_verdict(viewer.hidden_accounts()))
        .group_by(Verdict.post_id, Verdict.version, Verdict.verdict, Verdict.reason)
    )
    for post_id, version, verdict, reason, n, latest in await session.execute(stmt):
        if versions.get(post_id) == version:
            _count(result[post_id], verdict, reason, n, latest)
    return result


@dataclass(frozen=True, slots=True)
class Catalogue:
    """A collateral post's row, as the post shapes carry it."""

    stage: str
    status: str
    version: int
    version_at: datetime
    flagged_reason: str | None


_TEXT = String()


def _text(column: Any) -> Any:
    # Plain strings in the union: each part's third and fourth columns are different enums.
    return type_coerce(column, _TEXT)


@cache
def _details(dialect: str) -> Executable:
    """The catalogue rows, tags and visible-verdict counts of the posts `ids`, as one
    statement built once (it runs for every feed page that holds collateral)."""

    def ids(column: InstrumentedAttribute[int]) -> ColumnElement[bool]:
        return in_ids(column, dialect)

    return union_all(
        select(
            literal("c"),
            Collateral.post_id,
            _text(Collateral.stage),
            _text(Collateral.status),
            Collateral.version,
            _text(Collateral.flagged_reason),
            Collateral.version_at,
        ).where(ids(Collateral.post_id)),
        select(
            literal("t"),
            CollateralTag.post_id,
            _text(CollateralTag.kind),
            CollateralTag.value,
            null(),
            null(),
            null(),
        ).where(ids(CollateralTag.post_id)),
        # Every version's counts (the current one is kept below): joining `collateral` for
        # it made PostgreSQL's generic plan scan the table.
        select(
            literal("v"),
            Verdict.post_id,
            _text(Verdict.verdict),
            _text(Verdict.reason),
            func.count(),
            cast(Verdict.version, _TEXT),
            func.max(Verdict.created_at),
        )
        .where(ids(Verdict.post_id), _visible_verdict(HIDDEN_ACCOUNTS))
        .group_by(Verdict.post_id, Verdict.version, Verdict.verdict, Verdict.reason),
    )


async def details(
    session: AsyncSession, viewer: Viewer, post_ids: Collection[int]
) -> tuple[dict[int, Catalogue], dict[int, dict[TagKind, list[str]]], dict[int, Counts]]:
    """The posts' catalogue rows, tags and the counts of their current version's verdicts
    the viewer may see, in one round trip."""
    if not post_ids:
        return {}, {}, {}
    params = {"ids": list(post_ids), **viewer.params()}
    catalogue: dict[int, Catalogue] = {}
    tags: dict[int, dict[TagKind, list[str]]] = {}
    counts: dict[int, Counts] = defaultdict(Counts)
    verdicts = []
    for part, post_id, a, b, number, extra, moment in await rows(
        session, _details(dialect_name(session)), params
    ):
        if part == "c":
            catalogue[post_id] = Catalogue(a, b, number, moment, extra)
        elif part == "t":
            found = tags.setdefault(post_id, {TagKind.audience: [], TagKind.industry: []})
            found[TagKind(a)].append(b)
        else:
            verdicts.append((post_id, int(extra), a, b, number, moment))
    for post_id, version, verdict, reason, n, moment in verdicts:
        if post_id in catalogue and catalogue[post_id].version == version:
            _count(
                counts[post_id], VerdictKind(verdict), Reason(reason) if reason else None, n, moment
            )
    for found in tags.values():
        for values in found.values():
            values.sort()
    return catalogue, tags, counts


def _count(
    c: Counts, verdict: VerdictKind, reason: Reason | None, n: int, latest: datetime
) -> None:
    c.by_verdict[verdict] = c.by_verdict.get(verdict, 0) + n
    if reason is not None and verdict is not VerdictKind.helped:
        c.reasons[reason] = c.reasons.get(reason, 0) + n
    c.last_verdict_at = max(filter(None, (c.last_verdict_at, latest)), default=None)
    if verdict is not VerdictKind.not_used:
        c.last_used_at = max(filter(None, (c.last_used_at, latest)), default=None)


# The library.


def _tagged(kind: TagKind, value: str) -> ColumnElement[bool]:
    return Collateral.post_id.in_(
        select(CollateralTag.post_id).where(
            CollateralTag.kind == kind, func.lower(CollateralTag.value) == value.lower()
        )
    )


def library(viewer: Viewer, where: LibraryFilter) -> Select[int, int]:
    """The collateral the viewer may see that matches `where`: (post id, version)."""
    stmt = (
        select(Collateral.post_id, Collateral.version)
        .join(Post, Post.id == Collateral.post_id)
        .where(Post.kind == PostKind.collateral, viewer.post_clause())
    )
    if where.stage:
        stmt = stmt.where(Collateral.stage == where.stage)
    if where.status:
        stmt = stmt.where(Collateral.status == where.status)
    if where.industry:
        stmt = stmt.where(_tagged(TagKind.industry, where.industry))
    if where.audience:
        stmt = stmt.where(_tagged(TagKind.audience, where.audience))
    if where.q:
        stmt = stmt.where(
            or_(
                Post.title.icontains(where.q, autoescape=True),
                Post.body.icontains(where.q, autoescape=True),
            )
        )
    return stmt


async def library_ids(
    session: AsyncSession, viewer: Viewer, where: LibraryFilter
) -> dict[int, int]:
    """Every matching asset: post id -> current version."""
    return {row.post_id: row.version for row in await session.execute(library(viewer, where))}


async def newest_page(
    session: AsyncSession, viewer: Viewer, where: LibraryFilter, page: PageParams
) -> tuple[list[int], str | None]:
    stmt = keyset(
        library(viewer, where), Collateral.post_id, after=page.after_id(), limit=page.limit + 1
    )
    found = [r.post_id for r in await session.execute(stmt)]
    return page_of(found, page.limit, key=lambda i: i)


async def flag(session: AsyncSession, post_id: int, reason: Reason) -> bool:
    """Mark an active asset `needs_revision`; False if it was not active."""
    result = await session.execute(
        update(Collateral)
        .where(Collateral.post_id == post_id, Collateral.status == Status.active)
        .values(status=Status.needs_revision, flagged_reason=reason)
    )
    return bool(getattr(result, "rowcount", 0))


async def recent_verdicts(
    session: AsyncSession, viewer: Viewer, versions: dict[int, int], *, limit: int
) -> list[VerdictRow]:
    """The latest visible verdicts on the given versions (post id -> version), newest first."""
    if not versions:
        return []
    stmt = (
        _verdict_rows(viewer)
        .where(Verdict.post_id.in_(list(versions)))
        .order_by(Verdict.id.desc())
        .limit(limit)
    )
    rows: list[VerdictRow] = [tuple(r) for r in await session.execute(stmt)]  # type: ignore[misc]
    return [r for r in rows if versions[r[0].post_id] == r[0].version]
