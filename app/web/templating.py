"""The one Jinja2 environment (frontend/templates), the filters and labels every page uses."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from app.files.sniff import IMAGE_TYPES
from app.files.sniff import label as file_label
from app.posts.models import PostKind
from app.users.models import Department

# frontend/ sits beside app/: in the repository (editable install) and in site-packages
# (the wheel ships it as package data), so one relative path serves both.
FRONTEND_DIR = Path(__file__).resolve().parents[2] / "frontend"
TEMPLATES_DIR = FRONTEND_DIR / "templates"
STATIC_DIR = FRONTEND_DIR / "static"

# No inline script or style anywhere: scripts are modules under /static, behaviour is wired
# by data attributes. User images may come from any https host.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        # CSP3: 'self' also matches ws:/wss: on our own host (Chromium, Firefox, Safari), so the
        # live socket needs no scheme-wide ws: wss: that would let a script reach any host.
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

DEPARTMENT_LABELS = {
    Department.sales.value: "Sales",
    Department.marketing.value: "Marketing",
    Department.customer_success.value: "Customer success",
    Department.product.value: "Product",
    Department.leadership.value: "Leadership",
    Department.other.value: "Other",
}
KIND_LABELS = {
    PostKind.update.value: "Update",
    PostKind.blog.value: "Blog post",
    PostKind.win_story.value: "Win story",
    PostKind.question.value: "Question",
    PostKind.collateral.value: "Collateral",
}
# How a collateral post's words read on the pages (the API keeps the values).
COLLATERAL_LABELS = {
    "stages": {
        "awareness": "Awareness",
        "consideration": "Consideration",
        "decision": "Decision",
        "post_sale": "Post-sale",
    },
    "statuses": {
        "active": "Active",
        "needs_revision": "Needs revision",
        "retired": "Retired",
    },
    "verdicts": {
        "helped": "Helped",
        "neutral": "Neutral",
        "hurt": "Hurt the deal",
        "not_used": "Not used",
    },
    "reasons": {
        "outdated": "Outdated",
        "wrong_audience": "Wrong audience",
        "inaccurate": "Inaccurate",
        "too_long": "Too long",
        "missing_proof": "Missing proof",
        "missing_pricing": "Missing pricing",
        "other": "Other",
    },
    "deal_stages": {
        "prospecting": "Prospecting",
        "discovery": "Discovery",
        "evaluation": "Evaluation",
        "proposal": "Proposal",
        "negotiation": "Negotiation",
        "closed_won": "Closed won",
        "closed_lost": "Closed lost",
    },
}
WORDS_PER_MINUTE = 220
_WORD = re.compile(r"\w+")


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def human_time(moment: datetime, now: datetime | None = None) -> str:
    """'just now', '3 min ago', '5 h ago', 'yesterday', '4 days ago', then the date."""
    moment = _aware(moment)
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < 45:
        return "just now"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = round(seconds / 3600)
    if hours < 24:
        return f"{hours} h ago"
    days = int(seconds // 86400)
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    if moment.year == (now or datetime.now(UTC)).year:
        return f"{moment.day} {moment:%b}"
    return f"{moment.day} {moment:%b %Y}"


def exact_time(moment: datetime) -> str:
    """The full UTC time, for the hover title."""
    return _aware(moment).strftime("%Y-%m-%d %H:%M UTC")


def iso_time(moment: datetime) -> str:
    return _aware(moment).isoformat()


def department_label(department: str) -> str:
    return DEPARTMENT_LABELS.get(str(department), str(department).replace("_", " ").title())


def reading_time(text: str) -> str:
    minutes = max(1, math.ceil(len(_WORD.findall(text)) / WORDS_PER_MINUTE))
    return f"{minutes} min read"


def file_size(size: int) -> str:
    """'812 bytes', '48 KB', '3.2 MB' (decimal units, as file managers show them)."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{round(size / 1000)} KB"
    return f"{size / 1_000_000:.1f} MB"


def initials(name: str) -> str:
    parts = [p for p in name.split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@pass_context
def with_terms(context: Context, fragment: str) -> Markup:
    """Sanitized post or comment HTML with the page's glossary terms marked (`terms`, set by
    the page context; as it is on pages without one)."""
    terms = context.get("terms")
    return terms.mark(fragment) if terms is not None else Markup(fragment)


templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.autoescape = True  # every template, whatever its extension
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True
templates.env.filters.update(
    human_time=human_time,
    exact_time=exact_time,
    iso_time=iso_time,
    department=department_label,
    reading_time=reading_time,
    initials=initials,
    file_size=file_size,
    file_label=file_label,
    with_terms=with_terms,
)
templates.env.globals["departments"] = list(DEPARTMENT_LABELS.items())
templates.env.globals["kinds"] = KIND_LABELS
templates.env.globals["image_types"] = IMAGE_TYPES
templates.env.globals["collateral_labels"] = COLLATERAL_LABELS


def render(
    request: Request, name: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """A template as a page response, with the security headers every page carries."""
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(PAGE_HEADERS)
    return response
