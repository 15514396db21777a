"""Sign-in, sign-up and sign-out pages: the web session is an API token in an HttpOnly cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.auth import service
from app.auth.deps import SESSION_COOKIE, Principal
from app.auth.schemas import SignupRequest
from app.core import csrf
from app.core.deps import AppSettings, DbSession, secret_key
from app.core.errors import AppError, NotFound
from app.demo.logins import demo_logins
from app.users import service as users
from app.users.schemas import UserCreate
from app.web.context import render_anonymous, safe_next, see_other

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=256)]


async def _check_pre_session(request: Request) -> None:
    await csrf.require(
        request, secret=secret_key(request), seed=request.cookies.get(csrf.PRE_SESSION_COOKIE)
    )


def _signed_in(request: Request, token: str, target: str, ttl_hours: int) -> Response:
    response = see_other(target)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=ttl_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(csrf.PRE_SESSION_COOKIE)
    return response


def _login_page(
    request: Request,
    settings: AppSettings,
    target: str | None,
    *,
    status: int = 200,
    **context: object,
) -> Response:
    return render_anonymous(
        request,
        "auth/login.html",
        status=status,
        next=safe_next(target),
        demo_logins=demo_logins() if settings.demo else [],
        **context,
    )


@router.get("/login")
async def login_page(request: Request, settings: AppSettings) -> Response:
    return _login_page(request, settings, request.query_params.get("next"))


@router.post("/login")
async def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    email: FormText = "",
    password: FormText = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    await _check_pre_session(request)
    try:
        token = await service.login(
            session,
            email=email,
            password=password,
            client=request.client.host if request.client else "unknown",
            limiter=request.app.state.login_limiter,
            ttl_hours=settings.token_ttl_hours,
        )
    except AppError as exc:
        return _login_page(
            request, settings, next, status=exc.status, error=exc.message, email=email
        )
    return _signed_in(request, token, safe_next(next), settings.token_ttl_hours)


@router.post("/logout")
async def logout(request: Request, session: DbSession, _principal: Principal) -> Response:
    # The principal dependency has checked the CSRF token of this cookie-borne request.
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await service.revoke(session, token=token)
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/signup")
async def signup_page(request: Request, settings: AppSettings) -> Response:
    if not settings.allow_signup:
        raise NotFound("Self-signup is turned off; ask an admin for an account.")
    return render_anonymous(request, "auth/signup.html", values={})


@router.post("/signup")
async def signup(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    email: FormText = "",
    password: FormText = "",
    display_name: FormText = "",
    handle: FormText = "",
    department: FormText = "",
) -> Response:
    if not settings.allow_signup:
        raise NotFound("Self-signup is turned off; ask an admin for an account.")
    await _check_pre_session(request)
    values = {
        "email": email,
        "display_name": display_name,
        "handle": handle,
        "department": department,
    }
    try:
        body = SignupRequest(password=password, **values)
        user = await users.create(session, data=UserCreate(**body.model_dump()))
    except ValidationError as exc:
        errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return render_anonymous(
            request, "auth/signup.html", status=422, errors=errors, values=values
        )
    except AppError as exc:
        return render_anonymous(
            request, "auth/signup.html", status=exc.status, errors=[exc.message], values=values
        )
    token = await service.issue_token(session, user=user, ttl_hours=settings.token_ttl_hours)
    return _signed_in(request, token, "/", settings.token_ttl_hours)
