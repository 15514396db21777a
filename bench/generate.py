"""Fill a database with a realistic Tandem dataset for benchmarks.

    python -m bench.generate --database-url postgresql+asyncpg://postgres@127.0.0.1/tandem_bench \
        --users 10000 --accounts 2000 --posts 1000000

The schema comes from the real Alembic migrations; rows are bulk-inserted below the ORM
(asyncpg COPY on PostgreSQL, executemany in large transactions on SQLite) with explicit ids,
then sequences, denormalized counters and planner statistics are brought up to date.
Everything is drawn from one seeded RNG, so the same arguments give the same dataset.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from bench.common import (
    TABLES,
    Progress,
    RawDb,
    default_database_url,
    ensure_pg_database,
    is_sqlite,
    pg_database_name,
    redact,
    sqlite_path,
    sqlite_ts,
)

DEPARTMENTS = (
    ("sales", 40),
    ("marketing", 25),
    ("customer_success", 15),
    ("product", 10),
    ("leadership", 5),
    ("other", 5),
)
TITLES = {
    "sales": ("Account Executive", "Sales Development Rep", "Regional Sales Manager"),
    "marketing": ("Product Marketing Manager", "Demand Gen Lead", "Content Strategist"),
    "customer_success": ("Customer Success Manager", "Onboarding Specialist"),
    "product": ("Product Manager", "Solutions Engineer"),
    "leadership": ("VP Sales", "CMO", "Head of Revenue"),
    "other": ("Analyst", "Operations"),
}
FIRST = "Ada Ben Carla Dev Elif Farid Gwen Hugo Ines Jon Kara Luis Mina Noah Olga Priya Quinn Rui Sara Tomas Uma Vik Wen Yara Zoe".split()  # noqa: E501
LAST = "Adams Brooks Chen Diaz Evans Fischer Garcia Haddad Ito Jansen Kowalski Lopez Moreau Nakamura Okafor Petrov Rossi Silva Tanaka Ueda Vargas Weber Yilmaz Zhang".split()  # noqa: E501
COMPANY_A = "Blue North Bright Iron Silver Red Clear Swift Prime Open Green Summit".split()
COMPANY_B = "Harbor Peak Field River Stone Wave Forge Bridge Cloud Signal Pine Arc".split()
COMPANY_C = ("Systems", "Labs", "Health", "Logistics", "Bank", "Retail", "Energy", "Media")
INDUSTRIES = ("software", "healthcare", "finance", "retail", "manufacturing", "energy", "media")
TIERS = ("enterprise", "mid-market", "smb")
TOPIC_WORDS = (
    "pricing competitors renewal onboarding security compliance roadmap webinar campaign "
    "objection discount procurement champion churn expansion pilot integration analytics "
    "events seo abm pipeline forecast partnership launch case-study testimonial rfp"
).split()
POST_KINDS = (("update", 70), ("question", 10), ("blog", 8), ("win_story", 7), ("collateral", 5))
REACTION_KINDS = (("like", 70), ("insightful", 20), ("celebrate", 10))
NO_COUNTS = [0, 0, 0, 0]

SENTENCES = (
    "Had the quarterly review with their procurement team today.",
    "They are comparing us against two competitors on price and time to value.",
    "Security review is the blocker: they want SOC 2 evidence before the pilot.",
    "The champion moved to a new role, so we need a new sponsor on the business side.",
    "Marketing's case study landed well with the CFO; please keep them coming.",
    "Renewal is due next quarter and usage is up 40% since onboarding.",
    "They asked whether the analytics add-on works with their data warehouse.",
    "Objection we keep hearing: the rollout looks heavy for a team of their size.",
    "Webinar attendance from this segment doubled after the last campaign.",
    "We agreed on a two-week pilot with clear success criteria and a named owner.",
    "Legal redlines are back; nothing unusual except the liability cap.",
    "Their new VP wants a roadmap session before committing to the expansion.",
    "Great call: they want to be a reference customer for the launch.",
    "Could someone from product join the next call to talk about integrations?",
    "The RFP is out; deadline is in three weeks and the scoring favours security.",
    "Discount request came in again; holding the line at the approved tier.",
)
PARAGRAPH_MARKUP = ("", "**Next steps:** ", "_Context:_ ", "Quick update: ")
# A glossary whose words are all over the sentences above, so the pages mark several terms on
# every card: (term, aliases, status).
GLOSSARY = (
    ("Pilot", ["pilots", "proof of concept"], "agreed"),
    ("Champion", ["internal champion"], "agreed"),
    ("Renewal", ["renewals"], "agreed"),
    ("Procurement", [], "proposed"),
    ("RFP", ["request for proposal"], "agreed"),
    ("Case study", ["case studies"], "agreed"),
    ("Roadmap session", [], "disputed"),
    ("Security review", ["SOC 2 evidence"], "agreed"),
    ("Reference customer", ["reference"], "agreed"),
    ("Discount", ["discount request"], "disputed"),
    ("Expansion", ["upsell"], "agreed"),
    ("Sponsor", ["business sponsor"], "proposed"),
    ("Time to value", ["TTV"], "agreed"),
    ("Onboarding", [], "agreed"),
    ("Webinar", ["webinars"], "agreed"),
    ("Campaign", ["campaigns"], "proposed"),
    ("Success criteria", [], "agreed"),
    ("Liability cap", [], "agreed"),
    ("Approved tier", ["price tier"], "agreed"),
    ("Quarterly review", ["QBR"], "agreed"),
    ("MQL", ["marketing-qualified lead"], "agreed"),
    ("SQL", ["sales-qualified lead"], "agreed"),
    ("Lead", [], "agreed"),
    ("Qualified opportunity", ["QO"], "disputed"),
)


@dataclass(frozen=True)
class Plan:
    users: int
    accounts: int
    posts: int
    topics: int
    groups: int
    follow_users: int
    follow_accounts: int
    follow_topics: int
    comments: int
    reactions: int
    seed: int
    chunk: int


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    p.add_argument("--database-url", default=default_database_url())
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--accounts", type=int, default=2_000)
    p.add_argument("--posts", type=int, default=1_000_000)
    p.add_argument("--topics", type=int, default=200)
    p.add_argument("--groups", type=int, default=8, help="the first one is private")
    p.add_argument("--follow-users", type=int, default=50, help="people each user follows")
    p.add_argument("--follow-accounts", type=int, default=20, help="accounts each user follows")
    p.add_argument("--follow-topics", type=int, default=3, help="topics each user follows")
    p.add_argument("--comments", type=int, default=None, help="default: posts / 20")
    p.add_argument("--reactions", type=int, default=None, help="default: posts / 5")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--chunk", type=int, default=50_000, help="rows per COPY / transaction")
    p.add_argument("--reset", action="store_true", help="drop everything in the database first")
    p.add_argument(
        "--glossary-only",
        action="store_true",
        help="only replace the glossary of a database generated before it existed",
    )
    p.add_argument(
        "--reset-any",
        action="store_true",
        help="allow --reset on a PostgreSQL database whose name lacks 'bench'",
    )
    return p.parse_args(argv)


# Sinks: where rows go. One per backend, same interface.


class Sink:
    def __init__(self, db: RawDb) -> None:
        self.db = db

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError


class PgSink(Sink):
    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            assert self.db.pg is not None
            await self.db.pg.copy_records_to_table(table, records=rows, columns=list(columns))


class SqliteSink(Sink):
    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        assert self.db.lite is not None
        # sqlite3's default datetime adapter writes an offset SQLAlchemy would not; store
        # the exact text the app's engine writes so its comparisons keep working.
        ts = [i for i, c in enumerate(columns) if c.endswith("_at")]
        if ts:
            rows = [
                tuple(sqlite_ts(v) if i in ts and v is not None else v for i, v in enumerate(r))
                for r in rows
            ]
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        self.db.lite.execute("BEGIN")
        self.db.lite.executemany(sql, rows)
        self.db.lite.execute("COMMIT")


# Sampling helpers.


def weighted(rng: random.Random, n: int, skew: float) -> tuple[list[int], list[float]]:
    """Ids 1..n in random order with Zipf-like cumulative weights: a few popular, a long tail."""
    ids = list(range(1, n + 1))
    rng.shuffle(ids)
    return ids, list(accumulate(1.0 / (rank + 1) ** skew for rank in range(n)))


def pick(rng: random.Random, ids: list[int], cum: list[float]) -> int:
    return ids[bisect_left(cum, rng.random() * cum[-1])]


def pick_distinct(
    rng: random.Random, ids: list[int], cum: list[float], k: int, exclude: int = 0
) -> list[int]:
    """k distinct weighted picks (fewer if the population is small), bounded in tries."""
    k = min(k, len(ids) - (1 if exclude else 0))
    chosen: dict[int, None] = {}
    for _ in range(50):
        if len(chosen) >= k:
            break
        for x in rng.choices(ids, cum_weights=cum, k=k - len(chosen)):
            if x != exclude:
                chosen[x] = None
    return list(chosen)[:k]


def around(rng: random.Random, mean: int) -> int:
    """A count near `mean` (±40%), so not every user follows exactly the same number."""
    if mean <= 0:
        return 0
    return max(1, round(rng.uniform(0.6, 1.4) * mean))


def chunks(rows: list[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class Generator:
    def __init__(self, plan: Plan, sink: Sink) -> None:
        self.plan = plan
        self.sink = sink
        self.rng = random.Random(plan.seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.start = self.now - timedelta(days=730)
        self.departments: list[str] = []
        self.account_slugs: list[str] = []
        self.confidential: set[int] = set()
        self.topic_names: list[str] = []
        self.group_members: dict[int, list[int]] = {}
        # Per post: bit 1 = in the private group, bit 2 = confidential; comments and
        # reactions only go where any commenter could see the post.
        self.post_flags = bytearray(plan.posts + 1)
        # Planned engagement: post id -> [comments, like, insightful, celebrate].
        self.counts: dict[int, list[int]] = {}
        self.comment_posts: list[int] = []
        self.reaction_rows: list[tuple[int, int, str]] = []
        # Collateral posts and when they were written (their catalogue rows and verdicts).
        self.collateral_posts: list[tuple[int, datetime]] = []
        # Questions and win stories, for their rows (`questions_and_stories`).
        self.asked: list[tuple[int, int, datetime]] = []
        self.won: list[tuple[int, int, datetime]] = []
        # Posts that carry a file: (post id, author, when); every collateral post and 2% of
        # the others, chosen from their own random stream.
        self.attached_posts: list[tuple[int, int, datetime]] = []
        self.attach_rng = random.Random(plan.seed + 8)

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        bar = Progress(table, len(rows))
        for part in chunks(rows, self.plan.chunk):
            await self.sink.write(table, columns, part)
            bar.add(len(part))
        bar.finish()

    def ts(self, frac: float) -> datetime:
        """A time `frac` (0..1) of the way through the two years the dataset covers."""
        return self.start + timedelta(seconds=frac * 730 * 86_400)

    async def users(self) -> None:
        rng, n = self.rng, self.plan.users
        names = [d for d, _ in DEPARTMENTS]
        cum = list(accumulate(w for _, w in DEPARTMENTS))
        rows = []
        for uid in range(1, n + 1):
            dept = rng.choices(names, cum_weights=cum)[0]
            self.departments.append(dept)
            rows.append(
                (
                    uid,
                    f"user{uid}@bench.example.com",
                    f"user{uid}",
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    dept,
                    rng.choice(TITLES[dept]),
                    None,
                    "admin" if uid == 1 else "member",
                    None,  # no password: the benchmark signs in with API tokens
                    True,
                    self.ts(0.1 * uid / n),
                )
            )
        cols = (
            "id, email, handle, display_name, department, title, bio, role, "
            "password_hash, is_active, created_at"
        ).split(", ")
        await self.write("user_account", cols, rows)

    async def topics(self) -> None:
        names = list(TOPIC_WORDS)
        extra = self.plan.topics - len(names)
        names += [f"{TOPIC_WORDS[i % len(TOPIC_WORDS)]}-{i}" for i in range(max(extra, 0))]
        self.topic_names = names[: self.plan.topics]
        rows = [(i + 1, name, 0, self.ts(0.05)) for i, name in enumerate(self.topic_names)]
        await self.write("topic", ["id", "name", "post_count", "created_at"], rows)

    async def accounts(self) -> None:
        rng, n = self.rng, self.plan.accounts
        sellers = [i + 1 for i, d in enumerate(self.departments) if d == "sales"] or [1]
        rows, members = [], []
        # 1% of accounts are confidential (at least one), each with a small team.
        n_conf = max(1, n // 100) if n else 0
        self.confidential = set(rng.sample(range(1, n + 1), n_conf)) if n else set()
        for aid in range(1, n + 1):
            name = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)} {rng.choice(COMPANY_C)}"
            slug = f"{name.split()[1].lower()}-{aid}"
            self.account_slugs.append(slug)
            owner = rng.choice(sellers)
            created = self.ts(0.1 * aid / max(n, 1))
            rows.append(
                (
                    aid,
                    slug,
                    f"{name} {aid}",
                    f"{slug}.example.com",
                    rng.choice(INDUSTRIES),
                    rng.choice(TIERS),
                    f"CRM{aid:07d}",
                    aid in self.confidential,
                    owner,
                    created,
                    created,
                )
            )
            team = (
                5 if aid in self.confidential else (rng.randint(1, 3) if rng.random() < 0.1 else 0)
            )
            for uid in {rng.randint(1, self.plan.users) for _ in range(team)} - {owner}:
                members.append((aid, uid, created))
        cols = (
            "id, slug, name, domain, industry, tier, crm_id, confidential, owner_id, "
            "created_at, updated_at"
        ).split(", ")
        await self.write("account", cols, rows)
        await self.write("account_member", ["account_id", "user_id", "created_at"], members)

    async def groups(self) -> None:
        rng, n = self.rng, self.plan.users
        groups, members = [], []
        for gid in range(1, self.plan.groups + 1):
            private = gid == 1
            slug = "leadership-circle" if private else f"guild-{gid}"
            size = max(3, n // 100 if private else n // 20)
            chosen = sorted(rng.sample(range(1, n + 1), min(size, n)))
            self.group_members[gid] = chosen
            groups.append(
                (gid, slug, slug.replace("-", " ").title(), private, chosen[0], self.ts(0.05))
            )
            members += [(gid, uid, self.ts(0.06)) for uid in chosen]
        cols = ["id", "slug", "name", "private", "created_by_id", "created_at"]
        await self.write("user_group", cols, groups)
        await self.write("group_member", ["group_id", "user_id", "created_at"], members)

    async def follows(self) -> None:
        rng, plan = self.rng, self.plan
        users, ucum = weighted(rng, plan.users, 0.5)
        accounts, acum = weighted(rng, plan.accounts, 0.5) if plan.accounts else ([], [])
        topics, tcum = weighted(rng, len(self.topic_names), 0.8) if self.topic_names else ([], [])
        uf, af, tf = [], [], []
        when = self.ts(0.2)
        for uid in range(1, plan.users + 1):
            uf += [
                (uid, f, when)
                for f in pick_distinct(rng, users, ucum, around(rng, plan.follow_users), uid)
            ]
            if accounts:
                af += [
                    (uid, a, when)
                    for a in pick_distinct(rng, accounts, acum, around(rng, plan.follow_accounts))
                ]
            if topics:
                tf += [
                    (uid, t, when)
                    for t in pick_distinct(rng, topics, tcum, around(rng, plan.follow_topics))
                ]
        await self.write("user_follow", ["follower_id", "followee_id", "created_at"], uf)
        await self.write("account_follow", ["user_id", "account_id", "created_at"], af)
        await self.write("topic_follow", ["user_id", "topic_id", "created_at"], tf)

    def bodies(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(markdown, html) pools, rendered once by the app's own renderer."""
        from app.core.text import render_markdown

        rng = self.rng
        short, long = [], []
        for _ in range(400):
            text = rng.choice(PARAGRAPH_MARKUP) + " ".join(rng.sample(SENTENCES, rng.randint(1, 4)))
            short.append((text, render_markdown(text)))
        for _ in range(100):
            paras = [
                rng.choice(PARAGRAPH_MARKUP) + " ".join(rng.sample(SENTENCES, rng.randint(3, 6)))
                for _ in range(rng.randint(3, 8))
            ]
            text = "\n\n".join(paras)
            long.append((text, render_markdown(text)))
        return short, long

    async def posts(self) -> None:
        from app.core.text import render_markdown

        rng, plan = self.rng, self.plan
        short, long = self.bodies()
        authors, ucum = weighted(rng, plan.users, 0.6)
        accounts, acum = weighted(rng, plan.accounts, 0.8) if plan.accounts else ([], [])
        topics, tcum = weighted(rng, len(self.topic_names), 0.8) if self.topic_names else ([], [])
        kinds = [k for k, _ in POST_KINDS]
        kcum = list(accumulate(w for _, w in POST_KINDS))
        group_ids = list(self.group_members)
        ref = '<a href="/{}/{}" class="ref" rel="noopener noreferrer nofollow">{}{}</a>'
        fast_html = True  # checked against the real renderer on the first posts below
        post_cols = (
            "id, kind, title, body, body_html, author_id, group_id, group_private, "
            "confidential, comment_count, like_count, insightful_count, celebrate_count, "
            "created_at, updated_at"
        ).split(", ")
        bar = Progress("post+links", plan.posts)
        for lo in range(1, plan.posts + 1, plan.chunk):
            hi = min(lo + plan.chunk, plan.posts + 1)
            posts, pa, pt, pm = [], [], [], []
            for pid in range(lo, hi):
                kind = rng.choices(kinds, cum_weights=kcum)[0]
                group_id = None
                if group_ids and rng.random() < 0.05:
                    group_id = rng.choice(group_ids)
                    author = rng.choice(self.group_members[group_id])
                else:
                    author = pick(rng, authors, ucum)
                r = rng.random()
                n_acc = 1 if r < 0.75 else 2 if r < 0.85 else 0
                acc = pick_distinct(rng, accounts, acum, n_acc) if accounts else []
                r = rng.random()
                n_top = 1 if r < 0.35 else 2 if r < 0.45 else 0
                top = pick_distinct(rng, topics, tcum, n_top) if topics else []
                mention = rng.randint(1, plan.users) if rng.random() < 0.03 else None
                text, html = rng.choice(long if kind == "blog" else short)
                refs = [("accounts", "$", self.account_slugs[a - 1]) for a in acc]
                refs += [("topics", "#", self.topic_names[t - 1]) for t in top]
                if mention:
                    refs.append(("users", "@", f"user{mention}"))
                if refs:
                    text += "\n\n" + " ".join(sign + name for _, sign, name in refs)
                    if fast_html:
                        html += "<p>" + " ".join(ref.format(k, n, s, n) for k, s, n in refs)
                        html += "</p>\n"
                    if pid <= 200 or not fast_html:
                        slugs = [self.account_slugs[a - 1] for a in acc]
                        users = [f"user{mention}"] if mention else []
                        real = render_markdown(text, accounts=slugs, users=users)
                        if fast_html and real != html:
                            print(
                                "warning: fast body_html differs; rendering every post",
                                file=sys.stderr,
                            )
                            fast_html = False
                        html = real
                confidential = any(a in self.confidential for a in acc)
                private = group_id == 1
                flags = (1 if private else 0) | (2 if confidential else 0)
                self.post_flags[pid] = flags
                counts = NO_COUNTS if flags else self.counts.get(pid, NO_COUNTS)
                created = self.ts(0.1 + 0.9 * pid / (plan.posts + 1))
                title = f"Notes {pid}" if kind in ("blog", "win_story", "collateral") else None
                if kind == "collateral":
                    self.collateral_posts.append((pid, created))
                elif kind == "question":
                    self.asked.append((pid, author, created))
                elif kind == "win_story":
                    self.won.append((pid, author, created))
                if kind == "collateral" or self.attach_rng.random() < 0.02:
                    self.attached_posts.append((pid, author, created))
                row = (pid, kind, title, text, html, author, group_id, private, confidential)
                posts.append((*row, *counts, created, created))
                pa += [(pid, a) for a in acc]
                pt += [(pid, t, bool(flags)) for t in top]
                if mention:
                    pm.append((pid, mention))
            await self.sink.write("post", post_cols, posts)
            await self.sink.write("post_account", ["post_id", "account_id"], pa)
            await self.sink.write("post_topic", ["post_id", "topic_id", "restricted"], pt)
            await self.sink.write("post_mention", ["post_id", "user_id"], pm)
            bar.add(hi - lo)
        bar.finish()

    async def collateral(self) -> None:
        """A catalogue row per collateral post, and 0-4 verdicts on some (from their own
        random stream, so the rest of the dataset is what it was before collateral existed)."""
        rng = random.Random(self.plan.seed + 7)
        stages = ("awareness", "consideration", "decision", "post_sale")
        verdicts = ("helped", "helped", "neutral", "hurt", "not_used")
        reasons = ("outdated", "wrong_audience", "too_long", "missing_pricing")
        rows, tags, judged = [], [], []
        verdict_id = 0
        for pid, created in self.collateral_posts:
            rows.append((pid, rng.choice(stages), "active", 1, created, None))
            tags.append((pid, "industry", rng.choice(("retail", "banking", "energy"))))
            for user in rng.sample(range(1, self.plan.users + 1), rng.randint(0, 4)):
                verdict_id += 1
                kind = rng.choice(verdicts)
                reason = None if kind == "helped" else rng.choice(reasons)
                judged.append((verdict_id, pid, 1, user, None, kind, reason, None, None, created))
        await self.write(
            "collateral",
            ["post_id", "stage", "status", "version", "version_at", "flagged_reason"],
            rows,
        )
        await self.write("collateral_tag", ["post_id", "kind", "value"], tags)
        columns = "id post_id version user_id account_id verdict reason deal_stage note created_at"
        await self.write("verdict", columns.split(), judged)

    async def questions_and_stories(self) -> None:
        """A question row per question (most asked of a department, half of those answered
        by then: the answer's comment is not linked) and a story with its steps per win story
        at every status (from their own random stream, as collateral)."""
        rng = random.Random(self.plan.seed + 11)
        departments = (None, "marketing", "marketing", "sales", "product")
        questions = []
        for pid, _, created in self.asked:
            answered = (
                created + timedelta(hours=rng.uniform(0.2, 30)) if rng.random() < 0.5 else None
            )
            status = "answered" if answered else "open"
            questions.append((pid, rng.choice(departments), status, created, None, answered))
        await self.write(
            "question",
            [
                "post_id",
                "to_department",
                "status",
                "asked_at",
                "first_answer_id",
                "first_answer_at",
            ],
            questions,
        )
        way = ("submitted", "in_review", "consent_requested", "consent_granted", "published")
        stories, steps = [], []
        step_id = 0
        for pid, author, created in self.won:
            reached = rng.randrange(len(way))
            fields = ("The problem.", "What we did.", "What changed.")
            published = created + timedelta(days=reached) if reached == len(way) - 1 else None
            stories.append((pid, *fields, way[reached], created, published))
            for n in range(reached + 1):
                step_id += 1
                before = way[n - 1] if n else None
                steps.append((step_id, pid, before, way[n], author, created + timedelta(days=n)))
        await self.write(
            "story",
            "post_id problem solution outcome status submitted_at published_at".split(),
            stories,
        )
        await self.write(
            "story_step", "id post_id from_status to_status actor_id at".split(), steps
        )

    async def glossary(self) -> None:
        """The glossary's terms with their current version (no sign-off rows: the pages read
        the status), written by the first user."""
        await write_glossary(self.sink, self.ts(1.0))

    async def attachments(self) -> None:
        """One file per attached post (rows only: the feed reads the rows, not the bytes); a
        quarter of them images with a thumbnail, the rest PDFs."""
        files, links = [], []
        for number, (pid, author, created) in enumerate(self.attached_posts, 1):
            image = number % 4 == 0
            name, kind = (
                ("whiteboard.png", "image/png") if image else ("deck.pdf", "application/pdf")
            )
            key = f"bench{number:012x}"
            files.append(
                (
                    number,
                    author,
                    name,
                    kind,
                    180_000 + number % 900_000,
                    "0" * 64,
                    key,
                    f"{key}.thumb" if image else None,
                    created,
                )
            )
            links.append((pid, number, 0))
        columns = (
            "id uploader_id name content_type size sha256 storage_key thumbnail_key created_at"
        )
        await self.write("file", columns.split(), files)
        await self.write("post_attachment", ["post_id", "file_id", "position"], links)

    def recent_post(self) -> int:
        """A post id skewed towards recent ones (where conversation happens)."""
        return max(1, self.plan.posts - int(self.plan.posts * self.rng.random() ** 2))

    def plan_engagement(self) -> None:
        """Which posts get comments and reactions, drawn before any post is written, so each
        post row carries its counters from the start: updating them afterwards would
        rewrite a quarter of the post table and leave it bloated."""
        rng, plan = self.rng, self.plan
        if not plan.posts:
            return
        self.comment_posts = [self.recent_post() for _ in range(plan.comments)]
        kinds = [k for k, _ in REACTION_KINDS]
        kcum = list(accumulate(w for _, w in REACTION_KINDS))
        reactions: set[tuple[int, int, str]] = set()
        for _ in range(plan.reactions * 2):
            if len(reactions) >= plan.reactions:
                break
            kind = rng.choices(kinds, cum_weights=kcum)[0]
            reactions.add((self.recent_post(), rng.randint(1, plan.users), kind))
        self.reaction_rows = sorted(reactions)
        for pid in self.comment_posts:
            self.counts.setdefault(pid, [0, 0, 0, 0])[0] += 1
        for pid, _, kind in self.reaction_rows:
            self.counts.setdefault(pid, [0, 0, 0, 0])[1 + kinds.index(kind)] += 1

    async def comments(self) -> None:
        """The planned comments, except on posts not everyone may see (their counters were
        written as zero); a fifth reply to the post's previous comment."""
        rng, plan = self.rng, self.plan
        rows: list[tuple[Any, ...]] = []
        last: dict[int, int] = {}
        for pid in self.comment_posts:
            if self.post_flags[pid]:
                continue
            cid = len(rows) + 1
            parent = last.get(pid) if rng.random() < 0.2 else None
            text = rng.choice(SENTENCES)
            posted = self.ts(0.1 + 0.9 * pid / (plan.posts + 1))
            when = min(self.now, posted + timedelta(hours=rng.randint(1, 48)))
            author = rng.randint(1, plan.users)
            rows.append((cid, pid, parent, author, text, f"<p>{text}</p>\n", when, when))
            last[pid] = cid
        cols = "id, post_id, parent_id, author_id, body, body_html, created_at, updated_at"
        await self.write("comment", cols.split(", "), rows)

    async def reactions(self) -> None:
        when = self.now - timedelta(days=1)
        rows = [(p, u, k, when) for p, u, k in self.reaction_rows if not self.post_flags[p]]
        await self.write("reaction", ["post_id", "user_id", "kind", "created_at"], rows)


