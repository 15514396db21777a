"""SQLite FTS5 backend: the embedded default, in its own SQLite file beside the app's.

Per index three tables: `<t>_docs` (one row per document: id, the scalar filter columns,
the document as JSON), `<t>_tags` (multi-valued fields as rows: accounts, topics,
restricted_by, a collateral post's stage, industries and audience) and `<t>_fts` (FTS5
over the searchable fields, rowid = the docs rowid, unicode61 with diacritics removed).
All access goes through one connection on one worker thread, so the async API never blocks
the event loop and SQLite sees one writer.

The backend owns its schema (no Alembic: the file is derived from the database and
`tandem reindex` rebuilds it): `ensure_indexes` creates the tables of an index that is
missing, and adds to an older file's docs tables the scalar columns they lack (`status`,
a glossary term's), so a file from an earlier release keeps working without a rebuild.

The MATCH runs alone in a materialized CTE and filters apply to its rows: mixing MATCH
with joins and NOT EXISTS in one WHERE lets the planner drive from the docs table and probe
the FTS index per row. Visibility, filters, totals and facets all read the same filtered
set, so nothing the viewer may not see is counted.

Ranking is bm25 (title weighted x3; a boosted document's, a question's accepted answer among
comments, counted BOOST times), ties newest first. A query whose words match more than
`rank_cutoff` documents (10,000 by default) lists them newest first instead, boosted or not:
scoring every match is what makes a near-universal word slow, and such a word says little
about relevance.
FTS5 has no typo tolerance; the last word is a prefix.

User text never reaches MATCH as syntax: each word becomes a quoted FTS5 string, the last
one a prefix query, and Han/kana characters are indexed and queried one per token (the
unicode61 tokenizer does not segment Japanese or Chinese), so a word inside a run of them
is found as a phrase.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import sqlite3
import unicodedata
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from search.backend import (
    InvalidSearch,
    SearchError,
    SearchHit,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    check_query,
    next_cursor,
    plain_snippet,
    safe_snippet,
)
from search.documents import (
    COMMENTS,
    INDEXES,
    MARK_POST,
    MARK_PRE,
    IndexSpec,
    normalize,
    spec_for,
)

T = TypeVar("T")

_SHADOW_NAME = re.compile(r"([a-z]+)__rebuild_([0-9a-f]{12})")
_SCALARS = ("department", "kind", "author_handle", "post_id", "created_at", "status")
# Columns added after the first release, with their types: ensure_indexes adds them to older
# files (`boost` holds the index's boost field, see IndexSpec.boost).
_ADDED_COLUMNS = {"status": "TEXT", "boost": "INTEGER NOT NULL DEFAULT 0"}
_TAGGED = ("accounts", "topics", "restricted_by", "stage", "industries", "audience")
SNIPPET_TOKENS = 24
# Above this many matching documents, hits come newest first instead of by bm25: scoring
# every match is what makes a query for a near-universal word slow, and a word that is in
# most posts says little about relevance anyway (Meilisearch has searchCutoffMs for this).
RANK_CUTOFF = 10_000
# A boosted document's bm25 counts this many times: an accepted answer ranks above comments
# that match the query about as well (the same words in a comment up to about twice as long,
# or mentioned once more), and below one that matches much better (half again as well or
# more). A factor, not an added constant: bm25's scale changes with the query (rare words
# score higher than common ones, several words higher than one), a factor means the same at
# every scale. Meilisearch sorts on the boost right after `proximity` (search/meili.py).
BOOST = 1.5
MAX_TERMS = 16

# Han, hiragana, katakana (and half-width katakana): scripts written without spaces.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_CJK_CHAR = re.compile(f"([{_CJK}])")
_CJK_GAP = re.compile(f"([{_CJK}][{MARK_PRE}{MARK_POST}]*) +(?=[{MARK_PRE}{MARK_POST}]*[{_CJK}])")
_WORD = re.compile(r"[^\W_]+")


def _split_cjk(text: str) -> str:
    return _CJK_CHAR.sub(r" \1 ", text)


def _join_cjk(text: str) -> str:
    return re.sub(r" {2,}", " ", _CJK_GAP.sub(r"\1", text)).strip()


def match_expression(q: str) -> str | None:
    """A safe FTS5 query for user text: quoted words, all required, the last as a prefix."""
    words = _WORD.findall(unicodedata.normalize("NFC", q))[:MAX_TERMS]
    if not words:
        return None
    terms = ['"' + _split_cjk(w).strip().replace('"', '""') + '"' for w in words]
    terms[-1] += "*"
    return " ".join(terms)


def _fold(word: str) -> str:
    """A word as unicode61 with remove_diacritics compares it: no accents, case-folded."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def highlight(text: str, q: str, words: int = SNIPPET_TOKENS) -> str | None:
    """A cropped passage of `text` with the words of `q` (the last as a prefix) between the
    mark placeholders, computed in Python: for pages of a near-universal word, where asking
    FTS5 for snippet() would walk the word's whole doclist once per hit. None if no word of
    `q` is found (or it is written in a script FTS5 indexes per character)."""
    terms = [_fold(w) for w in _WORD.findall(unicodedata.normalize("NFC", q))[:MAX_TERMS]]
    if not terms or any(_CJK_CHAR.search(t) for t in terms):
        return None
    whole, last = set(terms[:-1]), terms[-1]
    tokens = list(_WORD.finditer(text))

    def hit(token: str) -> bool:
        folded = _fold(token)
        return folded in whole or folded.startswith(last)

    first = next((i for i, m in enumerate(tokens) if hit(m.group())), None)
    if first is None:
        return None
    start = max(0, min(first - words // 4, len(tokens) - words))
    window = tokens[start : start + words]
    out = ["…" if start > 0 else ""]
    position = window[0].start()
    for m in window:
        out.append(text[position : m.start()])
        out.append(f"{MARK_PRE}{m.group()}{MARK_POST}" if hit(m.group()) else m.group())
        position = m.end()
    out.append("…" if start + words < len(tokens) else text[position:])
    return "".join(out)


def _ident(name: str) -> str:
    # Table names come from the schema or from begin_rebuild, never from users; check anyway.
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"bad table name {name!r}")
    return f'"{name}"'


class Fts5Backend:
    """SearchBackend over an SQLite file with FTS5."""

    engine = "sqlite-fts5"
    # Outbox events the indexer takes at once. On SQLite the indexer's transaction holds the
    # database's write lock, so batches stay small; an FTS5 write costs the same in any size.
    drain_batch = 500

    def __init__(self, path: str | Path, *, rank_cutoff: int = RANK_CUTOFF) -> None:
        self.path = str(path)
        self.rank_cutoff = rank_cutoff
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-fts5")
        self._conn: sqlite3.Connection | None = None

    # plumbing (everything below runs on the one worker thread)

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._conn = conn
        return self._conn

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn, *args)
        except sqlite3.OperationalError as exc:
            message = str(exc)
            if "locked" in message or "unable to open" in message or "disk" in message:
                raise SearchUnavailable(f"search database unavailable: {message}") from exc
            raise SearchError(f"search database error: {message}") from exc
        except sqlite3.Error as exc:
            raise SearchError(f"search database error: {exc}") from exc
        except RuntimeError as exc:  # executor shut down
            raise SearchUnavailable(str(exc)) from exc

    def _resolve(self, index: str) -> tuple[str, IndexSpec]:
        shadow = _SHADOW_NAME.fullmatch(index)
        return index, spec_for(shadow.group(1) if shadow else index)

    def _create_tables(self, conn: sqlite3.Connection, t: str, spec: IndexSpec) -> None:
        docs, tags, fts = _ident(f"{t}_docs"), _ident(f"{t}_tags"), _ident(f"{t}_fts")
        columns = ", ".join(f'"{c}"' for c in spec.searchable)
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {docs} (rowid INTEGER PRIMARY KEY, "
            "id TEXT NOT NULL UNIQUE, department TEXT, kind TEXT, author_handle TEXT, "
            "post_id TEXT, created_at INTEGER, restricted INTEGER NOT NULL, data TEXT NOT NULL, "
            "status TEXT, boost INTEGER NOT NULL DEFAULT 0)"
        )
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({docs})")}
        for column, kind in _ADDED_COLUMNS.items():
            if column not in present:
                conn.execute(f"ALTER TABLE {docs} ADD COLUMN {_ident(column)} {kind}")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {tags} (field TEXT NOT NULL, value TEXT NOT NULL, "
            "doc INTEGER NOT NULL, PRIMARY KEY (field, value, doc)) WITHOUT ROWID"
        )
        conn.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({columns}, "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        self._create_secondary(conn, t, t)

    def _create_secondary(self, conn: sqlite3.Connection, t: str, name: str) -> None:
        docs, tags = _ident(f"{t}_docs"), _ident(f"{t}_tags")
        conn.execute(f"CREATE INDEX IF NOT EXISTS {_ident(name + '_tags_doc')} ON {tags}(doc)")
        for column in ("created_at", "department", "author_handle", "post_id"):
            conn.execute(
                f"CREATE INDEX IF NOT EXISTS {_ident(f'{name}_docs_{column}')} "
                f"ON {docs}({column}, rowid)"
            )

    def _write(self, fn: Callable[[sqlite3.Connection], None]) -> None:
        conn = self._db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            fn(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # SearchBackend

    async def ensure_indexes(self) -> None:
        def run(conn: sqlite3.Connection) -> None:
            for name in INDEXES:
                self._create_tables(conn, name, spec_for(name))

        await self._call(self._write, run)

    async def upsert(self, index: str, docs: Sequence[Mapping[str, Any]]) -> None:
        t, spec = self._resolve(index)
        clean = [normalize(spec, doc) for doc in docs]
        if clean:
            await self._call(self._write, lambda conn: self._upsert_rows(conn, t, spec, clean))

    def _upsert_rows(
        self, conn: sqlite3.Connection, t: str, spec: IndexSpec, docs: list[dict[str, Any]]
    ) -> None:
        d, tags, fts = _ident(f"{t}_docs"), _ident(f"{t}_tags"), _ident(f"{t}_fts")
        columns = ", ".join(f'"{c}"' for c in spec.searchable)
        marks = ", ".join("?" for _ in spec.searchable)
        for doc in docs:
            scalars = [doc.get(c) for c in _SCALARS]
            scalars[3] = None if scalars[3] is None else str(scalars[3])  # post_id as text
            (rowid,) = conn.execute(
                f"INSERT INTO {d} (id, department, kind, author_handle, post_id, created_at, "
                "status, restricted, boost, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET "
                "department = excluded.department, kind = excluded.kind, "
                "author_handle = excluded.author_handle, post_id = excluded.post_id, "
                "created_at = excluded.created_at, status = excluded.status, "
                "restricted = excluded.restricted, boost = excluded.boost, "
                "data = excluded.data RETURNING rowid",
                [
                    str(doc["id"]),
                    *scalars,
                    int(bool(doc.get("restricted_by"))),
                    int(bool(doc.get(spec.boost))) if spec.boost else 0,
                    json.dumps(doc, ensure_ascii=False),
                ],
            ).fetchone()
            conn.execute(f"DELETE FROM {fts} WHERE rowid = ?", (rowid,))
            texts = []
            for field in spec.searchable:
                value = doc.get(field) or ""
                text = " ".join(map(str, value)) if isinstance(value, list) else str(value)
                texts.append(_split_cjk(text))
            conn.execute(
                f"INSERT INTO {fts} (rowid, {columns}) VALUES (?, {marks})", (rowid, *texts)
            )
            conn.execute(f"DELETE FROM {tags} WHERE doc = ?", (rowid,))
            conn.executemany(
                f"INSERT OR IGNORE INTO {tags} (field, value, doc) VALUES (?, ?, ?)",
                [
                    (field, str(value), rowid)
                    for field in _TAGGED
                    for value in doc.get(field) or ()
                    if field in spec.multi_valued
                ],
            )

    def _delete_rowids(self, conn: sqlite3.Connection, t: str, rowids: list[int]) -> None:
        d, tags, fts = _ident(f"{t}_docs"), _ident(f"{t}_tags"), _ident(f"{t}_fts")
        for table, column in ((fts, "rowid"), (tags, "doc"), (d, "rowid")):
            conn.executemany(f"DELETE FROM {table} WHERE {column} = ?", [(r,) for r in rowids])

    @asynccontextmanager
    async def write_batch(self) -> AsyncIterator[None]:
        # Every write is its own committed transaction already: nothing to confirm later.
        yield

    async def delete(self, index: str, ids: Sequence[int | str]) -> None:
        t, _ = self._resolve(index)
        await self._delete_where(t, "id", [str(i) for i in ids])

    async def delete_comments_of_posts(self, post_ids: Sequence[int | str]) -> None:
        await self._delete_where(COMMENTS, "post_id", [str(i) for i in post_ids])

    async def _delete_where(self, t: str, column: str, keys: list[str]) -> None:
        """Delete the documents of table `t` whose `column` is one of `keys`."""

        def run(conn: sqlite3.Connection) -> None:
            rowids = [
                r
                for (r,) in conn.execute(
                    f"SELECT rowid FROM {_ident(t + '_docs')} "
                    f"WHERE {_ident(column)} IN (SELECT value FROM json_each(?))",
                    (json.dumps(keys),),
                )
            ]
            self._delete_rowids(conn, t, rowids)

        if keys:
            await self._call(self._write, run)

    async def search(self, index: str, query: SearchQuery) -> SearchResult:
        t, spec = self._resolve(index)
        offset = check_query(spec, query)
        return await self._call(self._search_sync, t, spec, query, offset)

    def _conditions(self, t: str, spec: IndexSpec, query: SearchQuery) -> tuple[str, list[Any]]:
        tags = _ident(f"{t}_tags")
        where: list[str] = []
        params: list[Any] = []
        if spec.restricted and query.deny:
            # Only restricted documents are probed, each by its own few keys (the unary + keeps
            # SQLite from seeking once per denied key); the denied list is built once.
            where.append(
                f"(d.restricted = 0 OR NOT EXISTS (SELECT 1 FROM {tags} g WHERE g.doc = d.rowid "
                "AND g.field = 'restricted_by' AND +g.value IN (SELECT value FROM json_each(?))))"
            )
            params.append(json.dumps(sorted(set(query.deny))))
        for name, value in query.filter_values().items():
            field = spec.filters[name]
            if name == "since":
                where.append("d.created_at >= ?")
            elif name == "until":
                where.append("d.created_at <= ?")
            elif field in spec.multi_valued:
                # Uncorrelated: the tagged set is built once from the (field, value) key.
                where.append(
                    f"d.rowid IN (SELECT g.doc FROM {tags} g WHERE g.field = ? AND g.value = ?)"
                )
                params.append(field)
            else:
                where.append(f"d.{field} = ?")
            params.append(value if name in ("since", "until") else str(value))
        return (" AND ".join(where) or "1"), params

    def _search_sync(
        self, t: str, spec: IndexSpec, query: SearchQuery, offset: int
    ) -> SearchResult:
        conn = self._db()
        d, fts = _ident(f"{t}_docs"), _ident(f"{t}_fts")
        where, params = self._conditions(t, spec, query)
        match = match_expression(query.q)
        by_relevance = False
        if match is not None:
            (matching,) = conn.execute(
                f"SELECT count(*) FROM {fts} WHERE {fts} MATCH ?", (match,)
            ).fetchone()
            by_relevance = matching <= self.rank_cutoff
        if match is not None and by_relevance:
            weights = ", ".join(str(w) for w in spec.weights)
            # bm25 is negative, lower is better: the boost multiplies it (see BOOST).
            rank = "m.rank"
            if spec.boost:
                rank = f"m.rank * (CASE d.boost WHEN 1 THEN {BOOST} ELSE 1 END)"
            ranked = (
                f"WITH m AS MATERIALIZED (SELECT rowid AS doc, bm25({fts}, {weights}) AS rank "
                f"FROM {fts} WHERE {fts} MATCH ?) "
                f"SELECT d.rowid, d.data, {rank} AS score FROM m JOIN {d} d ON d.rowid = m.doc "
                f"WHERE {where} ORDER BY score, d.created_at DESC, d.rowid DESC"
            )
            # Totals and facets need no ranking: skip bm25, the costly part of a big match.
            counted = (
                f"WITH m AS MATERIALIZED (SELECT rowid AS doc FROM {fts} WHERE {fts} MATCH ?) "
                f"SELECT {{cols}} FROM m JOIN {d} d ON d.rowid = m.doc WHERE {where}"
            )
            source_params: list[Any] = [match, *params]
        elif match is not None:
            # Walks the created_at index and stops at the page; the matches are one set.
            matched = f"d.rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)"
            by_date = _ident(f"{t}_docs_created_at")
            ranked = (
                f"SELECT d.rowid, d.data, NULL FROM {d} d INDEXED BY {by_date} "
                f"WHERE {matched} AND {where} ORDER BY d.created_at DESC, d.rowid DESC"
            )
            counted = f"SELECT {{cols}} FROM {d} d WHERE {matched} AND {where}"
            source_params = [match, *params]
        else:
            ranked = (
                f"SELECT d.rowid, d.data, NULL FROM {d} d WHERE {where} "
                "ORDER BY d.created_at DESC, d.rowid DESC"
            )
            counted = f"SELECT {{cols}} FROM {d} d WHERE {where}"
            source_params = params
        rows = conn.execute(
            ranked + " LIMIT ? OFFSET ?", [*source_params, query.limit, offset]
        ).fetchall()
        facets: dict[str, dict[str, int]] = {name: {} for name in query.facets}
        if query.facets:
            # One grouped pass gives every facet and, summed, the total.
            columns = ", ".join(f"d.{name}" for name in query.facets)
            total = 0
            for *values, n in conn.execute(
                counted.format(cols=f"{columns}, count(*)") + f" GROUP BY {columns}",
                source_params,
            ):
                total += n
                for name, value in zip(query.facets, values, strict=True):
                    if value is not None:
                        facets[name][value] = facets[name].get(value, 0) + n
        elif offset == 0 and len(rows) < query.limit:
            total = len(rows)
        else:
            (total,) = conn.execute(counted.format(cols="count(*)"), source_params).fetchone()
        snippets: dict[int, str] = {}
        if match is not None:
            column = spec.searchable.index(spec.snippet_field)
            snippet = f"snippet({fts}, {column}, ?, ?, '…', {SNIPPET_TOKENS})"
            if by_relevance:
                # A seek per hit: cheap while the match set is small (the relevance case).
                for rowid, _, _ in rows:
                    found = conn.execute(
                        f"SELECT {snippet} FROM {fts} WHERE {fts} MATCH ? AND rowid = ?",
                        (MARK_PRE, MARK_POST, match, rowid),
                    ).fetchone()
                    if found is not None:
                        snippets[rowid] = found[0]
            elif _CJK_CHAR.search(query.q):
                # Per-character scripts: only FTS5 knows where the phrase matched.
                for rowid, _, _ in rows:
                    found = conn.execute(
                        f"SELECT {snippet} FROM {fts} WHERE {fts} MATCH ? AND rowid = ?",
                        (MARK_PRE, MARK_POST, match, rowid),
                    ).fetchone()
                    if found is not None:
                        snippets[rowid] = found[0]
            else:
                for rowid, data, _ in rows:
                    text = str(json.loads(data).get(spec.snippet_field) or "")
                    marked = highlight(text, query.q)
                    if marked is not None:
                        snippets[rowid] = marked

        hits = []
        for rowid, data, score in rows:
            doc = json.loads(data)
            marked = snippets.get(rowid)
            if marked is not None and MARK_PRE in marked:
                snippet = safe_snippet(_join_cjk(marked))
            else:
                snippet = plain_snippet(str(doc.get(spec.snippet_field) or ""))
            hits.append(
                SearchHit(
                    id=doc["id"],
                    index=t,
                    type=spec.type,
                    title=str(doc.get(spec.title_field) or "") if spec.title_field else "",
                    snippet=snippet,
                    score=None if score is None else -float(score),
                    fields=doc,
                )
            )
        return SearchResult(
            hits=hits,
            facets=facets,
            next_cursor=next_cursor(offset, query.limit, len(hits), int(total)),
            estimated_total=int(total),
        )

    async def count(self, index: str) -> int:
        t, _ = self._resolve(index)

        def run() -> int:
            (n,) = self._db().execute(f"SELECT count(*) FROM {_ident(t + '_docs')}").fetchone()
            return int(n)

        return await self._call(run)

    async def health(self) -> dict[str, Any]:
        def run() -> None:
            self._db().execute("SELECT 1").fetchone()

        try:
            await self._call(run)
        except SearchError as exc:
            return {"status": "unavailable", "engine": self.engine, "error": str(exc)}
        return {"status": "ok", "engine": self.engine, "pending_tasks": 0, "failed_tasks": 0}

    async def begin_rebuild(self, index: str) -> str:
        if _SHADOW_NAME.fullmatch(index):
            raise InvalidSearch("cannot rebuild a rebuild shadow")
        _, spec = self._resolve(index)
        shadow = f"{index}__rebuild_{secrets.token_hex(6)}"
        await self._call(self._write, lambda conn: self._create_tables(conn, shadow, spec))
        return shadow

    def _drop_tables(self, conn: sqlite3.Connection, t: str) -> None:
        for suffix in ("_fts", "_tags", "_docs"):
            conn.execute(f"DROP TABLE IF EXISTS {_ident(t + suffix)}")

    async def finish_rebuild(self, index: str, shadow: str) -> None:
        self._check_shadow(index, shadow)

        def run(conn: sqlite3.Connection) -> None:
            self._drop_tables(conn, index)
            for suffix in ("_docs", "_tags", "_fts"):
                conn.execute(
                    f"ALTER TABLE {_ident(shadow + suffix)} RENAME TO {_ident(index + suffix)}"
                )
            # Secondary indexes keep the shadow's names through a rename: give them the
            # index's names so ensure_indexes recognises them.
            names = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'index' "
                    "AND substr(name, 1, ?) = ?",
                    (len(shadow) + 1, shadow + "_"),
                )
            ]
            for name in names:
                conn.execute(f"DROP INDEX {_ident(name)}")
            self._create_secondary(conn, index, index)

        await self._call(self._write, run)

    async def abort_rebuild(self, index: str, shadow: str) -> None:
        self._check_shadow(index, shadow)
        await self._call(self._write, lambda conn: self._drop_tables(conn, shadow))

    def _check_shadow(self, index: str, shadow: str) -> None:
        match = _SHADOW_NAME.fullmatch(shadow)
        if not match or match.group(1) != index:
            raise InvalidSearch(f"{shadow!r} is not a rebuild of {index!r}")

    async def close(self) -> None:
        def run() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await asyncio.get_running_loop().run_in_executor(self._executor, run)
        self._executor.shutdown(wait=True)
