"""People: creating, finding and listing users."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import password_policy, passwords
from app.core import events
from app.core.errors import Conflict, NotFound
from app.core.pagination import PageParams, paginate
from app.users import repository
from app.users.events import UserChanged
from app.users.models import Role, User
from app.users.schemas import UserCreate, UserUpdate
from app.visibility.events import AccessChanged


async def create(session: AsyncSession, *, data: UserCreate) -> User:
    """Create a user; email and handle must be free, the password (if any) hard to guess."""
    if data.password is not None:
        await password_policy.check(
            data.password, email=data.email, handle=data.handle, display_name=data.display_name
        )
    if await repository.by_email(session, data.email):
        raise Conflict("A user with this email already exists.", code="email_taken")
    if await repository.by_handle(session, data.handle):
        raise Conflict("This handle is taken.", code="handle_taken")
    user = User(
        email=data.email.lower(),
        handle=data.handle,
        display_name=data.display_name,
        department=data.department,
        role=data.role,
        is_lead=data.is_lead,
        title=data.title,
        bio=data.bio,
        password_hash=await passwords.hash_password(data.password) if data.password else None,
    )
    session.add(user)
    await session.flush()
    await events.publish(session, UserChanged(user_id=user.id))
    return user


async def deactivate(session: AsyncSession, *, user: User) -> None:
    """Sign someone out for good: no sign-in, no token, their open sockets closed; their
    posts stay."""
    user.is_active = False
    await session.flush()
    await events.publish(session, UserChanged(user_id=user.id))
    await events.publish(session, AccessChanged(frozenset({user.id})))


async def update(session: AsyncSession, *, admin: User, user: User, data: UserUpdate) -> User:
    """An admin's change to someone's role, department, lead flag or activity. An admin
    cannot demote or deactivate themselves (an organisation must keep one admin who can
    undo it). A change of role or activity changes what the user may see at once."""
    if user.id == admin.id and (data.role is Role.member or data.active is False):
        raise Conflict(
            "You cannot demote or deactivate yourself; ask another admin.", code="self_demotion"
        )
    access = (data.role is not None and data.role is not user.role) or (
        data.active is not None and data.active is not user.is_active
    )
    if data.role is not None:
        user.role = data.role
    if data.department is not None:
        user.department = data.department
    if data.is_lead is not None:
        user.is_lead = data.is_lead
    if data.active is False and user.is_active:
        await deactivate(session, user=user)
        return user
    if data.active is True:
        user.is_active = True
    await session.flush()
    await events.publish(session, UserChanged(user_id=user.id))
    if access:
        await events.publish(session, AccessChanged(frozenset({user.id})))
    return user


async def get_any(session: AsyncSession, *, handle: str) -> User:
    """A user by handle, active or not (for admins); 404 otherwise."""
    user = await repository.by_handle(session, handle)
    if user is None:
        raise NotFound("No such user.")
    return user


async def get(session: AsyncSession, *, handle: str) -> User:
    """An active user by handle; 404 otherwise."""
    user = await repository.by_handle(session, handle)
    if user is None or not user.is_active:
        raise NotFound("No such user.")
    return user


async def by_handle(session: AsyncSession, handle: str) -> User | None:
    return await repository.by_handle(session, handle)


async def by_handles(session: AsyncSession, handles: list[str]) -> list[User]:
    return await repository.by_handles(session, handles)


async def by_email(session: AsyncSession, email: str) -> User | None:
    return await repository.by_email(session, email)


async def list_users(
    session: AsyncSession, *, q: str | None, department: str | None, page: PageParams
) -> tuple[list[User], str | None]:
    return await paginate(session, repository.search(q=q, department=department), User.id, page)


async def list_everyone(
    session: AsyncSession, *, q: str | None, department: str | None, page: PageParams
) -> tuple[list[User], str | None]:
    """The directory's list with the deactivated people in it (the admin page: an admin must
    find someone to reactivate them)."""
    stmt = repository.search(q=q, department=department, deactivated_too=True)
    return await paginate(session, stmt, User.id, page)
