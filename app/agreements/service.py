"""The sign-off mechanism that glossary terms and agreements share.

A subject starts at version 1, `proposed`; any edit makes a new version, back at `proposed`
(the sign-offs of earlier versions stay in the history). Only a lead of a required department
signs, once per version (a second decision replaces the first). The current version is
`agreed` when a lead of every required department approved it and nobody rejected it, and
`disputed` as soon as a lead rejected it; a rejection says why, and that comment opens the
subject's discussion. The followers and the leads of the required departments hear of every
version, sign-off and dispute (`AgreementChanged`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.agreements import repository
from app.agreements.events import AgreementChanged
from app.agreements.models import (
    Decision,
    Discussion,
    Signable,
    SignableVersion,
    Signoff,
    Status,
    SubjectKind,
)
from app.agreements.schemas import DiscussionRead, SignoffCreate, SignoffRead, VersionRead
from app.core import events
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden
from app.core.pagination import PageParams
from app.core.text import render_markdown
from app.users.models import Department, User
from app.users.schemas import UserSummary

DEFAULT_DEPARTMENTS = (Department.sales, Department.marketing)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Subject:
    """How a term or an agreement is named and found, for the notifications about it."""

    signable: Signable
    name: str  # 'the term "MQL"'
    path: str  # '/glossary/mql'


def key_of(text: str) -> str:
    """The form two names are compared in: case-folded, runs of spaces as one."""
    return _SPACES.sub(" ", text).strip().casefold()


def departments_of(required: Iterable[Department] | None) -> list[str]:
    return [d.value for d in (required or DEFAULT_DEPARTMENTS)]


def decisions(signable: Signable, current: Iterable[Signoff]) -> dict[str, bool | None]:
    """Each required department's decision on the current version: True when one of its
    leads approved and none rejected, False when one rejected, None while nobody signed."""
    state: dict[str, bool | None] = dict.fromkeys(signable.required_departments)
    for signoff in current:
        department = Department(signoff.department).value
        if department not in state:
            continue
        if signoff.decision is Decision.reject:
            state[department] = False
        elif state[department] is None:
            state[department] = True
    return state


def status_of(state: dict[str, bool | None]) -> Status:
    if any(decided is False for decided in state.values()):
        return Status.disputed
    if all(state.values()):
        return Status.agreed
    return Status.proposed


def may_edit(user: User, signable: Signable) -> bool:
    """Who may make a new version: whoever proposed it, a lead of a required department, an
    admin."""
    return (
        user.id == signable.created_by
        or user.is_admin
        or (user.is_lead and user.department.value in signable.required_departments)
    )


def check_may_edit(user: User, signable: Signable) -> None:
    if not may_edit(user, signable):
        raise Forbidden(
            "Only whoever proposed it, a lead of a department that signs it, or an admin may "
            "change it.",
            code="not_an_editor",
        )


def _version_row(signable: Signable, author: User, content: dict[str, Any]) -> SignableVersion:
    return SignableVersion(
        signable_id=signable.id,
        version=signable.version,
        author_id=author.id,
        content=content,
        created_at=utcnow(),
    )


async def start(
    session: AsyncSession,
    *,
    kind: SubjectKind,
    author: User,
    required: Sequence[Department] | None,
    content: dict[str, Any],
) -> Signable:
    """A new subject at version 1, proposed; its author follows it."""
    signable = Signable(
        kind=kind,
        status=Status.proposed,
        version=1,
        required_departments=departments_of(required),
        created_by=author.id,
    )
    session.add(signable)
    await session.flush()
    session.add(_version_row(signable, author, content))
    await repository.follow(session, signable.id, author.id)
    return signable


async def new_version(
    session: AsyncSession, signable: Signable, *, author: User, content: dict[str, Any]
) -> None:
    """An edit: the next version, back at proposed (what was signed before stays with its
    version)."""
    signable.version += 1
    signable.status = Status.proposed
    signable.updated_at = utcnow()
    session.add(_version_row(signable, author, content))
    await session.flush()


async def sign(
    session: AsyncSession, signable: Signable, *, user: User, data: SignoffCreate
) -> Signoff:
    """A lead's decision on the current version, and the status that follows from it."""
    department = user.department.value
    if not user.is_lead:
        raise Forbidden("Only a department lead signs.", code="not_a_lead")
    if department not in signable.required_departments:
        raise Forbidden(
            f"{user.department.value.replace('_', ' ').capitalize()} does not sign this: "
            f"{', '.join(signable.required_departments)} do.",
            code="department_not_required",
        )
    if data.version is not None and data.version != signable.version:
        raise Conflict(
            f"Version {data.version} is no longer current: read version {signable.version} "
            "and sign that.",
            code="version_not_current",
            details=[{"field": "body.version", "message": f"current: {signable.version}"}],
        )
    signoff = Signoff(
        signable_id=signable.id,
        version=signable.version,
        user_id=user.id,
        department=department,
        decision=data.decision,
        comment=data.comment,
        created_at=utcnow(),
    )
    await repository.replace_signoff(session, signoff)
    current = [s for s, _ in await repository.signoffs(session, signable.id, signable.version)]
    signable.status = status_of(decisions(signable, current))
    if signable.status is Status.agreed:
        signable.agreed_version = signable.version
    signable.updated_at = utcnow()
    if data.decision is Decision.reject and data.comment:
        await discuss(session, signable, user=user, body=data.comment, decision=Decision.reject)
    await repository.follow(session, signable.id, user.id)
    await session.flush()
    return signoff


