"""Agreements pages: the glossary and a term's page (its sign-offs, versions and their diff,
the discussion, the posts that use it), the agreements and an agreement's page (its clauses,
sign-offs, the month-by-month scorecard and the hand-kept checks).

A refused form (a rejection without a comment, a stale version, a term already in the
glossary) shows its page again with the refusal in words and what was typed; the services
refuse before they write anything, so nothing of it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import Response
from pydantic import ValidationError

from app.agreements import contracts, glossary, service
from app.agreements.metrics import LOWER_IS_BETTER, UNITS
from app.agreements.models import Metric, Signable, Status
from app.agreements.schemas import (
    AgreementCreate,
    AgreementRead,
    AgreementUpdate,
    CheckCreate,
    ClauseRead,
    ClauseScore,
    CommentCreate,
    Scorecard,
    SignoffCreate,
    SignoffRead,
    TermCreate,
    TermRead,
    TermUpdate,
    VersionRead,
)
from app.core.db import utcnow
from app.core.errors import AppError, Invalid
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageParams, PageQuery
from app.core.types import OneLine, PathId
from app.search_index import service as search
from app.search_index.schemas import SearchHitRead, SearchType
from app.users.models import Department
from app.web.context import Page, PageContext, see_other

router = APIRouter(include_in_schema=False)

Slug = Annotated[str, Path(max_length=64), OneLine]
SearchText = Annotated[str | None, Query(max_length=100), OneLine]
FromVersion = Annotated[int | None, Query(alias="from", ge=1, le=1_000_000)]
ToVersion = Annotated[int | None, Query(alias="to", ge=1, le=1_000_000)]
ClauseNumber = Annotated[int, Path(ge=1, le=50)]
Period = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
FormLine = Annotated[str, Form(max_length=2_000)]
FormText = Annotated[str, Form(max_length=20_000)]
FormRows = Annotated[list[str], Form()]

# How the pages say a clause's metric ("Measured: median hours to first answer, target ≤ 24").
METRIC_WORDS = {
    Metric.question_first_answer_hours.value: "median hours to first answer",
    Metric.collateral_verdicts_per_rep.value: "collateral verdicts per person",
    Metric.story_to_published_days.value: "median days from win story to testimonial",
    Metric.stories_submitted.value: "win stories submitted",
    Metric.cross_department_reply_share.value: "share of replies that cross departments",
}
STATUS_WORDS = {
    Status.agreed.value: "Agreed",
    Status.proposed.value: "Proposed",
    Status.disputed.value: "Disputed",
}
# The months a scorecard shows at most (the latest ones): a column each.
SCORECARD_MONTHS = 12
BLANK_CLAUSE_ROWS = 6
_WORDS = {
    "term": "the term",
    "aliases": "aliases",
    "definition": "the definition",
    "comment": "the comment",
    "body": "the comment",
    "decision": "the decision",
    "version": "the version",
    "title": "the title",
    "period_start": "the start of the period",
    "period_end": "the end of the period",
    "clauses": "clauses",
    "owner_department": "the owner department",
    "text": "the text",
    "metric": "the metric",
    "target": "the target",
    "status": "met or missed",
    "note": "the note",
}
_ONE_OF = {"aliases": "alias", "clauses": "clause"}


def _labels() -> dict[str, Any]:
    """What every agreements page shows in words."""
    return {
        "status_words": STATUS_WORDS,
        "metric_words": METRIC_WORDS,
        "metric_units": {m.value: unit for m, unit in UNITS.items()},
        "lower_is_better": {m.value for m in LOWER_IS_BETTER},
    }


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _field_words(loc: tuple[int | str, ...]) -> str:
    names: list[str] = []
    for part in loc:
        if isinstance(part, int):
            before = names.pop() if names else ""
            names.append(f"{_ONE_OF.get(before, before)} {part + 1}".strip())
        else:
            names.append(_WORDS.get(part, part.replace("_", " ")))
    return ", ".join(names)


def _in_words(exc: ValidationError) -> str:
    """A form's validation errors as sentences ("The definition cannot be empty.")."""
    said = []
    for error in exc.errors():
        where = _field_words(tuple(error["loc"]))
        message = str(error["msg"]).removeprefix("Value error, ")
        last = str(error["loc"][-1]) if error["loc"] else ""
        if error["type"] == "missing" or (
            error["type"] == "string_too_short" and error.get("ctx", {}).get("min_length") == 1
        ):
            sentence = f"{where} cannot be empty" if where else "Something is missing"
        elif error["type"] == "too_short" and last in _ONE_OF:
            sentence = f"at least one {_ONE_OF[last]} is needed"
        elif where:
            sentence = f"{where}: {message[:1].lower()}{message[1:]}"
        else:
            sentence = message
        said.append(_capital(sentence).rstrip(".") + ".")
    return " ".join(dict.fromkeys(said))