# Database preparation and finishing touches, per backend.


async def write_glossary(sink: Sink, when: datetime) -> None:
    from app.core.text import render_markdown, slugify

    signables, versions, terms, aliases = [], [], [], []
    for number, (term, names, status) in enumerate(GLOSSARY, 1):
        definition = f"What both teams mean by {term.lower()}: agreed in the quarterly review."
        departments = '["sales", "marketing"]'
        agreed = 1 if status == "agreed" else None
        signables.append((number, "term", status, 1, agreed, departments, 1, when, when))
        content = json.dumps({"definition": definition, "aliases": names})
        versions.append((number, 1, 1, content, when))
        terms.append(
            (
                number,
                slugify(term),
                term,
                term.casefold(),
                definition,
                render_markdown(definition),
                definition if agreed else None,
            )
        )
        aliases += [(name.casefold(), number, name) for name in names]
    await sink.write(
        "signable",
        "id kind status version agreed_version required_departments "
        "created_by created_at updated_at".split(),
        signables,
    )
    await sink.write(
        "signable_version", "signable_id version author_id content created_at".split(), versions
    )
    await sink.write(
        "glossary_term",
        "signable_id slug term term_key definition definition_html agreed_definition".split(),
        terms,
    )
    await sink.write("glossary_alias", ["alias_key", "signable_id", "alias"], aliases)


