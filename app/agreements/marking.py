"""Glossary terms marked in posts and comments as pages render them.

Marking happens at render time, so a definition agreed a second ago shows on every page at
once. Each process keeps one compiled matcher and rebuilds it when the glossary's stamp (how
many terms, when one last changed: one small query per page) moves. The matcher walks the
sanitized HTML's text between tags, never inside a tag, a link or code, and marks the first
occurrence of each term or alias in the post (case-insensitive, whole words): an agreed term
with its agreed definition, a proposed or disputed one as "not agreed yet".
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.agreements import repository
from app.agreements.models import Signable, Status, SubjectKind
from app.agreements.service import key_of
from app.core.text import render_markdown

TIP_CHARACTERS = 280
# Marked posts each process keeps per glossary version (a feed's posts are read again and again).
MARKED_KEPT = 4096
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)")
# Text inside these is left as it is: a link is already a link, code is literal.
_SKIP = frozenset({"a", "code", "pre"})
_STRIP = re.compile(r"<[^>]+>")
_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Entry:
    slug: str
    term: str
    agreed: bool
    status: Status
    # The current version's definition, plain text (the agreed one when `agreed`).
    definition: str


def _plain(markdown: str) -> str:
    text = html.unescape(_STRIP.sub(" ", render_markdown(markdown)))
    text = " ".join(text.split())
    return text if len(text) <= TIP_CHARACTERS else text[: TIP_CHARACTERS - 1].rstrip() + "…"


def _trie(words: list[str]) -> str:
    """One regular expression for `words` as a trie (`(?:ca(?:mpaign|se study))`): Python's
    engine tries an alternation branch by branch, a trie a character at a time."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + build(node[char]) for char in sorted(node) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


class Marker:
    """One compiled glossary: `mark(html)` gives the post's HTML with its terms marked.

    Text is matched lower-cased against the lower-cased names (4x quicker than a
    case-insensitive match), and a post's marked HTML is kept for the next page that shows it.
    """

    def __init__(self, entries: dict[str, Entry]) -> None:
        # Each name and alias as it appears in the HTML, lower-cased: its term and the markup
        # around it (`{id}` for the tip's id, `{word}` for the word as written).
        self._entries = {html.escape(n).lower(): e for n, e in entries.items()}
        self._markup = {e.slug: _markup(e) for e in entries.values()}
        names = list(self._entries)
        source = r"(?<![\w-])(" + _trie(names) + r")(?![\w-])"
        self._pattern = re.compile(source) if names else None
        self._anycase = re.compile(source, re.IGNORECASE) if names else None
        self.mark = lru_cache(maxsize=MARKED_KEPT)(self._mark)  # type: ignore[method-assign]

    def __bool__(self) -> bool:
        return self._pattern is not None

    def mark(self, fragment: str) -> Markup:
        return self._mark(fragment)

    def _mark(self, fragment: str) -> Markup:
        if self._pattern is None or not fragment:
            return Markup(fragment)
        marked: set[str] = set()
        out: list[str] = []
        skipping = 0
        for piece in _TAG.split(fragment):
            if piece.startswith("<"):
                found = _TAG_NAME.match(piece)
                if found and found.group(2).lower() in _SKIP and not piece.endswith("/>"):
                    skipping += -1 if found.group(1) else 1
                    skipping = max(skipping, 0)
                out.append(piece)
            elif skipping or not piece:
                out.append(piece)
            else:
                out.append(self._text(piece, marked))
        return Markup("".join(out))

    def _text(self, piece: str, marked: set[str]) -> str:
        lowered = piece.lower()
        if len(lowered) != len(piece):  # a character whose lower case is longer: slow path
            assert self._anycase is not None
            return self._anycase.sub(lambda m: self._one(m.group(0), marked), piece)
        assert self._pattern is not None
        out, last = [], 0
        for match in self._pattern.finditer(lowered):
            start, end = match.span()
            out += [piece[last:start], self._one(piece[start:end], marked)]
            last = end
        if not out:
            return piece
        out.append(piece[last:])
        return "".join(out)

    def _one(self, word: str, marked: set[str]) -> str:
        entry = self._entries.get(" ".join(word.lower().split()))
        if entry is None or entry.slug in marked:
            return word
        marked.add(entry.slug)
        before, between, after = self._markup[entry.slug]
        tip = f"term-tip-{next(_ids)}"
        return f"{before}{tip}{between}{word}{after.replace('{id}', tip, 1)}"


def _markup(entry: Entry) -> tuple[str, str, str]:
    """The markup of a marked word, in three pieces around the tip's id and the word."""
    state = "Agreed" if entry.agreed else f"Not agreed yet ({entry.status.value})"
    kind = "agreed" if entry.agreed else "pending"
    return (
        f'<span class="term term--{kind}"><a class="term__word" '
        f'href="/glossary/{html.escape(entry.slug)}" aria-describedby="',
        '">',
        '</a><span class="term__tip" role="tooltip" id="{id}">'
        f"<strong>{html.escape(entry.term)}</strong> · {state}<br>"
        f"{html.escape(entry.definition)}</span></span>",
    )


EMPTY = Marker({})
_cache: dict[str, tuple[tuple[int, datetime | None], Marker]] = {}


async def _stamp(session: AsyncSession) -> tuple[int, datetime | None]:
    row = (
        await session.execute(
            select(func.count(), func.max(Signable.updated_at)).where(
                Signable.kind == SubjectKind.term
            )
        )
    ).one()
    return int(row[0] or 0), row[1]


async def marker(session: AsyncSession) -> Marker:
    """The glossary as it is now (rebuilt only when it changed since the last page)."""
    stamp = await _stamp(session)
    if stamp[0] == 0:
        return EMPTY
    key = str(session.get_bind().engine.url)
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    entries: dict[str, Entry] = {}
    for term, signable, aliases in await repository.every_term(session):
        agreed = signable.status is Status.agreed
        entry = Entry(
            slug=term.slug,
            term=term.term,
            agreed=agreed,
            status=signable.status,
            definition=_plain(term.definition),
        )
        for name in (term.term, *aliases):
            entries.setdefault(key_of(name), entry)
    built = Marker(entries)
    _cache[key] = (stamp, built)
    return built
