"""Accounts (customers): creation, the 360° view, team membership, CRM import."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Collection
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts import repository
from app.accounts.events import AccountChanged
from app.accounts.models import Account
from app.accounts.schemas import AccountCreate
from app.core import events
from app.core.db import dialect_name, transaction
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.pagination import PageParams, paginate
from app.core.slugs import free_variant
from app.core.text import slugify
from app.core.types import control_character
from app.users import service as users
from app.users.models import User
from app.visibility import Viewer
from app.visibility.events import AccessChanged


async def create(
    session: AsyncSession,
    *,
    creator: User | None,
    data: AccountCreate,
    viewer: Viewer | None = None,
) -> Account:
    """Create an account; the owner defaults to its creator. `viewer` is who asks (None: a
    path that sees everything, the import and the commands).

    A slug already used by an account the caller may see is a 409; one used by an account
    they may not see is never confirmed: the new account gets a free variant of it. A CRM id
    in use is a 409 that does not say by which account, visible or not.
    """
    slug = data.slug or slugify(data.name)
    existing = await repository.by_slug(session, slug)
    if existing is not None:
        if viewer is None or viewer.can_see_account(
            account_id=existing.id, confidential=existing.confidential
        ):
            raise Conflict(f"An account with the slug {slug!r} already exists.", code="slug_taken")
        slug = await free_variant(slug, lambda s: repository.by_slug(session, s))
    if data.crm_id and await repository.by_crm_id(session, data.crm_id):
        raise Conflict("This CRM id is in use; a new account cannot take it.", code="crm_id_taken")
    owner = creator
    if data.owner_handle:
        found = await users.by_handle(session, data.owner_handle)
        if found is None:
            raise Invalid("No user has this handle.", field="body.owner_handle")
        owner = found
    account = Account(
        slug=slug,
        name=data.name,
        domain=data.domain or None,
        industry=data.industry or None,
        tier=data.tier or None,
        crm_id=data.crm_id or None,
        confidential=data.confidential,
        owner_id=owner.id if owner else None,
    )
    session.add(account)
    await session.flush()
    await events.publish(session, AccountChanged(account_id=account.id))
    if account.owner_id:
        await events.publish(session, AccessChanged(frozenset({account.owner_id})))
    return account


async def get_visible(session: AsyncSession, viewer: Viewer, *, slug: str) -> Account:
    account = await repository.by_slug(session, slug)
    if account is None or not viewer.can_see_account(
        account_id=account.id, confidential=account.confidential
    ):
        raise NotFound("No such account.")
    return account


async def visible_by_slugs(
    session: AsyncSession, viewer: Viewer, slugs: list[str]
) -> list[Account]:
    """The accounts with these slugs that the viewer may see (the others stay unknown)."""
    return await repository.visible_by_slugs(session, viewer, slugs)


async def by_ids(session: AsyncSession, ids: Collection[int]) -> list[Account]:
    return await repository.by_ids(session, ids)


async def list_accounts(
    session: AsyncSession, viewer: Viewer, *, q: str | None, page: PageParams
) -> tuple[list[Account], str | None]:
    return await paginate(session, repository.search(viewer, q=q), Account.id, page)


async def owners(session: AsyncSession, accounts: list[Account]) -> dict[int, User]:
    return await repository.users_by_id(
        session, {a.owner_id for a in accounts if a.owner_id is not None}
    )


@dataclass(frozen=True)
class Overview:
    """The 360° view of one account: who owns it, who is on its team, who from each
    department has written about it (counting only the posts the viewer may see)."""

    account: Account
    owner: User | None
    team: list[User]
    contributors: list[tuple[User, int]]

    def people_by_department(self) -> dict[str, list[tuple[User, int | None]]]:
        """The team and the contributors, by department: team first (with their post
        count, if any), then the other contributors by posts."""
        people: dict[str, list[tuple[User, int | None]]] = {}
        counts = {u.id: n for u, n in self.contributors}
        for user in self.team:
            people.setdefault(user.department, []).append((user, counts.pop(user.id, None)))
        for user, n in self.contributors:
            if user.id in counts:
                people.setdefault(user.department, []).append((user, n))
        return people


async def overview(session: AsyncSession, viewer: Viewer, account: Account) -> Overview:
    """The account's 360° view, for the API and the account page alike."""
    found = await owners(session, [account])
    return Overview(
        account=account,
        owner=found.get(account.owner_id) if account.owner_id else None,
        team=await repository.team(session, account),
        contributors=await repository.contributors(session, viewer, account),
    )


def _require_manager(actor: User, account: Account) -> None:
    if not (actor.is_admin or account.owner_id == actor.id):
        raise Forbidden("Only the account owner or an admin can change its team.")


async def add_to_team(session: AsyncSession, *, actor: User, account: Account, handle: str) -> None:
    _require_manager(actor, account)
    user = await users.by_handle(session, handle)
    if user is None:
        raise NotFound("No such user.")
    await repository.add_member(session, account.id, user.id)
    await events.publish(session, AccessChanged(frozenset({user.id})))


