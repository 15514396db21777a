"""People: creating, finding and listing users."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import passwords
from app.core.errors import Conflict, NotFound
from app.core.pagination import PageParams, page_of
from app.search_index import events as search_events
from app.users import repository
from app.users.models import User
from app.users.schemas import UserCreate


async def create(session: AsyncSession, *, data: UserCreate) -> User:
    """Create a user; email and handle must be free."""
    if await repository.by_email(session, data.email):
        raise Conflict("A user with this email already exists.", code="email_taken")
    if await repository.by_handle(session, data.handle):
        raise Conflict("This handle is taken.", code="handle_taken")
    user = User(
        email=data.email.lower(),
        handle=data.handle,
        display_name=data.display_name,
        department=data.department.value,
        role=data.role.value,
        title=data.title,
        bio=data.bio,
        password_hash=await passwords.hash_password(data.password) if data.password else None,
    )
    session.add(user)
    await session.flush()
    await search_events.user_changed(session, user_id=user.id)
    return user


async def get(session: AsyncSession, *, handle: str) -> User:
    user = await repository.by_handle(session, handle)
    if user is None or not user.is_active:
        raise NotFound("No such user.")
    return user


async def list_users(
    session: AsyncSession, *, q: str | None, department: str | None, page: PageParams
) -> tuple[list[User], str | None]:
    stmt = repository.search(q=q, department=department)
    after = page.after_id()
    if after is not None:
        stmt = stmt.where(User.id < after)
    rows = list(await session.scalars(stmt.order_by(User.id.desc()).limit(page.limit + 1)))
    return page_of(rows, page.limit, key=lambda u: u.id)
