"""Sign-in: password checks, API tokens (stored as SHA-256 only), revocation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable

from app.auth import passwords
from app.auth.events import SessionRevoked
from app.auth.models import ApiToken
from app.auth.ratelimit import LoginLimiter, TooManyAttempts
from app.core import events
from app.core.db import dialect_name, utcnow
from app.core.errors import RateLimited, Unauthorized
from app.core.types import control_character
from app.users import service as users
from app.users.models import User
from app.visibility import Viewer, membership_columns, viewer_from_columns

TOKEN_PREFIX = "tdm_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(session: AsyncSession, *, user: User, ttl_hours: int) -> str:
    """A new random token for `user`; only its hash is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=token_hash(token),
            expires_at=utcnow() + timedelta(hours=ttl_hours),
        )
    )
    await session.flush()
    return token


@cache
def _principal_statement(dialect: str) -> Executable:
    # Built once per dialect: every authenticated request runs it.
    return (
        select(User, *membership_columns(User.id, dialect))
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == bindparam("token_hash"),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > bindparam("now"),
            User.is_active.is_(True),
        )
    )


async def principal_for_token(session: AsyncSession, token: str) -> tuple[User, Viewer] | None:
    """The token's user and what they may see, in one query; None if the token is not live."""
    row = (
        await session.execute(
            _principal_statement(dialect_name(session)),
            {"token_hash": token_hash(token), "now": utcnow()},
        )
    ).first()
    if row is None:
        return None
    user, *memberships = row
    return user, viewer_from_columns(user, *memberships)


async def expires_at(session: AsyncSession, token: str) -> datetime | None:
    """When a live token expires (for sockets, which outlive the request that checked it)."""
    return await session.scalar(
        select(ApiToken.expires_at).where(ApiToken.token_hash == token_hash(token))
    )


async def revoke(session: AsyncSession, *, token: str) -> None:
    """Revoke a token; the live sockets it opened are closed."""
    digest = token_hash(token)
    user_id = await session.scalar(
        update(ApiToken)
        .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(ApiToken.user_id)
    )
    if user_id is not None:
        await events.publish(session, SessionRevoked(user_id=user_id, token_hash=digest))


async def login(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    client: str,
    limiter: LoginLimiter,
    ttl_hours: int,
) -> str:
    """Check the password and issue a token; failed attempts are rate-limited."""
    email_key = email.strip().lower()
    try:
        # Counted from now on, and given back only if the password is right.
        attempt = await limiter.reserve(email=email_key, client=client)
    except TooManyAttempts as exc:
        raise RateLimited(
            "Too many sign-in attempts; try again later.",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    # No account has such an email (sign-up refuses them): the same answer on both
    # databases, where PostgreSQL would refuse the lookup of a NUL.
    user = None if control_character(email_key) else await users.by_email(session, email_key)
    stored = user.password_hash if user else None
    if not await passwords.verify_password(stored, password) or (
        user is None or stored is None or not user.is_active
    ):
        raise Unauthorized("The email or password is wrong.", code="bad_credentials")
    await attempt.succeeded()
    if passwords.needs_rehash(stored):
        # Only now is the password at hand: a hash of an older cost moves to today's.
        user.password_hash = await passwords.hash_password(password)
    return await issue_token(session, user=user, ttl_hours=ttl_hours)
