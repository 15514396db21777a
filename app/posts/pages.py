"""Post pages: reading a post with its comments, writing and editing posts and blogs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from app.auth.deps import Principal
from app.core.deps import DbSession
from app.core.errors import Invalid, NotFound
from app.core.pagination import MAX_LIMIT, PageParams
from app.core.text import render_markdown
from app.core.types import PathId
from app.files.deps import FileStorage
from app.groups import service as groups
from app.posts import service
from app.posts.models import Post, PostKind, ReactionKind
from app.posts.schemas import CommentCreate, CommentRead, PostCreate, PostUpdate
from app.web.context import Page, PageContext, parse_form, safe_next, see_other
from app.web.templating import KIND_LABELS, PAGE_HEADERS

router = APIRouter(include_in_schema=False)

BodyField = Annotated[str, Form(max_length=200_000)]
ShortField = Annotated[str, Form(max_length=2000)]
# The composer's uploaded files, one hidden field each (its script adds them).
AttachmentsField = Annotated[list[int], Form()]


def _slugs(text: str) -> list[str]:
    return [s for s in (part.strip().lstrip("$") for part in text.replace(",", " ").split()) if s]


async def _visible(ctx: PageContext, post_id: int) -> Post:
    return await service.get_visible(ctx.session, ctx.viewer, post_id)


def _words(text: str) -> list[str]:
    return [w for w in (part.strip() for part in text.split(",")) if w]


def _collateral(kind: str, stage: str, audience: str, industries: str) -> dict[str, Any] | None:
    """A collateral post's catalogue data from the form (its domain checks it)."""
    if kind != PostKind.collateral.value:
        return None
    return {"stage": stage, "audience": _words(audience), "industries": _words(industries)}


# A win story's fields: the form's `story_problem` is the API's `story.problem`.
STORY_FIELDS = ("problem", "solution", "outcome", "quote", "customer_contact")
STORY_PARTS = {"problem": "the problem", "solution": "the solution", "outcome": "the outcome"}


def _story(kind: str, *given: str, edit: bool = False) -> dict[str, Any] | None:
    """A win story's structured fields from the form (`STORY_FIELDS`, in order), when any is
    filled; its domain checks them. The problem, the solution and the outcome come together."""
    if kind != PostKind.win_story.value:
        return None
    fields = {name: value.strip() for name, value in zip(STORY_FIELDS, given, strict=True)}
    if not any(fields.values()):
        return None
    missing = [words for name, words in STORY_PARTS.items() if not fields[name]]
    if missing:
        said = " and ".join([", ".join(missing[:-1]), missing[-1]] if len(missing) > 1 else missing)
        rest = "" if edit else ", or leave every story field empty to tell it in the post alone"
        raise Invalid(
            "A win story needs the problem, the solution and the outcome together: "
            f"add {said}{rest}.",
            field="body.story",
        )
    # An optional one left empty is none (on an edit: cleared).
    return {name: value or None for name, value in fields.items()}


@router.get("/posts/new")
async def new_post(ctx: Page, kind: str = "update") -> Response:
    my_groups, _ = await groups.list_groups(
        ctx.session, ctx.viewer, page=PageParams(limit=MAX_LIMIT, cursor=None)
    )
    return ctx.render(
        "posts/editor.html",
        post=None,
        kind=kind if kind in KIND_LABELS else "update",
        groups=[g for g in my_groups if g.id in ctx.viewer.group_ids],
    )


@router.post("/posts")
async def create_post(
    ctx: Page,
    body: BodyField = "",
    kind: ShortField = "update",
    title: ShortField = "",
    accounts: ShortField = "",
    group: ShortField = "",
    next: ShortField = "",
    attachments: AttachmentsField = [],  # noqa: B006 (FastAPI copies defaults)
    collateral_stage: ShortField = "",
    collateral_audience: ShortField = "",
    collateral_industries: ShortField = "",
    to_department: ShortField = "",
    story_problem: ShortField = "",
    story_solution: ShortField = "",
    story_outcome: ShortField = "",
    story_quote: ShortField = "",
    story_customer_contact: ShortField = "",
) -> Response:
    story = _story(
        kind, story_problem, story_solution, story_outcome, story_quote, story_customer_contact
    )
    data = parse_form(
        PostCreate,
        {
            "kind": kind,
            "title": title or None,
            "body": body,
            "accounts": _slugs(accounts),
            "group": group or None,
            "attachments": attachments,
            "collateral": _collateral(
                kind, collateral_stage, collateral_audience, collateral_industries
            ),
            "to_department": to_department or None,
            "story": story,
        },
    )
    post = await service.create(ctx.session, author=ctx.user, viewer=ctx.viewer, data=data)
    return see_other(safe_next(next, default=f"/posts/{post.id}"))


@router.post("/posts/preview")
async def preview(_principal: Principal, body: BodyField = "") -> HTMLResponse:
    """The server's rendering of a draft (sanitized like a published post)."""
    return HTMLResponse(render_markdown(body), headers=PAGE_HEADERS)


