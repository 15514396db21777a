"""CSRF tokens for cookie-authenticated requests: an HMAC of the session (or pre-session)
cookie under the secret key, sent back in a form field or the `X-CSRF-Token` header.

Bearer-token requests need none: a browser never attaches an Authorization header on its own.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from app.core.errors import Forbidden

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
# Before sign-in there is no session to bind the login form to; this random cookie stands in.
PRE_SESSION_COOKIE = "tandem_presession"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def token_for(secret: str, seed: str) -> str:
    """The CSRF token that goes with the cookie value `seed`."""
    return hmac.new(secret.encode(), b"csrf:" + seed.encode(), hashlib.sha256).hexdigest()


async def submitted_token(request: Request) -> str:
    """The token the request carries: the header, else the form field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(_FORM_TYPES):
        # Starlette caches the parsed form, so the route's Form() fields read it again for free.
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def require(request: Request, *, secret: str, seed: str | None) -> None:
    """Refuse the request unless it carries the token for `seed`."""
    sent = await submitted_token(request)
    if not seed or not sent or not hmac.compare_digest(sent, token_for(secret, seed)):
        raise Forbidden(
            "The form or request is missing a valid CSRF token; reload the page and try again.",
            code="csrf_failed",
        )