async def add_glossary(url: str) -> None:
    """Replace the glossary of a generated database (`--glossary-only`)."""
    async with RawDb(url) as db:
        for table in ("glossary_alias", "glossary_term", "signable_version", "signoff", "signable"):
            await db.execute(f"DELETE FROM {table}")
        sink: Sink = PgSink(db) if db.pg is not None else SqliteSink(db)
        await write_glossary(sink, datetime.now(UTC))
        await fix_sequences(db)


async def wipe(url: str) -> None:
    if is_sqlite(url):
        path = sqlite_path(url)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    async with RawDb(url) as db:
        await db.execute("DROP SCHEMA public CASCADE")
        await db.execute("CREATE SCHEMA public")


async def topic_counts(db: RawDb) -> None:
    """topic.post_count and public_post_count from the links (topics are written before the
    posts that use them)."""
    sql = (
        "UPDATE topic SET post_count = "
        "(SELECT count(*) FROM post_topic WHERE post_topic.topic_id = topic.id), "
        "public_post_count = (SELECT count(*) FROM post_topic "
        "WHERE post_topic.topic_id = topic.id AND NOT post_topic.restricted)"
    )
    if db.lite is not None:
        await db.execute("BEGIN")
        await db.execute(sql)
        await db.execute("COMMIT")
    else:
        await db.execute(sql)