async def remove_from_team(
    session: AsyncSession, *, actor: User, account: Account, handle: str
) -> None:
    _require_manager(actor, account)
    user = await users.by_handle(session, handle)
    if user is None:
        raise NotFound("No such user.")
    if user.id == account.owner_id:
        raise Invalid("The owner is always on the team; change the owner first.")
    await repository.remove_member(session, account.id, user.id)
    await events.publish(session, AccessChanged(frozenset({user.id})))


IMPORT_COLUMNS = ("name", "domain", "industry", "owner_email", "crm_id")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


# Rows written per transaction: a long import holds SQLite's write lock for moments at a
# time, not minutes. Between two, it steps aside for as long as SQLite's busy handler takes
# to retry (it polls every 100 ms), or the waiting writers would keep missing the gap.
IMPORT_CHUNK = 50
SQLITE_PAUSE = 0.12


async def import_csv(
    sessions: async_sessionmaker[AsyncSession], *, content: bytes, chunk: int = IMPORT_CHUNK
) -> ImportReport:
    """Create or update accounts from a CRM export. Rows are numbered as in a spreadsheet
    (the header is row 1); each row is applied whole or not at all, in transactions of
    `chunk` rows (the file is not one transaction: the report says what each row did)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid("The file is not UTF-8 text.", field="file") from exc
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise Invalid(f"The file is not valid CSV: {exc}.", field="file") from exc
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if "name" not in header:
        raise Invalid(
            "The CSV needs a header row with a 'name' column "
            f"(columns: {', '.join(IMPORT_COLUMNS)}).",
            field="file",
        )
    report = ImportReport()
    numbered = [
        (
            number,
            {k: v.strip() for k, v in zip(header, values, strict=False) if k in IMPORT_COLUMNS},
        )
        for number, values in enumerate(rows[1:], start=2)
        if any(v.strip() for v in values)
    ]
    for start in range(0, len(numbered), chunk):
        async with transaction(sessions) as session:
            for row_number, row in numbered[start : start + chunk]:
                await _apply_row(session, report, row_number, row)
            sqlite = dialect_name(session) == "sqlite"
        if sqlite and start + chunk < len(numbered):
            await asyncio.sleep(SQLITE_PAUSE)
    return report


async def _apply_row(
    session: AsyncSession, report: ImportReport, row_number: int, row: dict[str, str]
) -> None:
    try:
        async with session.begin_nested():
            created = await _import_row(session, row=row)
    except (Invalid, Conflict) as exc:
        report.errors.append((row_number, exc.message))
        return
    except ValidationError as exc:
        first = exc.errors()[0]
        column = ".".join(str(p) for p in first["loc"])
        report.errors.append((row_number, f"{column}: {first['msg']}"))
        return
    if created:
        report.created += 1
    else:
        report.updated += 1


async def _import_row(session: AsyncSession, *, row: dict[str, str]) -> bool:
    data = AccountCreate(
        name=row.get("name", ""),
        domain=row.get("domain") or None,
        industry=row.get("industry") or None,
        crm_id=row.get("crm_id") or None,
    )
    owner_id: int | None = None
    if row.get("owner_email"):
        # Checked like the other cells (they go through AccountCreate), before any lookup.
        if problem := control_character(row["owner_email"]):
            raise Invalid(f"owner_email: {problem}")
        owner = await users.by_email(session, row["owner_email"])
        if owner is None:
            raise Invalid(f"No user has the email {row['owner_email']!r}.")
        owner_id = owner.id
    existing = await repository.by_crm_id(session, data.crm_id) if data.crm_id else None
    if existing is None:
        existing = await repository.by_slug(session, slugify(data.name))
        if existing is not None and data.crm_id and existing.crm_id not in (None, data.crm_id):
            raise Conflict(
                f"The account {existing.slug!r} already has another CRM id ({existing.crm_id})."
            )
    if existing is None:
        # Imported accounts belong to the CRM owner, not to whoever ran the import.
        account = await create(session, creator=None, data=data)
        await _change_owner(session, account, owner_id)
        return True
    existing.name = data.name
    existing.domain = data.domain or existing.domain
    existing.industry = data.industry or existing.industry
    existing.crm_id = data.crm_id or existing.crm_id
    if owner_id is not None:
        await _change_owner(session, existing, owner_id)
    await session.flush()
    await events.publish(session, AccountChanged(account_id=existing.id))
    return False


async def _change_owner(session: AsyncSession, account: Account, owner_id: int | None) -> None:
    """A new owner: the former and the new one may now see other things."""
    if owner_id == account.owner_id:
        return
    affected = frozenset(u for u in (account.owner_id, owner_id) if u is not None)
    account.owner_id = owner_id
    await session.flush()
    await events.publish(session, AccessChanged(affected))
