"""The agreements' statements."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.agreements.models import (
    Agreement,
    Clause,
    ClauseCheck,
    Discussion,
    Signable,
    SignableFollow,
    SignableVersion,
    Signoff,
    Status,
    Term,
    TermAlias,
)
from app.core.pagination import PageParams, keyset, page_of
from app.users.models import User

# The mechanism.


async def versions(session: AsyncSession, signable_id: int) -> list[tuple[SignableVersion, User]]:
    rows = await session.execute(
        select(SignableVersion, User)
        .join(User, User.id == SignableVersion.author_id)
        .where(SignableVersion.signable_id == signable_id)
        .order_by(SignableVersion.version.desc())
    )
    return [(v, u) for v, u in rows]


async def version(session: AsyncSession, signable_id: int, number: int) -> SignableVersion | None:
    return await session.get(SignableVersion, (signable_id, number))


async def signoffs(
    session: AsyncSession, signable_id: int, version: int | None = None
) -> list[tuple[Signoff, User]]:
    """Sign-offs, newest first (of one version when given)."""
    stmt = (
        select(Signoff, User)
        .join(User, User.id == Signoff.user_id)
        .where(Signoff.signable_id == signable_id)
        .order_by(Signoff.id.desc())
    )
    if version is not None:
        stmt = stmt.where(Signoff.version == version)
    return [(s, u) for s, u in await session.execute(stmt)]


async def replace_signoff(session: AsyncSession, signoff: Signoff) -> None:
    """A lead's decision on a version; one they gave before on it is replaced."""
    await session.execute(
        delete(Signoff).where(
            Signoff.signable_id == signoff.signable_id,
            Signoff.version == signoff.version,
            Signoff.user_id == signoff.user_id,
        )
    )
    session.add(signoff)
    await session.flush()


async def follower_ids(session: AsyncSession, signable_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(SignableFollow.user_id).where(SignableFollow.signable_id == signable_id)
        )
    )


async def lead_ids(session: AsyncSession, departments: Collection[str]) -> list[int]:
    return list(
        await session.scalars(
            select(User.id).where(
                User.is_lead.is_(True),
                User.is_active.is_(True),
                User.department.in_(list(departments)),
            )
        )
    )


async def is_following(session: AsyncSession, signable_id: int, user_id: int) -> bool:
    return await session.get(SignableFollow, (user_id, signable_id)) is not None


async def follow(session: AsyncSession, signable_id: int, user_id: int) -> None:
    if not await is_following(session, signable_id, user_id):
        session.add(SignableFollow(user_id=user_id, signable_id=signable_id))
        await session.flush()


async def unfollow(session: AsyncSession, signable_id: int, user_id: int) -> None:
    await session.execute(
        delete(SignableFollow).where(
            SignableFollow.signable_id == signable_id, SignableFollow.user_id == user_id
        )
    )


async def discussion_page(
    session: AsyncSession, signable_id: int, page: PageParams
) -> tuple[list[tuple[Discussion, User]], str | None]:
    """The thread, oldest first (it reads as a conversation)."""
    stmt = (
        select(Discussion, User)
        .join(User, User.id == Discussion.author_id)
        .where(Discussion.signable_id == signable_id)
    )
    stmt = keyset(stmt, Discussion.id, after=page.after_id(), limit=page.limit + 1, ascending=True)
    found = [(d, u) for d, u in await session.execute(stmt)]
    return page_of(found, page.limit, key=lambda row: row[0].id)


# Glossary terms.


