"""What every HTML page needs: the signed-in user, their CSRF token, their unread count and
the live stream's position (the web layer: it sits beside `app/main.py`, above the domains)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from app.agreements import marking
from app.agreements.marking import Marker
from app.auth.deps import SESSION_COOKIE, Principal
from app.config import Settings
from app.core import csrf
from app.core.deps import DbSession, secret_key
from app.core.errors import Invalid
from app.notifications import service as notifications
from app.outbox import service as outbox
from app.users.models import User
from app.visibility import Viewer
from app.web.templating import render


@dataclass
class PageContext:
    request: Request
    session: DbSession
    user: User
    viewer: Viewer
    csrf_token: str
    unread: int
    # The live stream's position when the page was read: the page's socket resumes from here,
    # so an event between rendering and connecting is not lost.
    live_after: int
    # The glossary, marked in the posts and comments the page shows.
    terms: Marker

    @property
    def settings(self) -> Settings:
        settings: Settings = self.request.app.state.settings
        return settings

    def render(self, name: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        return render(
            self.request,
            name,
            {
                "me": self.user,
                "viewer": self.viewer,
                "csrf_token": self.csrf_token,
                "unread": self.unread,
                "live_after": self.live_after,
                "terms": self.terms,
                "settings": self.settings,
                **context,
            },
            status=status,
        )


async def _page_context(request: Request, session: DbSession, principal: Principal) -> PageContext:
    user, viewer = principal
    seed = request.cookies.get(SESSION_COOKIE, "")
    return PageContext(
        request=request,
        session=session,
        user=user,
        viewer=viewer,
        csrf_token=csrf.token_for(secret_key(request), seed) if seed else "",
        live_after=await outbox.last_seq(session),
        unread=await notifications.unread_count(session, viewer),
        terms=await marking.marker(session),
    )


# A page for signed-in people: without a session the error handler redirects to /login.
Page = Annotated[PageContext, Depends(_page_context)]


def render_anonymous(
    request: Request, name: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page before sign-in (login, signup, errors): its forms are bound to a pre-session
    cookie, set here when the browser has none yet."""
    seed = request.cookies.get(csrf.PRE_SESSION_COOKIE)
    fresh = seed is None
    seed = seed or secrets.token_urlsafe(24)
    response = render(
        request,
        name,
        {
            "me": None,
            "csrf_token": csrf.token_for(secret_key(request), seed),
            "unread": 0,
            "settings": request.app.state.settings,
            **context,
        },
        status=status,
    )
    if fresh:
        response.set_cookie(
            csrf.PRE_SESSION_COOKIE,
            seed,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response


M = TypeVar("M", bound=BaseModel)


def parse_form(model: type[M], fields: dict[str, Any]) -> M:
    """A form's fields as the API's body `model`, or the error page's 422 saying why not."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]  # said as the error page says it: `where: what`
        raise Invalid(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go back to; anything else (other hosts, //evil) goes home."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


async def error_page(request: Request, status: int, code: str, message: str) -> Response:
    """The error page of the HTML routes (404, 403, 500, ...), in the site's style."""
    titles = {
        403: "Not allowed",
        404: "Page not found",
        500: "Something went wrong",
        503: "Temporarily unavailable",
    }
    title = titles.get(status, "That did not work")
    if message in {"Not Found", "not found"}:  # Starlette's words for an unknown route
        message = "There is nothing at this address."
    return render_anonymous(
        request,
        "error.html",
        status=status,
        title=title,
        message=message,
        code=code,
        status_code=status,
    )