def _refusal(exc: ValidationError | AppError) -> tuple[int, str]:
    """The status and the words of a refused form."""
    if isinstance(exc, ValidationError):
        return 422, _in_words(exc)
    return exc.status, exc.message


def _names(text: str) -> list[str]:
    """Comma-separated names, as the alias field takes them."""
    return [name for name in (part.strip() for part in text.split(",")) if name]


def _signoff(decision: str, comment: str, version: str) -> SignoffCreate:
    return SignoffCreate.model_validate(
        {
            "decision": decision,
            "comment": comment.strip() or None,
            "version": version.strip() or None,
        }
    )


def _signer(ctx: PageContext, shape: TermRead | AgreementRead) -> SignoffRead | None:
    """The viewer's own decision on the current version, if they gave one."""
    return next((s for s in shape.signoffs if s.user.id == ctx.user.id), None)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two versions and the word-by-word change between them."""

    before: int
    after: int
    runs: list[tuple[str, str]]
    numbers: list[int]


def _compare(
    versions: list[VersionRead], before: int | None, after: int | None
) -> Comparison | None:
    """The diff the page shows: the versions asked for, or the previous one against the
    current one (None while there is only one and none was asked for)."""
    by_number = {v.version: v for v in versions}
    if not by_number or (len(by_number) < 2 and before is None and after is None):
        return None
    current = max(by_number)
    after = current if after is None else after
    before = after - 1 if before is None else before
    for number in (before, after):
        if number not in by_number:
            raise Invalid(
                f"There is no version {number}: the versions are 1 to {current}.",
                field="query.from" if number == before else "query.to",
                code="unknown_version",
            )
    runs = service.word_diff(
        service.version_text(by_number[before].content),
        service.version_text(by_number[after].content),
    )
    return Comparison(before=before, after=after, runs=runs, numbers=sorted(by_number))


def _signed(
    ctx: PageContext,
    signable: Signable,
    shape: TermRead | AgreementRead,
    compare: tuple[int | None, int | None],
) -> dict[str, Any]:
    """What a term's page and an agreement's page share: who may sign and edit, the
    viewer's own decision, the diff."""
    return {
        "may_sign": service.may_sign(ctx.user, signable),
        "may_edit": service.may_edit(ctx.user, signable),
        "mine": _signer(ctx, shape),
        "comparison": _compare(shape.versions, *compare),
        **_labels(),
    }


async def _thread(ctx: PageContext, signable: Signable) -> dict[str, Any]:
    thread, more = await service.discussion(
        ctx.session, signable, PageParams(limit=MAX_LIMIT, cursor=None)
    )
    return {"thread": thread, "thread_more": more is not None}


# The glossary.


