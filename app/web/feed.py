"""A page built around a feed of posts (home, account, person, topic, group)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi.responses import Response

from app.posts import service as posts
from app.posts.schemas import PostRead
from app.web.context import PageContext


async def feed_page(
    ctx: PageContext, name: str, items: list[PostRead], cursor: str | None, **context: Any
) -> Response:
    """The feed's cards with the viewer's reactions; `?fragment=1` answers only the next
    cards (load more)."""
    reacted = await posts.reacted_kinds(ctx.session, ctx.user.id, [p.id for p in items])
    params = {k: v for k, v in ctx.request.query_params.items() if k not in {"cursor", "fragment"}}
    more = f"?{urlencode({**params, 'cursor': cursor})}" if cursor else None
    template = "_feed_items.html" if ctx.request.query_params.get("fragment") else name
    return ctx.render(
        template, posts=items, next_cursor=cursor, more_url=more, reacted=reacted, **context
    )
