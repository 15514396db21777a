"""The glossary: the words both departments use, each with one definition they signed.

A term's name and aliases are unique across the glossary (compared case-folded): a second
"MQL" is a 409 that names the existing slug, and an alias that is another term's name is a
422. The name stays; a new definition or new aliases make a new version.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.agreements import repository, service
from app.agreements.events import TermChanged
from app.agreements.models import Signable, Status, SubjectKind, Term
from app.agreements.schemas import (
    SignoffCreate,
    SignoffRead,
    TermCreate,
    TermRead,
    TermSummary,
    TermUpdate,
)
from app.agreements.service import Subject, key_of
from app.core import events
from app.core.errors import Conflict, Invalid, NotFound
from app.core.pagination import PageParams
from app.core.slugs import free_variant
from app.core.text import render_markdown, slugify
from app.users.models import User


def subject_of(term: Term, signable: Signable) -> Subject:
    return Subject(signable=signable, name=f'the term "{term.term}"', path=f"/glossary/{term.slug}")


async def get(session: AsyncSession, slug: str) -> tuple[Term, Signable]:
    found = await repository.term_by_slug(session, slug)
    if found is None:
        raise NotFound("No such term in the glossary.", code="unknown_term")
    return found


async def signable_of(session: AsyncSession, slug: str) -> Signable:
    return (await get(session, slug))[1]


async def _aliases(
    session: AsyncSession, term_key: str, aliases: list[str], own_id: int | None
) -> dict[str, str]:
    """The aliases by key, checked against every other term's name and aliases."""
    wanted = {key_of(a): a for a in aliases if key_of(a) != term_key}
    owners = await repository.owners_of_keys(session, wanted)
    for key, owner in owners.items():
        if owner.signable_id == own_id:
            continue
        what = "the name" if owner.term_key == key else "an alias"
        raise Invalid(
            f'"{wanted[key]}" is already {what} of the term "{owner.term}".',
            field="body.aliases",
            code="alias_is_a_term" if owner.term_key == key else "alias_taken",
            details=[{"field": "body.aliases", "message": f"used by {owner.slug}"}],
        )
    return wanted


async def propose(session: AsyncSession, *, user: User, data: TermCreate) -> TermRead:
    term_key = key_of(data.term)
    existing = (await repository.owners_of_keys(session, [term_key])).get(term_key)
    if existing is not None:
        raise Conflict(
            f'"{data.term}" is already in the glossary.',
            code="term_exists",
            details=[{"field": "body.term", "message": existing.slug, "slug": existing.slug}],
        )
    aliases = await _aliases(session, term_key, data.aliases, None)
    slug = slugify(data.term)[:64] or "term"
    if await repository.slug_taken(session, slug) is not None:
        slug = await free_variant(slug, lambda s: repository.slug_taken(session, s))
    content = {"definition": data.definition, "aliases": sorted(aliases.values(), key=key_of)}
    signable = await service.start(
        session,
        kind=SubjectKind.term,
        author=user,
        required=data.required_departments,
        content=content,
    )
    term = Term(
        signable_id=signable.id,
        slug=slug,
        term=data.term,
        term_key=term_key,
        definition=data.definition,
        definition_html=render_markdown(data.definition),
    )
    session.add(term)
    await session.flush()
    await repository.set_aliases(session, signable.id, aliases)
    await _changed(session, term, signable, actor=user, summary=None)
    return await read(session, term, signable, user)


async def edit(session: AsyncSession, *, user: User, slug: str, data: TermUpdate) -> TermRead:
    term, signable = await get(session, slug)
    service.check_may_edit(user, signable)
    current = await repository.aliases_of(session, [signable.id])
    aliases = (
        await _aliases(session, term.term_key, data.aliases, signable.id)
        if data.aliases is not None
        else {key_of(a): a for a in current.get(signable.id, [])}
    )
    definition = data.definition if data.definition is not None else term.definition
    alias_list = sorted(aliases.values(), key=key_of)
    if definition == term.definition and alias_list == sorted(
        current.get(signable.id, []), key=key_of
    ):
        return await read(session, term, signable, user)  # nothing changed: no new version
    await service.new_version(
        session, signable, author=user, content={"definition": definition, "aliases": alias_list}
    )
    term.definition = definition
    term.definition_html = render_markdown(definition)
    await repository.set_aliases(session, signable.id, aliases)
    await _changed(session, term, signable, actor=user, summary=None)
    return await read(session, term, signable, user)


async def sign(session: AsyncSession, *, user: User, slug: str, data: SignoffCreate) -> SignoffRead:
    term, signable = await get(session, slug)
    signoff = await service.sign(session, signable, user=user, data=data)
    if signable.status is Status.agreed:
        term.agreed_definition = term.definition
    subject = subject_of(term, signable)
    await _changed(
        session, term, signable, actor=user, summary=service.sign_summary(subject, signoff)
    )
    return service.signoff_read(signoff, user)


async def _changed(
    session: AsyncSession, term: Term, signable: Signable, *, actor: User, summary: str | None
) -> None:
    subject = subject_of(term, signable)
    await service.announce(
        session, subject, actor=actor, summary=summary or service.version_summary(subject)
    )
    await events.publish(session, TermChanged(signable_id=signable.id))


async def read(session: AsyncSession, term: Term, signable: Signable, viewer: User) -> TermRead:
    aliases = await repository.aliases_of(session, [signable.id])
    return TermRead(
        slug=term.slug,
        term=term.term,
        aliases=aliases.get(signable.id, []),
        definition=term.definition,
        definition_html=term.definition_html,
        agreed_definition=term.agreed_definition,
        **await service.signed_fields(session, signable, viewer),
    )


async def list_terms(
    session: AsyncSession, *, q: str | None, status: Status | None, page: PageParams
) -> tuple[list[TermSummary], str | None]:
    found, cursor = await repository.terms_page(
        session, q=key_of(q) if q else None, status=status, page=page
    )
    aliases = await repository.aliases_of(session, [t.signable_id for t, _ in found])
    return [
        TermSummary(
            slug=t.slug,
            term=t.term,
            aliases=aliases.get(t.signable_id, []),
            status=s.status,
            version=s.version,
            updated_at=s.updated_at,
        )
        for t, s in found
    ], cursor