async def _glossary(
    ctx: PageContext,
    *,
    page: PageParams,
    q: str | None,
    status: Status | None,
    http_status: int = 200,
    problem: str | None = None,
    existing: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    items, cursor = await glossary.list_terms(ctx.session, q=q, status=status, page=page)
    return ctx.render(
        "agreements/glossary.html",
        status=http_status,
        section="glossary",
        items=items,
        next_cursor=cursor,
        q=q or "",
        shown=status.value if status else "",
        problem=problem,
        existing=existing,
        values=values or {},
        **_labels(),
    )


@router.get("/glossary")
async def glossary_page(
    ctx: Page, page: PageQuery, q: SearchText = None, status: Status | None = None
) -> Response:
    return await _glossary(ctx, page=page, q=q, status=status)


@router.post("/glossary")
async def propose_term(
    ctx: Page, term: FormLine = "", aliases: FormLine = "", definition: FormText = ""
) -> Response:
    values = {"term": term, "aliases": aliases, "definition": definition}
    try:
        data = TermCreate.model_validate(
            {"term": term, "aliases": _names(aliases), "definition": definition}
        )
        created = await glossary.propose(ctx.session, user=ctx.user, data=data)
    except (ValidationError, AppError) as exc:
        http_status, problem = _refusal(exc)
        existing = None
        if isinstance(exc, AppError) and exc.code == "term_exists" and exc.details:
            existing = str(exc.details[0].get("slug") or "") or None
        return await _glossary(
            ctx,
            page=PageParams(limit=DEFAULT_LIMIT, cursor=None),
            q=None,
            status=None,
            http_status=http_status,
            problem=problem,
            existing=existing,
            values=values,
        )
    return see_other(f"/glossary/{created.slug}")


async def _posts_using(ctx: PageContext, words: str) -> tuple[list[SearchHitRead], str | None]:
    """The first posts the viewer may see that use `words`, from the search engine (it hands
    the session's connection back first: call it last)."""
    params = search.SearchParams(q=words, type=SearchType.post, limit=10)
    try:
        found = await search.search(
            ctx.session,
            ctx.request.app.state.search,
            ctx.viewer,
            params,
            timeout=ctx.settings.search_timeout_seconds,
        )
    except (Invalid, search.SearchDown) as exc:
        return [], exc.message
    return found.hits, None


async def _term(
    ctx: PageContext,
    slug: str,
    *,
    compare: tuple[int | None, int | None] = (None, None),
    http_status: int = 200,
    problem: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    term, signable = await glossary.get(ctx.session, slug)
    shape = await glossary.read(ctx.session, term, signable, ctx.user)
    signed = _signed(ctx, signable, shape, compare)
    thread = await _thread(ctx, signable)
    hits, search_problem = await _posts_using(ctx, term.term)
    return ctx.render(
        "agreements/term.html",
        status=http_status,
        section="glossary",
        term=shape,
        base=f"/glossary/{shape.slug}",
        hits=hits,
        search_problem=search_problem,
        problem=problem,
        values=values or {},
        **signed,
        **thread,
    )


@router.get("/glossary/{slug}")
async def term_page(
    slug: Slug, ctx: Page, before: FromVersion = None, after: ToVersion = None
) -> Response:
    return await _term(ctx, slug, compare=(before, after))


@router.post("/glossary/{slug}/signoffs")
async def sign_term(
    slug: Slug, ctx: Page, decision: FormLine = "", comment: FormText = "", version: FormLine = ""
) -> Response:
    try:
        data = _signoff(decision, comment, version)
        await glossary.sign(ctx.session, user=ctx.user, slug=slug, data=data)
    except (ValidationError, AppError) as exc:
        http_status, problem = _refusal(exc)
        return await _term(
            ctx, slug, http_status=http_status, problem=problem, values={"comment": comment}
        )
    return see_other(f"/glossary/{slug}#signoff")


@router.post("/glossary/{slug}/edit")
async def edit_term(
    slug: Slug, ctx: Page, definition: FormText = "", aliases: FormLine = ""
) -> Response:
    try:
        data = TermUpdate.model_validate({"definition": definition, "aliases": _names(aliases)})
        await glossary.edit(ctx.session, user=ctx.user, slug=slug, data=data)
    except (ValidationError, AppError) as exc:
        http_status, problem = _refusal(exc)
        return await _term(
            ctx,
            slug,
            http_status=http_status,
            problem=problem,
            values={"definition": definition, "aliases": aliases},
        )
    return see_other(f"/glossary/{slug}")


@router.post("/glossary/{slug}/follow")
async def follow_term(slug: Slug, ctx: Page, follow: bool = True) -> Response:
    signable = await glossary.signable_of(ctx.session, slug)
    if follow:
        await service.follow(ctx.session, signable, user=ctx.user)
    else:
        await service.unfollow(ctx.session, signable, user=ctx.user)
    return see_other(f"/glossary/{slug}")


@router.post("/glossary/{slug}/comments")
async def discuss_term(slug: Slug, ctx: Page, body: FormText = "") -> Response:
    signable = await glossary.signable_of(ctx.session, slug)
    try:
        data = CommentCreate.model_validate({"body": body})
    except ValidationError as exc:
        return await _term(
            ctx, slug, http_status=422, problem=_in_words(exc), values={"body": body}
        )
    comment = await service.discuss(ctx.session, signable, user=ctx.user, body=data.body)
    return see_other(f"/glossary/{slug}#comment-{comment.id}")


# Agreements.


def _clause_rows(
    owners: list[str], texts: list[str], metrics: list[str], targets: list[str]
) -> list[dict[str, str]]:
    """The form's clause rows as typed; a row without text is a blank row, left out."""
    rows = zip_longest(owners, texts, metrics, targets, fillvalue="")
    return [
        {"owner_department": o, "text": t, "metric": m, "target": g.strip()}
        for o, t, m, g in list(rows)[:50]
        if t.strip()
    ]


def _clauses_in(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "owner_department": row["owner_department"],
            "text": row["text"],
            "metric": row["metric"] or None,
            "target": row["target"] or None,
        }
        for row in rows
    ]


def _rows_of(clauses: list[ClauseRead]) -> list[dict[str, str]]:
    """An agreement's clauses as the edit form's rows."""
    return [
        {
            "owner_department": c.owner_department.value,
            "text": c.text,
            "metric": c.metric.value if c.metric else "",
            "target": "" if c.target is None else f"{c.target:g}",
        }
        for c in clauses
    ]


def _with_blanks(
    rows: list[dict[str, str]], at_least: int = BLANK_CLAUSE_ROWS
) -> list[dict[str, str]]:
    blank = {"owner_department": "", "text": "", "metric": "", "target": ""}
    return [*rows, *[dict(blank) for _ in range(max(2, at_least - len(rows)))]]


def _owners(required: list[str] | list[Department]) -> list[str]:
    return [Department(d).value for d in required]


async def _agreements(
    ctx: PageContext,
    *,
    page: PageParams,
    status: Status | None,
    http_status: int = 200,
    problem: str | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    items, cursor = await contracts.list_agreements(ctx.session, status=status, page=page)
    values = values or {}
    return ctx.render(
        "agreements/list.html",
        status=http_status,
        section="agreements",
        items=items,
        next_cursor=cursor,
        shown=status.value if status else "",
        may_propose=ctx.user.is_lead or ctx.user.is_admin,
        problem=problem,
        values=values,
        rows=_with_blanks(values.get("rows", [])),
        owners=_owners(list(service.DEFAULT_DEPARTMENTS)),
        **_labels(),
    )


@router.get("/agreements")
async def agreements_page(ctx: Page, page: PageQuery, status: Status | None = None) -> Response:
    return await _agreements(ctx, page=page, status=status)


@router.post("/agreements")
async def propose_agreement(
    ctx: Page,
    title: FormLine = "",
    period_start: FormLine = "",
    period_end: FormLine = "",
    clause_owner: FormRows = [],  # noqa: B006 (FastAPI copies defaults)
    clause_text: FormRows = [],  # noqa: B006
    clause_metric: FormRows = [],  # noqa: B006
    clause_target: FormRows = [],  # noqa: B006
) -> Response:
    rows = _clause_rows(clause_owner, clause_text, clause_metric, clause_target)
    body: dict[str, Any] = {"title": title, "clauses": _clauses_in(rows)}
    body.update(
        {k: v for k, v in (("period_start", period_start), ("period_end", period_end)) if v}
    )
    try:
        created = await contracts.propose(
            ctx.session, user=ctx.user, data=AgreementCreate.model_validate(body)
        )
    except (ValidationError, AppError) as exc:
        http_status, problem = _refusal(exc)
        values = {
            "title": title,
            "period_start": period_start,
            "period_end": period_end,
            "rows": rows,
        }
        return await _agreements(
            ctx,
            page=PageParams(limit=DEFAULT_LIMIT, cursor=None),
            status=None,
            http_status=http_status,
            problem=problem,
            values=values,
        )
    return see_other(f"/agreements/{created.id}")


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """A clause of the scorecard and its score in each month shown, oldest first."""

    clause: ClauseRead
    cells: list[tuple[str, ClauseScore]]


def _scoreboard(
    clauses: list[ClauseRead], cards: list[Scorecard]
) -> tuple[list[ScoreRow], dict[str, int]]:
    """The table (clauses by months) and its footnotes: each reason a figure is unknown,
    numbered in reading order."""
    by_month = [(card.period, {s.number: s for s in card.clauses}) for card in cards]
    rows = [
        ScoreRow(clause=c, cells=[(period, scores[c.number]) for period, scores in by_month])
        for c in clauses
    ]
    notes: dict[str, int] = {}
    for row in rows:
        for _, score in row.cells:
            if score.actual is None and score.check is None and score.reason:
                notes.setdefault(score.reason, len(notes) + 1)
    return rows, notes


async def _agreement(
    ctx: PageContext,
    agreement_id: int,
    *,
    compare: tuple[int | None, int | None] = (None, None),
    http_status: int = 200,
    problem: str | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    agreement, signable = await contracts.get(ctx.session, agreement_id)
    shape = await contracts.read(ctx.session, agreement, signable, ctx.user)
    today = utcnow().date()
    months = contracts.months_of(agreement, today)[-SCORECARD_MONTHS:]
    cards = await contracts.scorecards(ctx.session, agreement, signable, months)
    rows, notes = _scoreboard(shape.clauses, cards)
    values = values or {}
    return ctx.render(
        "agreements/detail.html",
        status=http_status,
        section="agreements",
        agreement=shape,
        base=f"/agreements/{shape.id}",
        months=[(m.label, f"{m.start:%b %Y}") for m in months],
        this_month=f"{today:%Y-%m}",
        score_rows=rows,
        notes=notes,
        problem=problem,
        values=values,
        rows=_with_blanks(values.get("rows") or _rows_of(shape.clauses), at_least=0),
        owners=_owners(shape.required_departments),
        **_signed(ctx, signable, shape, compare),
        **await _thread(ctx, signable),
    )


@router.get("/agreements/{agreement_id}")
async def agreement_page(
    agreement_id: PathId, ctx: Page, before: FromVersion = None, after: ToVersion = None
) -> Response:
    return await _agreement(ctx, agreement_id, compare=(before, after))


@router.post("/agreements/{agreement_id}/signoffs")
async def sign_agreement(
    agreement_id: PathId,
    ctx: Page,
    decision: FormLine = "",
    comment: FormText = "",
    version: FormLine = "",
) -> Response:
    try:
        data = _signoff(decision, comment, version)
        await contracts.sign(ctx.session, user=ctx.user, agreement_id=agreement_id, data=data)
    except (ValidationError, AppError) as exc:
        http_status, problem = _refusal(exc)
        return await _agreement(
            ctx, agreement_id, http_status=http_status, problem=problem, values={"comment": comment}
        )
    return see_other(f"/agreements/{agreement_id}#signoff")


@router.post("/agreements/{agreement_id}/edit")
async def edit_agreement(
    agreement_id: PathId,
    ctx: Page,
    title: FormLine = "",
    clause_owner: FormRows = [],  # noqa: B006 (FastAPI copies defaults)
    clause_text: FormRows = [],  # noqa: B006
    clause_metric: FormRows = [],  # noqa: B006
    clause_target: FormRows = [],  # noqa: B006
) -> Response:
    rows = _clause_rows(clause_owner, clause_text, clause_metric, clause_target)
    try:
        data = AgreementUpdate.model_validate({"title": title, "clauses": _clauses_in(rows)})
        await contracts.edit(ctx.session, user=ctx.user, agreement_id=agreement_id, data=data)
    except (ValidationError, AppError) as exc:
        http_status, problem = _refusal(exc)
        return await _agreement(
            ctx,
            agreement_id,
            http_status=http_status,
            problem=problem,
            values={"title": title, "rows": rows},
        )
    return see_other(f"/agreements/{agreement_id}")


@router.post("/agreements/{agreement_id}/follow")
async def follow_agreement(agreement_id: PathId, ctx: Page, follow: bool = True) -> Response:
    signable = await contracts.signable_of(ctx.session, agreement_id)
    if follow:
        await service.follow(ctx.session, signable, user=ctx.user)
    else:
        await service.unfollow(ctx.session, signable, user=ctx.user)
    return see_other(f"/agreements/{agreement_id}")


@router.post("/agreements/{agreement_id}/comments")
async def discuss_agreement(agreement_id: PathId, ctx: Page, body: FormText = "") -> Response:
    signable = await contracts.signable_of(ctx.session, agreement_id)
    try:
        data = CommentCreate.model_validate({"body": body})
    except ValidationError as exc:
        return await _agreement(
            ctx, agreement_id, http_status=422, problem=_in_words(exc), values={"body": body}
        )
    comment = await service.discuss(ctx.session, signable, user=ctx.user, body=data.body)
    return see_other(f"/agreements/{agreement_id}#comment-{comment.id}")


@router.post("/agreements/{agreement_id}/clauses/{number}/checks/{period}")
async def record_check(
    agreement_id: PathId,
    number: ClauseNumber,
    period: Period,
    ctx: Page,
    status: FormLine = "",
    note: FormText = "",
) -> Response:
    try:
        data = CheckCreate.model_validate({"status": status, "note": note.strip() or None})
        await contracts.record_check(
            ctx.session,
            user=ctx.user,
            agreement_id=agreement_id,
            number=number,
            period=period,
            data=data,
        )
    except (ValidationError, AppError) as exc:
        http_status, problem = _refusal(exc)
        return await _agreement(ctx, agreement_id, http_status=http_status, problem=problem)
    return see_other(f"/agreements/{agreement_id}#scorecard")