# Each counts rows whose denormalized column disagrees with the rows it summarizes. Joins
# against aggregates rather than correlated subqueries: one pass over a million posts.
_REACTION_SUMS = ", ".join(
    f"sum(CASE WHEN kind = '{k}' THEN 1 ELSE 0 END) AS {k}" for k, _ in REACTION_KINDS
)
CHECKS = {
    "post counters": (
        "SELECT count(*) FROM post p "
        "LEFT JOIN (SELECT post_id, count(*) AS n FROM comment GROUP BY post_id) c "
        "ON c.post_id = p.id "
        f"LEFT JOIN (SELECT post_id, {_REACTION_SUMS} FROM reaction GROUP BY post_id) r "
        "ON r.post_id = p.id "
        "WHERE p.comment_count <> coalesce(c.n, 0) "
        + "".join(f"OR p.{k}_count <> coalesce(r.{k}, 0) " for k, _ in REACTION_KINDS)
    ),
    "post.group_private": "SELECT count(*) FROM post p LEFT JOIN user_group g "
    "ON g.id = p.group_id WHERE p.group_private <> coalesce(g.private, false)",
    "post.confidential": "SELECT count(*) FROM post p LEFT JOIN "
    "(SELECT DISTINCT pa.post_id FROM post_account pa JOIN account a ON a.id = pa.account_id "
    "WHERE a.confidential) c ON c.post_id = p.id "
    "WHERE p.confidential <> (c.post_id IS NOT NULL)",
    "topic.post_count": "SELECT count(*) FROM topic t WHERE t.post_count <> "
    "(SELECT count(*) FROM post_topic pt WHERE pt.topic_id = t.id)",
    "topic.public_post_count": "SELECT count(*) FROM topic t WHERE t.public_post_count <> "
    "(SELECT count(*) FROM post_topic pt WHERE pt.topic_id = t.id AND NOT pt.restricted)",
    "post_topic.restricted": "SELECT count(*) FROM post_topic pt JOIN post p ON p.id = pt.post_id "
    "WHERE pt.restricted <> (p.group_private OR p.confidential)",
}