async def term_by_slug(session: AsyncSession, slug: str) -> tuple[Term, Signable] | None:
    row = (
        await session.execute(
            select(Term, Signable)
            .join(Signable, Signable.id == Term.signable_id)
            .where(Term.slug == slug)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def term_by_id(session: AsyncSession, signable_id: int) -> Term | None:
    return await session.get(Term, signable_id)


async def slug_taken(session: AsyncSession, slug: str) -> int | None:
    return await session.scalar(select(Term.signable_id).where(Term.slug == slug))


async def owners_of_keys(session: AsyncSession, keys: Collection[str]) -> dict[str, Term]:
    """The terms whose name or one of whose aliases is one of `keys`, by that key."""
    if not keys:
        return {}
    found: dict[str, Term] = {}
    for term in await session.scalars(select(Term).where(Term.term_key.in_(list(keys)))):
        found[term.term_key] = term
    rows = await session.execute(
        select(TermAlias.alias_key, Term)
        .join(Term, Term.signable_id == TermAlias.signable_id)
        .where(TermAlias.alias_key.in_(list(keys)))
    )
    for key, term in rows:
        found.setdefault(key, term)
    return found


async def aliases_of(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[str]]:
    found: defaultdict[int, list[str]] = defaultdict(list)
    if ids:
        rows = await session.execute(
            select(TermAlias.signable_id, TermAlias.alias)
            .where(TermAlias.signable_id.in_(list(ids)))
            .order_by(TermAlias.alias_key)
        )
        for signable_id, alias in rows:
            found[signable_id].append(alias)
    return found


async def set_aliases(session: AsyncSession, signable_id: int, aliases: dict[str, str]) -> None:
    """The term's aliases, by key, replacing the ones it had."""
    await session.execute(delete(TermAlias).where(TermAlias.signable_id == signable_id))
    session.add_all(
        TermAlias(alias_key=key, signable_id=signable_id, alias=alias)
        for key, alias in aliases.items()
    )
    await session.flush()


async def terms_page(
    session: AsyncSession, *, q: str | None, status: Status | None, page: PageParams
) -> tuple[list[tuple[Term, Signable]], str | None]:
    """Terms in alphabetical order (by their key), filtered by status and by a text found in
    the name or an alias."""
    stmt = select(Term, Signable).join(Signable, Signable.id == Term.signable_id)
    if status is not None:
        stmt = stmt.where(Signable.status == status)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                Term.term_key.like(pattern, escape="\\"),
                exists(
                    select(TermAlias.alias_key).where(
                        TermAlias.signable_id == Term.signable_id,
                        TermAlias.alias_key.like(pattern, escape="\\"),
                    )
                ),
            )
        )
    after = page.after_key()
    stmt = keyset(
        stmt, Term.term_key, after=after[0] if after else None, limit=page.limit + 1,
        ascending=True,
    )  # fmt: skip
    found = [(t, s) for t, s in await session.execute(stmt)]
    return page_of(found, page.limit, key=lambda row: [row[0].term_key])


async def every_term(session: AsyncSession) -> list[tuple[Term, Signable, list[str]]]:
    """Every term with its aliases (what pages mark in posts)."""
    rows = [(t, s) for t, s in await session.execute(
        select(Term, Signable).join(Signable, Signable.id == Term.signable_id)
    )]  # fmt: skip
    aliases = await aliases_of(session, [t.signable_id for t, _ in rows])
    return [(t, s, aliases.get(t.signable_id, [])) for t, s in rows]


# Agreements.


async def agreement(session: AsyncSession, agreement_id: int) -> tuple[Agreement, Signable] | None:
    row = (
        await session.execute(
            select(Agreement, Signable)
            .join(Signable, Signable.id == Agreement.signable_id)
            .where(Agreement.signable_id == agreement_id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def agreements_page(
    session: AsyncSession, *, status: Status | None, page: PageParams
) -> tuple[list[tuple[Agreement, Signable]], str | None]:
    """Agreements, newest first."""
    stmt = select(Agreement, Signable).join(Signable, Signable.id == Agreement.signable_id)
    if status is not None:
        stmt = stmt.where(Signable.status == status)
    stmt = keyset(stmt, Agreement.signable_id, after=page.after_id(), limit=page.limit + 1)
    found = [(a, s) for a, s in await session.execute(stmt)]
    return page_of(found, page.limit, key=lambda row: row[0].signable_id)


async def clauses(session: AsyncSession, agreement_id: int) -> list[Clause]:
    return list(
        await session.scalars(
            select(Clause).where(Clause.agreement_id == agreement_id).order_by(Clause.number)
        )
    )


async def replace_clauses(session: AsyncSession, agreement_id: int, rows: list[Clause]) -> None:
    await session.execute(delete(Clause).where(Clause.agreement_id == agreement_id))
    session.add_all(rows)
    await session.flush()


async def checks(
    session: AsyncSession, agreement_id: int, periods: Collection[str]
) -> list[tuple[ClauseCheck, User]]:
    rows = await session.execute(
        select(ClauseCheck, User)
        .join(User, User.id == ClauseCheck.user_id)
        .where(ClauseCheck.agreement_id == agreement_id, ClauseCheck.period.in_(list(periods)))
    )
    return [(c, u) for c, u in rows]


async def replace_check(session: AsyncSession, check: ClauseCheck) -> None:
    await session.execute(
        delete(ClauseCheck).where(
            ClauseCheck.agreement_id == check.agreement_id,
            ClauseCheck.number == check.number,
            ClauseCheck.period == check.period,
        )
    )
    session.add(check)
    await session.flush()
