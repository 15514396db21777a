"""User text: find `$account`, `@handle`, `#topic` references and render safe HTML."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

ACCOUNT_RE = re.compile(r"(?<![\w$])\$([a-z0-9][a-z0-9_-]{0,63})", re.IGNORECASE)
MENTION_RE = re.compile(r"(?<![\w@.])@([a-z0-9_]{2,30})", re.IGNORECASE)
TOPIC_RE = re.compile(r"(?<![\w#&])#([^\W_][\w-]{0,63})")
TOPIC_NAME_RE = re.compile(r"^[^\W_][\w-]{0,63}$")


def _unique_lower(matches: list[str]) -> list[str]:
    return list(dict.fromkeys(m.lower() for m in matches))


@dataclass(frozen=True, slots=True)
class References:
    accounts: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


def references(text: str) -> References:
    """Every distinct `$slug`, `@handle` and `#topic` in `text`, lower-cased, in order."""
    return References(
        accounts=_unique_lower(ACCOUNT_RE.findall(text)),
        mentions=_unique_lower(MENTION_RE.findall(text)),
        topics=_unique_lower(TOPIC_RE.findall(text)),
    )


def slugify(text: str) -> str:
    # Accents are folded (Café -> cafe). A name with no Latin letters or digits (日本) gets a
    # stable hash, not a shared fallback: the CSV import matches existing accounts by slug.
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:64].strip("-")
    return slug or "x-" + hashlib.sha256(text.strip().lower().encode()).hexdigest()[:12]


_REFERENCE = {
    "$": (ACCOUNT_RE, "accounts", "/accounts/"),
    "@": (MENTION_RE, "users", "/users/"),
    "#": (TOPIC_RE, None, "/topics/"),
}


def _reference_rule(state: StateInline, silent: bool) -> bool:
    """Link known `$account`s and `@people`, and every `#topic`; the rest stays text."""
    pos = state.pos
    spec = _REFERENCE.get(state.src[pos])
    if spec is None:
        return False
    regex, known_key, prefix = spec
    # match() at `pos` still sees the preceding character for the look-behind.
    match = regex.match(state.src, pos)
    if match is None:
        return False
    name = match.group(1).lower()
    if known_key is not None and name not in state.env.get(known_key, ()):
        return False
    if not silent:
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": prefix + name, "class": "ref"}
        text = state.push("text", "", 0)
        text.content = match.group(0)
        state.push("link_close", "a", -1)
    state.pos = match.end()
    return True


_md = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(["table", "strikethrough"])
_md.inline.ruler.before("emphasis", "tandem_reference", _reference_rule)

_ALLOWED_TAGS = {
    "a", "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "img",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}


def render_markdown(text: str, *, accounts: Any = (), users: Any = ()) -> str:
    """Markdown to sanitized HTML; `accounts`/`users` are the references that exist."""
    html = _md.render(text, {"accounts": set(accounts), "users": set(users)})
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
