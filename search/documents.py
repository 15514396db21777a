"""The index schema: what a search document holds, and which fields search, filter and facet.

Documents are plain dicts (typed below) built by the app from its models; this package never
sees a model. Visibility travels inside each document as `restricted_by`: the keys ("g12" =
private group 12, "a7" = confidential account 7) of everything that restricts it. A viewer
may see a document iff none of its keys is in the viewer's `deny` list, and every backend
applies that inside the engine, so hits, totals, facets and snippets agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

POSTS = "posts"
COMMENTS = "comments"
USERS = "users"
ACCOUNTS = "accounts"
TERMS = "terms"
INDEXES = (POSTS, COMMENTS, USERS, ACCOUNTS, TERMS)

# A visibility key: one lowercase letter naming what restricts, then its id.
RESTRICTION_KEY = re.compile(r"[a-z][0-9]+")

# Marks the engines put around matched words; stripped from indexed text, so they can only
# come from the engine, and replaced by <mark>/</mark> after the text is HTML-escaped.
MARK_PRE = "\x02"
MARK_POST = "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class PostDocument(TypedDict):
    id: int | str
    title: str
    body: str
    kind: str
    author_id: int
    author_handle: str
    author_name: str
    department: str
    accounts: list[str]
    topics: list[str]
    group_id: int | None
    created_at: int
    restricted_by: list[str]
    # A collateral post's catalogue data, lower-cased (empty lists for other posts).
    stage: NotRequired[list[str]]
    industries: NotRequired[list[str]]
    audience: NotRequired[list[str]]


class CommentDocument(TypedDict):
    id: int | str
    post_id: int | str
    body: str
    author_id: int
    author_handle: str
    author_name: str
    department: str
    accounts: list[str]
    topics: list[str]
    created_at: int
    restricted_by: list[str]
    # Whether it is its question's accepted answer (the index's boost field: stored as 1 or
    # 0, missing meaning 0).
    accepted: NotRequired[bool | int]


class UserDocument(TypedDict):
    id: int | str
    handle: str
    name: str
    title: NotRequired[str | None]
    department: str


class AccountDocument(TypedDict):
    id: int | str
    slug: str
    name: str
    industry: str | None
    restricted_by: list[str]


class TermDocument(TypedDict):
    """A glossary term: seen by everyone, so it has no `restricted_by`."""

    id: int | str
    slug: str
    term: str
    aliases: list[str]
    definition: str  # plain text
    status: str  # proposed, agreed or disputed
    updated_at: int


Document = PostDocument | CommentDocument | UserDocument | AccountDocument | TermDocument


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """How one index is searched. `weights` orders the searchable fields by importance."""

    name: str
    type: str  # the API's `type` of a hit
    searchable: tuple[str, ...]
    weights: tuple[float, ...]
    title_field: str | None
    snippet_field: str
    # SearchQuery filter name -> document field
    filters: Mapping[str, str]
    multi_valued: frozenset[str]
    facets: tuple[str, ...]
    has_created_at: bool
    restricted: bool
    # A field holding 1 for documents that rank above otherwise equally matching ones (a
    # comment that is its question's accepted answer); each engine says how far above.
    boost: str | None = None

    @property
    def filterable(self) -> tuple[str, ...]:
        fields = {"id", *self.filters.values(), *self.facets}
        if self.restricted:
            fields.add("restricted_by")
        if self.name == COMMENTS:
            fields.add("post_id")
        return tuple(sorted(fields))


_CONTENT_FILTERS = {
    "account": "accounts",
    "department": "department",
    "author": "author_handle",
    "topic": "topics",
    "since": "created_at",
    "until": "created_at",
}

SPECS: dict[str, IndexSpec] = {
    POSTS: IndexSpec(
        name=POSTS,
        type="post",
        searchable=("title", "body", "author_name", "author_handle", "accounts", "topics"),
        weights=(3.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        title_field="title",
        snippet_field="body",
        filters={
            **_CONTENT_FILTERS,
            "kind": "kind",
            "stage": "stage",
            "industry": "industries",
            "audience": "audience",
        },
        multi_valued=frozenset(
            {"accounts", "topics", "restricted_by", "stage", "industries", "audience"}
        ),
        facets=("department", "kind"),
        has_created_at=True,
        restricted=True,
    ),
    COMMENTS: IndexSpec(
        name=COMMENTS,
        type="comment",
        searchable=("body", "author_name", "author_handle"),
        weights=(1.0, 1.0, 1.0),
        title_field=None,
        snippet_field="body",
        filters=_CONTENT_FILTERS,
        multi_valued=frozenset({"accounts", "topics", "restricted_by"}),
        facets=("department",),
        has_created_at=True,
        restricted=True,
        boost="accepted",
    ),
    USERS: IndexSpec(
        name=USERS,
        type="user",
        searchable=("name", "handle", "title", "department"),
        weights=(3.0, 3.0, 1.0, 1.0),
        title_field="name",
        snippet_field="title",
        filters={"department": "department"},
        multi_valued=frozenset(),
        facets=("department",),
        has_created_at=False,
        restricted=False,
    ),
    ACCOUNTS: IndexSpec(
        name=ACCOUNTS,
        type="account",
        searchable=("name", "slug", "industry"),
        weights=(3.0, 3.0, 1.0),
        title_field="name",
        snippet_field="industry",
        filters={},
        multi_valued=frozenset({"restricted_by"}),
        facets=(),
        has_created_at=False,
        restricted=True,
    ),
    TERMS: IndexSpec(
        name=TERMS,
        type="term",
        # The name and its aliases before the definition (Meilisearch's attribute rule reads
        # this order; FTS5 the weights).
        searchable=("term", "aliases", "definition"),
        weights=(3.0, 3.0, 1.0),
        title_field="term",
        snippet_field="definition",
        filters={"status": "status"},
        multi_valued=frozenset({"aliases"}),
        facets=("status",),
        has_created_at=False,
        restricted=False,
    ),
}


class InvalidDocument(ValueError):
    """A document the schema refuses (a missing `restricted_by` would make it public)."""


def spec_for(index: str) -> IndexSpec:
    try:
        return SPECS[index]
    except KeyError:
        raise ValueError(f"unknown search index {index!r}") from None


def clean_text(value: str) -> str:
    """NFC text with control characters (our highlight placeholders among them) removed."""
    return unicodedata.normalize("NFC", _CONTROL.sub("", value))


def normalize(spec: IndexSpec, doc: Mapping[str, Any]) -> dict[str, Any]:
    """A checked copy of `doc`: an id, text fields as clean strings, visibility keys valid."""
    out = dict(doc)
    doc_id = out.get("id")
    if isinstance(doc_id, bool) or not isinstance(doc_id, int | str) or doc_id == "":
        raise InvalidDocument(f"{spec.name}: document without a valid id: {doc_id!r}")
    if isinstance(doc_id, str) and not re.fullmatch(r"[A-Za-z0-9_-]{1,511}", doc_id):
        raise InvalidDocument(f"{spec.name}: id {doc_id!r} is not [A-Za-z0-9_-]")
    if spec.restricted:
        keys = out.get("restricted_by")
        if not isinstance(keys, list) or not all(
            isinstance(k, str) and RESTRICTION_KEY.fullmatch(k) for k in keys
        ):
            raise InvalidDocument(
                f"{spec.name} {doc_id}: restricted_by must be a list of keys like 'g12'"
            )
    for field in (*spec.searchable, spec.snippet_field):
        value = out.get(field)
        if value is None:
            out[field] = [] if field in spec.multi_valued else ""
        elif isinstance(value, str):
            out[field] = clean_text(value)
        elif isinstance(value, list):
            out[field] = [clean_text(str(v)) for v in value]
    if spec.boost:
        # A number in every document: Meilisearch sorts by numbers or strings only, and
        # after every other document one that lacks the field.
        flag = out.get(spec.boost)
        if flag not in (None, True, False, 0, 1):
            raise InvalidDocument(f"{spec.name} {doc_id}: {spec.boost} must be a boolean")
        out[spec.boost] = int(bool(flag))
    if spec.has_created_at:
        created = out.get("created_at")
        if isinstance(created, bool) or not isinstance(created, int):
            raise InvalidDocument(f"{spec.name} {doc_id}: created_at must be unix seconds")
    return out