@router.get("/posts/{post_id}")
async def post_page(post_id: PathId, ctx: Page) -> Response:
    post = await _visible(ctx, post_id)
    shape = await service.read_one(ctx.session, ctx.viewer, post.id)
    newest, _ = await service.list_comments(
        ctx.session, post=post, page=PageParams(limit=MAX_LIMIT, cursor=None)
    )
    comments = list(reversed(newest))
    replies: dict[int, list[CommentRead]] = {}
    for c in comments:
        if c.parent_id is not None:
            replies.setdefault(c.parent_id, []).append(c)
    reacted = await service.reacted_kinds(ctx.session, ctx.user.id, [post.id])
    return ctx.render(
        "posts/detail.html",
        post=shape,
        comments=[c for c in comments if c.parent_id is None],
        replies=replies,
        reacted=reacted,
    )


@router.get("/posts/{post_id}/card")
async def post_card(post_id: PathId, ctx: Page) -> Response:
    """One feed card, for the live stream's "new posts" bar (same check as the post page)."""
    post = await _visible(ctx, post_id)
    shape = await service.read_one(ctx.session, ctx.viewer, post.id)
    reacted = await service.reacted_kinds(ctx.session, ctx.user.id, [post.id])
    return ctx.render("_post_card.html", post=shape, reacted=reacted)


@router.get("/posts/{post_id}/comments/{comment_id}")
async def comment_item(post_id: PathId, comment_id: PathId, ctx: Page) -> Response:
    """One comment as it appears in the thread, for comments arriving live."""
    post = await _visible(ctx, post_id)
    comment = await service.get_comment(ctx.session, post=post, comment_id=comment_id)
    return ctx.render("posts/_comment_item.html", post=post, c=comment)


@router.get("/posts/{post_id}/edit")
async def edit_page(post_id: PathId, ctx: Page) -> Response:
    post = await _visible(ctx, post_id)
    if post.author_id != ctx.user.id:
        raise NotFound("No such post.")
    shape = await service.read_one(ctx.session, ctx.viewer, post.id)
    return ctx.render("posts/editor.html", post=shape, kind=shape.kind.value)


@router.post("/posts/{post_id}/edit")
async def edit_post(
    post_id: PathId,
    ctx: Page,
    storage: FileStorage,
    body: BodyField = "",
    title: ShortField = "",
    collateral_stage: ShortField = "",
    collateral_audience: ShortField = "",
    collateral_industries: ShortField = "",
    attachments: AttachmentsField = [],  # noqa: B006 (FastAPI copies defaults)
    attachments_given: ShortField = "",
    story_given: ShortField = "",
    story_problem: ShortField = "",
    story_solution: ShortField = "",
    story_outcome: ShortField = "",
    story_quote: ShortField = "",
    story_customer_contact: ShortField = "",
) -> Response:
    post = await _visible(ctx, post_id)
    # The editor sends a story's fields only while its words may change (`story_given`).
    story = (
        _story(
            post.kind.value,
            *(story_problem, story_solution, story_outcome, story_quote, story_customer_contact),
            edit=True,
        )
        if story_given
        else None
    )
    data = parse_form(
        PostUpdate,
        {
            "title": title or None,
            "body": body,
            "collateral": _collateral(
                post.kind.value, collateral_stage, collateral_audience, collateral_industries
            ),
            # The editor lists the post's files: what it sends is the new list.
            "attachments": attachments if attachments_given else None,
            "story": story,
        },
    )
    await service.update_post(
        ctx.session, actor=ctx.user, viewer=ctx.viewer, post=post, data=data, storage=storage
    )
    return see_other(f"/posts/{post.id}")


@router.post("/posts/{post_id}/delete")
async def delete_post(post_id: PathId, ctx: Page, storage: FileStorage) -> Response:
    post = await _visible(ctx, post_id)
    await service.delete_post(ctx.session, actor=ctx.user, post=post, storage=storage)
    return see_other("/")


@router.post("/posts/{post_id}/comments")
async def add_comment(
    post_id: PathId,
    ctx: Page,
    body: BodyField = "",
    parent_id: Annotated[int | None, Form(ge=1, le=2**63 - 1)] = None,
) -> Response:
    post = await _visible(ctx, post_id)
    data = parse_form(CommentCreate, {"body": body, "parent_id": parent_id})
    comment = await service.add_comment(
        ctx.session, author=ctx.user, viewer=ctx.viewer, post=post, data=data
    )
    return see_other(f"/posts/{post.id}#comment-{comment.id}")


@router.post("/posts/{post_id}/reactions/{kind}")
async def toggle_reaction(
    post_id: PathId, kind: ReactionKind, ctx: Page, session: DbSession, next: ShortField = ""
) -> Response:
    """The no-JavaScript form of the reaction buttons (scripts call the JSON API)."""
    post = await _visible(ctx, post_id)
    mine = await service.reacted_kinds(session, ctx.user.id, [post.id])
    if kind.value in mine.get(post.id, set()):
        await service.unreact(session, user=ctx.user, post=post, kind=kind)
    else:
        await service.react(session, user=ctx.user, post=post, kind=kind)
    return see_other(safe_next(next, default=f"/posts/{post.id}"))