def sign_summary(subject: Subject, signoff: Signoff) -> str:
    version = f"version {signoff.version} of {subject.name}"
    if signoff.decision is Decision.reject:
        return f"disputed {version}"
    if subject.signable.status is Status.agreed:
        return f"approved {version}: it is agreed"
    return f"approved {version}"


def version_summary(subject: Subject) -> str:
    if subject.signable.version == 1:
        return f"proposed {subject.name}"
    return f"proposed version {subject.signable.version} of {subject.name}"


async def announce(session: AsyncSession, subject: Subject, *, actor: User, summary: str) -> None:
    """Tell the followers and the required departments' leads."""
    signable = subject.signable
    recipients = {
        *await repository.follower_ids(session, signable.id),
        *await repository.lead_ids(session, signable.required_departments),
    }
    recipients.discard(actor.id)
    await events.publish(
        session,
        AgreementChanged(
            signable_id=signable.id,
            actor_id=actor.id,
            recipient_ids=tuple(sorted(recipients)),
            path=subject.path,
            summary=summary,
        ),
    )


async def discuss(
    session: AsyncSession,
    signable: Signable,
    *,
    user: User,
    body: str,
    decision: Decision | None = None,
) -> DiscussionRead:
    comment = Discussion(
        signable_id=signable.id,
        author_id=user.id,
        version=signable.version,
        decision=decision,
        body=body,
        body_html=render_markdown(body),
        created_at=utcnow(),
    )
    session.add(comment)
    await session.flush()
    await repository.follow(session, signable.id, user.id)
    return discussion_read(comment, user)


def discussion_read(comment: Discussion, author: User) -> DiscussionRead:
    return DiscussionRead(
        id=comment.id,
        author=UserSummary.model_validate(author),
        version=comment.version,
        decision=comment.decision,
        body=comment.body,
        body_html=comment.body_html,
        created_at=comment.created_at,
    )


async def discussion(
    session: AsyncSession, signable: Signable, page: PageParams
) -> tuple[list[DiscussionRead], str | None]:
    found, cursor = await repository.discussion_page(session, signable.id, page)
    return [discussion_read(c, u) for c, u in found], cursor


def signoff_read(signoff: Signoff, user: User) -> SignoffRead:
    return SignoffRead(
        id=signoff.id,
        version=signoff.version,
        user=UserSummary.model_validate(user),
        department=signoff.department,
        decision=signoff.decision,
        comment=signoff.comment,
        created_at=signoff.created_at,
    )


async def signed_fields(session: AsyncSession, signable: Signable, viewer: User) -> dict[str, Any]:
    """What a term's or an agreement's read shares: status, decisions, every version with its
    sign-offs, and whether the viewer follows it."""
    signed = await repository.signoffs(session, signable.id)
    by_version: dict[int, list[SignoffRead]] = {}
    for signoff, user in signed:
        by_version.setdefault(signoff.version, []).append(signoff_read(signoff, user))
    current = [s for s, _ in signed if s.version == signable.version]
    versions = [
        VersionRead(
            version=v.version,
            author=UserSummary.model_validate(author),
            created_at=v.created_at,
            content=v.content,
            signoffs=by_version.get(v.version, []),
        )
        for v, author in await repository.versions(session, signable.id)
    ]
    return {
        "status": signable.status,
        "version": signable.version,
        "agreed_version": signable.agreed_version,
        "required_departments": signable.required_departments,
        "departments": decisions(signable, current),
        "signoffs": by_version.get(signable.version, []),
        "following": await repository.is_following(session, signable.id, viewer.id),
        "created_at": signable.created_at,
        "updated_at": signable.updated_at,
        "versions": versions,
    }


async def follow(session: AsyncSession, signable: Signable, *, user: User) -> None:
    await repository.follow(session, signable.id, user.id)


async def unfollow(session: AsyncSession, signable: Signable, *, user: User) -> None:
    await repository.unfollow(session, signable.id, user.id)


# Read helpers for the pages.


def may_sign(user: User, signable: Signable) -> bool:
    """Whether `user` signs it: a lead of one of its required departments (the pages show
    the sign-off panel to them only; `sign` refuses everyone else)."""
    return user.is_lead and user.department.value in signable.required_departments


def version_text(content: dict[str, Any]) -> str:
    """A version's content as the plain text two versions are compared in: a term's
    definition and aliases, or an agreement's title, period and numbered clauses."""
    if "definition" in content:
        aliases = ", ".join(content.get("aliases") or [])
        return str(content["definition"]) + (f"\n\nAliases: {aliases}" if aliases else "")
    lines = [
        str(content.get("title", "")),
        f"From {content.get('period_start')} to {content.get('period_end')}",
    ]
    for clause in content.get("clauses") or []:
        line = f"{clause.get('number')}. ({clause.get('owner_department')}) {clause.get('text')}"
        if clause.get("metric"):
            line += f" [measured: {str(clause['metric']).replace('_', ' ')}"
            if clause.get("target") is not None:
                line += f", target {clause['target']:g}"
            line += "]"
        lines.append(line)
    return "\n".join(lines)


_TOKENS = re.compile(r"\s+|\S+")


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """What changed from `before` to `after`, word by word (difflib): runs of
    `("same" | "del" | "ins", text)` in reading order. The text is plain: whoever shows it
    escapes it."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    runs: list[tuple[str, str]] = []

    def add(kind: str, tokens: list[str]) -> None:
        if not tokens:
            return
        text = "".join(tokens)
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + text)
        else:
            runs.append((kind, text))

    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            add("same", old[i1:i2])
        else:
            add("del", old[i1:i2])
            add("ins", new[j1:j2])
    return runs