async def check_consistency(db: RawDb) -> None:
    """The denormalized columns agree with the rows, as the app would have kept them."""
    bad = {name: n for name, sql in CHECKS.items() if (n := await db.scalar(sql))}
    if bad:
        raise SystemExit(f"inconsistent denormalized columns (rows off): {bad}")
    print("denormalized columns: consistent", file=sys.stderr)


async def fix_sequences(db: RawDb) -> None:
    """Explicit ids leave PostgreSQL sequences at 1; move each past its table's max id."""
    if db.pg is None:
        return  # SQLite's INTEGER PRIMARY KEY takes max(rowid) + 1 by itself
    rows = await db.fetch(
        "SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND column_name = 'id' "
        "AND (column_default LIKE 'nextval%' OR is_identity = 'YES')"
    )
    for (table,) in rows:
        await db.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
        )


async def finish(db: RawDb) -> None:
    """Planner statistics (and on PostgreSQL the visibility map that index-only scans need,
    which a live database's autovacuum would have built)."""
    if db.pg is not None:
        await db.execute("RESET session_replication_role")
        await db.execute("VACUUM (ANALYZE)")
    else:
        await db.execute("ANALYZE")
        await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def fast_load_mode(db: RawDb) -> str:
    """On PostgreSQL, skip per-row foreign-key triggers while loading when it is safe.

    The generator's rows are consistent by construction, and the RI checks (a locking
    lookup per row per foreign key) would cost more than the COPY itself. It is only done
    as a superuser and when the schema has no triggers of its own, which must always fire.
    """
    if db.pg is None:
        # Foreign keys are off on a plain sqlite3 connection; WAL like the app, no fsyncs.
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=OFF")
        await db.execute("PRAGMA cache_size=-262144")
        return "sqlite executemany, foreign keys unchecked"
    await db.execute("SET synchronous_commit = off")
    superuser = await db.scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    # The outbox's wake-up trigger is on a table the generator does not load.
    user_triggers = await db.scalar(
        "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE NOT t.tgisinternal AND n.nspname = 'public' AND c.relname <> 'outbox_event'"
    )
    if superuser and not user_triggers:
        await db.execute("SET session_replication_role = replica")
        return "COPY, foreign-key triggers off (session_replication_role=replica)"
    return "COPY, foreign-key triggers on"


async def load(url: str, plan: Plan) -> dict[str, int]:
    async with RawDb(url) as db:
        existing = await db.row_counts(("user_account", "post"))
        if any(existing.values()):
            raise SystemExit(f"the database is not empty ({existing}); pass --reset to start over")
        mode = await fast_load_mode(db)
        print(f"loading into {redact(url)}: {mode}", file=sys.stderr)
        sink: Sink = PgSink(db) if db.pg is not None else SqliteSink(db)
        gen = Generator(plan, sink)
        started = time.perf_counter()
        await gen.users()
        await gen.topics()
        await gen.accounts()
        await gen.groups()
        await gen.follows()
        gen.plan_engagement()
        await gen.posts()
        await gen.collateral()
        await gen.questions_and_stories()
        await gen.glossary()
        await gen.attachments()
        await gen.comments()
        await gen.reactions()
        print("counters, sequences, statistics ...", file=sys.stderr)
        await topic_counts(db)
        await fix_sequences(db)
        await finish(db)
        await check_consistency(db)
        print(f"loaded in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        return await db.row_counts(TABLES)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    url: str = args.database_url
    plan = Plan(
        users=args.users,
        accounts=args.accounts,
        posts=args.posts,
        topics=args.topics,
        groups=args.groups,
        follow_users=args.follow_users,
        follow_accounts=args.follow_accounts,
        follow_topics=args.follow_topics,
        comments=args.posts // 20 if args.comments is None else args.comments,
        reactions=args.posts // 5 if args.reactions is None else args.reactions,
        seed=args.seed,
        chunk=max(1_000, args.chunk),
    )
    if plan.users < 2:
        raise SystemExit("--users must be at least 2")
    if not is_sqlite(url):
        asyncio.run(ensure_pg_database(url))
    if args.reset:
        if not is_sqlite(url) and "bench" not in pg_database_name(url) and not args.reset_any:
            raise SystemExit("refusing to --reset a database whose name lacks 'bench'")
        asyncio.run(wipe(url))

    from app.core.migrate import upgrade

    # Alembic runs its own event loop, so this happens outside ours.
    upgrade(url)
    if args.glossary_only:
        asyncio.run(add_glossary(url))
        print(f"glossary: {len(GLOSSARY)} terms")
        return
    counts = asyncio.run(load(url, plan))
    width = max(len(t) for t in counts)
    for table, n in counts.items():
        print(f"{table:<{width}}  {n:>12,}")


if __name__ == "__main__":
    main()
