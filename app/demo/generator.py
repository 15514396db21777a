"""The demo's plan: who follows whom, and every post, comment and reaction with its moment.

Pure: the plan is computed from the content and a fixed random seed, before anything touches
the database, so every demo database tells the same story; only the dates move with `now`.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from app.core.text import references
from app.demo.content import Content, Customer, Question, WinStory
from app.posts.models import PostKind, ReactionKind
from app.users.models import Department

SEED = 42
POST_COUNT = 400
HISTORY_DAYS = 60

# Short names keep the tables below readable; "other" is operations: RevOps, deal desk,
# legal and security.
S, M, C, P, L, OPS = (
    Department.sales,
    Department.marketing,
    Department.customer_success,
    Department.product,
    Department.leadership,
    Department.other,
)

# How likely each department is to write each kind of post.
KIND_WEIGHTS = {
    S: {PostKind.update: 56, PostKind.question: 22, PostKind.win_story: 12, PostKind.blog: 5,
        PostKind.collateral: 2},
    M: {PostKind.update: 40, PostKind.collateral: 24, PostKind.blog: 12, PostKind.question: 9,
        PostKind.win_story: 5},
    C: {PostKind.update: 59, PostKind.question: 15, PostKind.win_story: 10, PostKind.blog: 8,
        PostKind.collateral: 4},
    P: {PostKind.update: 60, PostKind.blog: 18, PostKind.question: 18, PostKind.collateral: 4},
    L: {PostKind.update: 55, PostKind.blog: 20, PostKind.win_story: 15, PostKind.question: 5},
    OPS: {PostKind.update: 60, PostKind.question: 12, PostKind.collateral: 14, PostKind.blog: 14},
}  # fmt: skip
DEPARTMENT_ACTIVITY = {S: 1.3, M: 1.1, C: 0.9, P: 0.6, L: 0.5, OPS: 0.45}
# How much conversation each kind of post gets (a question: besides its answer and the
# asker's thanks). Kept modest: every comment and reaction goes through the services
# (notifications included), and that is most of the seeding time.
COMMENT_COUNTS = {
    PostKind.question: (0, 0, 1, 1, 2),
    PostKind.win_story: (1, 2, 3, 4),
    PostKind.blog: (0, 1, 2, 3),
    PostKind.collateral: (0, 0, 1, 2),
    PostKind.update: (0, 0, 0, 0, 1, 1, 2),
}
REACTION_COUNTS = {
    PostKind.win_story: (4, 12),
    PostKind.blog: (2, 8),
    PostKind.collateral: (1, 5),
    PostKind.update: (0, 2),
    PostKind.question: (0, 1),
}
# Weights of like, insightful, celebrate.
REACTION_KINDS = {
    PostKind.win_story: (30, 10, 60),
    PostKind.blog: (50, 45, 5),
    PostKind.collateral: (50, 45, 5),
    PostKind.update: (60, 30, 10),
    PostKind.question: (70, 30, 0),
}
# How often an account comes up, by tier.
TIER_WEIGHT = {"Strategic": 3.0, "Enterprise": 2.5, "Mid-Market": 1.5, "SMB": 1.0}
# Questions. People answer in working hours (UTC, by weekday from Monday: a glance at the
# weekend), after a wait in working hours, dealt like the templates so that every stretch of
# the story has its share: a few at once, most within the working day, some the next day,
# one in twenty after two days or more.
ANSWERING_HOURS = ((8, 18),) * 5 + ((9, 13),) * 2
ANSWER_WAITS = ((0.15, 1.5),) * 3 + ((1.5, 8.0),) * 13 + ((8.0, 14.0),) * 3 + ((20.0, 32.0),)
# Whether the department asked answers, dealt too: one older question in seventy fell
# through the cracks, and two in five of the newest still wait. The newest are the last tenth
# of the posts by position, not date, so that the words are the same whenever it is seeded.
ANSWERED = (True,) * 69 + (False,)
ANSWERED_NEWEST = (True,) * 3 + (False,) * 2
NEWEST = int(POST_COUNT * 0.9)
# How often the asker accepts the answer.
ACCEPTED = 0.4

T = TypeVar("T")
Follows = dict[str, list[str]]  # handle -> whom, which accounts or which topics they follow


def _weighted_sample(
    rng: random.Random, items: Sequence[T], weights: Sequence[float], k: int
) -> list[T]:
    """`k` distinct items, heavier ones more likely (Efraimidis-Spirakis keys)."""
    keyed = sorted(zip(items, weights, strict=True), key=lambda iw: -(rng.random() ** (1 / iw[1])))
    return [item for item, _ in keyed[:k]]


class _Deck(Generic[T]):
    """Templates (or a question's fates) dealt without repeats until the deck runs out, then
    reshuffled, so that consecutive posts rarely read alike."""

    def __init__(self, rng: random.Random, cards: Sequence[T]) -> None:
        self._rng = rng
        self._cards = list(cards)
        self._pile: list[T] = []

    def draw(self) -> T:
        if not self._pile:
            self._pile = self._cards[:]
            self._rng.shuffle(self._pile)
        return self._pile.pop()


@dataclass
class PostPlan:
    """A post to write: who, when, what, and who may see it."""

    at: datetime
    author: str
    kind: PostKind
    title: str | None
    body: str
    group: str | None
    account: Customer | None
    audience: frozenset[str]  # who may see it: commenters, reactors and mentions come from here
    # A collateral post's catalogue data: {stage, audience, industries}.
    collateral: dict[str, Any] | None = None
    # Its files, uploaded by its author before the timeline is written.
    attachments: list[int] = field(default_factory=list)
    # A question's department asked (None: everyone) and what its first answer may say.
    to_department: Department | None = None
    answers: tuple[str, ...] = ()
    # A hand-written win story's fields (`stories.toml`); its later steps come after.
    story: dict[str, Any] | None = None


@dataclass
class CommentPlan:
    """A comment or a reply to write."""

    at: datetime
    post: int  # index into the post plans
    author: str
    body: str
    parent: int | None  # index into the comment plans
    # When the question's asker accepts this comment as its answer.
    accepted_at: datetime | None = None


@dataclass
class ReactionPlan:
    """A reaction to give."""

    at: datetime
    post: int
    user: str
    kind: ReactionKind


@dataclass
class Plan:
    """The whole story: who follows what, and the posts, comments and reactions."""

    follows: Follows
    account_follows: Follows
    topic_follows: Follows
    posts: list[PostPlan]
    comments: list[CommentPlan]
    reactions: list[ReactionPlan]


@dataclass
class _Context:
    """What the slots of one text may refer to."""

    writer: str
    audience: frozenset[str]
    account: Customer | None
    comp: str
    post_author: str | None = None
    parent_author: str | None = None
    used: set[str] = field(default_factory=set)


class _Slots(dict[str, str]):
    def __init__(self, fill: Callable[[_Slots, str], str]) -> None:
        super().__init__()
        self._fill = fill

    def __missing__(self, key: str) -> str:
        value = self[key] = self._fill(self, key)
        return value


class _Writer:
    """Writes the posts, comments and reactions of the demo from templates."""

    def __init__(self, content: Content, rng: random.Random) -> None:
        self.rng = rng
        self.words = content.templates
        self.parts = content.parts
        self.people = {p.handle: p for p in content.people}
        self.everyone = frozenset(self.people)
        self.customers = {c.slug: c for c in content.customers}
        self.public = [c for c in content.customers if not c.confidential]
        self.members = {g.slug: frozenset({g.creator, *g.members}) for g in content.groups}
        self.private = {g.slug for g in content.groups if g.private}
        self.group_posts: dict[str, tuple[str | Question, ...]] = {
            g.slug: (*g.posts, *g.questions) for g in content.groups if g.posts or g.questions
        }
        handles = {
            d: tuple(p.handle for p in content.people if p.department is d) for d in (M, C, P)
        }
        self.role_pools = {
            "se": self.parts.solutions_engineers,
            "marketer": handles[M],
            "cs": handles[C],
            "pm": handles[P],
            "dealdesk": (self.parts.deal_desk,),
            "legal": (self.parts.legal,),
            "security": (self.parts.security,),
        }
        self.questions = {
            d: [q for q in content.templates.questions if d in q.asked_by] for d in Department
        }
        # What each person follows, as `$slug` and `#topic`, once the follows are planned: a
        # question reaches the followers of its accounts and topics in the department asked.
        self.following: dict[str, frozenset[str]] = {}
        self.decks: dict[Hashable, _Deck[Any]] = {}
        # One blog per title, one piece of collateral per title, one win per account.
        self.blogs = list(content.blogs)
        self.collateral = list(content.collateral)
        # The hand-written win stories are the wins of their accounts.
        told = {story.account for story in content.stories}
        self.unwon = [c.slug for c in self.public if c.slug not in told]
        for pool in (self.blogs, self.collateral, self.unwon):
            rng.shuffle(pool)

    def deck(self, name: Hashable, cards: Sequence[T]) -> T:
        if name not in self.decks:
            self.decks[name] = _Deck(self.rng, cards)
        return self.decks[name].draw()

    # Who sees what

    def team(self, customer: Customer) -> frozenset[str]:
        return frozenset({customer.owner, *customer.team})

    def audience(self, group: str | None, account: Customer | None) -> frozenset[str]:
        seen = self.everyone
        if group in self.private:
            seen &= self.members[group]
        if account is not None and account.confidential:
            seen &= self.team(account) | {self.parts.admin}
        return seen

    def pick_account(self, author: str) -> Customer:
        # Account executives talk about the accounts they own; everyone else (SEs, SDRs,
        # managers, marketing, CS) works across all of them.
        rng = self.rng
        owned = [c for c in self.customers.values() if c.owner == author]
        if owned and self.people[author].department is S and rng.random() < 0.9:
            return rng.choice(owned)
        teams = [c for c in self.customers.values() if author in c.team]
        if teams and rng.random() < 0.2:
            return rng.choice(teams)
        return self.public_account()

    def public_account(self) -> Customer:
        weights = [TIER_WEIGHT[c.tier] for c in self.public]
        return self.rng.choices(self.public, weights)[0]

    def answerers(
        self, department: Department | None, asker: str, audience: frozenset[str]
    ) -> list[str]:
        """Who may answer a question: whoever may see it in the department asked (anyone but
        the asker, for a question asked of everyone)."""
        return [
            h
            for h in sorted(audience - {asker})
            if department is None or self.people[h].department is department
        ]

    # Filling templates

    def fill(self, template: str, ctx: _Context) -> str:
        return template.format_map(_Slots(lambda slots, key: self.slot(slots, key, ctx)))

    def slot(self, slots: _Slots, key: str, ctx: _Context) -> str:
        rng = self.rng
        if key in self.words.choices:
            return rng.choice(self.words.choices[key])
        if key in self.words.numbers:
            low, high, step = self.words.numbers[key]
            return str(rng.randrange(low, high + 1, step))
        if key == "n2":
            return str(int(slots["n"]) + rng.randint(2, 5))
        if key == "arr":
            low, high = self.words.arr_by_tier[ctx.account.tier if ctx.account else "Mid-Market"]
            return f"{rng.randrange(low, high + 1, 5)}k"
        if key == "comp":
            return ctx.comp
        if key == "comp_topic":
            return "#" + ctx.comp.lower()
        if key in ("acct", "acct_name", "industry", "owner"):
            if ctx.account is None:
                ctx.account = rng.choice(self.public)
            account = ctx.account
            if key == "acct":
                return "$" + account.slug
            if key == "acct_name":
                return account.name
            if key == "industry":
                return account.industry.lower()
            if account.owner != ctx.writer and account.owner in ctx.audience:
                ctx.used.add(account.owner)
                return "@" + account.owner
            return self.person(ctx, None)
        if key in ("acct2", "acct3"):
            taken = {ctx.account.slug if ctx.account else "", slots.get("acct2", "")[1:]}
            return "$" + rng.choice([c.slug for c in self.public if c.slug not in taken])
        if key == "author" and ctx.post_author:
            return "@" + ctx.post_author
        if key == "parent" and ctx.parent_author:
            return "@" + ctx.parent_author
        return self.person(ctx, self.role_pools.get(key))

    def person(self, ctx: _Context, pool: Sequence[str] | None) -> str:
        """Mention someone who may see the text (mentioning others would notify nobody)."""
        candidates = [
            h
            for h in (pool or sorted(self.everyone))
            if h in ctx.audience and h != ctx.writer and h not in ctx.used
        ]
        if not candidates:
            return self.person(ctx, None) if pool else "the team"
        handle = self.rng.choice(candidates)
        ctx.used.add(handle)
        return "@" + handle

    def context(self, author: str, group: str | None, account: Customer | None) -> _Context:
        return _Context(
            writer=author,
            audience=self.audience(group, account),
            account=account,
            comp=self.rng.choice(self.words.competitors),
        )

    # Posts

    def post(self, author: str, at: datetime) -> PostPlan:
        department = self.people[author].department
        groups = [slug for slug, members in self.members.items() if author in members]
        if groups and self.rng.random() < 0.2:
            return self.group_post(author, self.rng.choice(groups), at)
        weights = KIND_WEIGHTS[department]
        kind = self.rng.choices(list(weights), list(weights.values()))[0]
        plan: PostPlan | None = None
        if kind is PostKind.blog:
            plan = self.blog(author, at)
        elif kind is PostKind.collateral:
            plan = self.collateral_post(author, at)
        elif kind is PostKind.win_story:
            plan = self.win_story(author, at)
        elif kind is PostKind.question:
            plan = self.question(author, at)
        # Blogs, collateral and wins are one of a kind; once they are used up, people post
        # updates instead.
        return plan or self.update(author, at, None)

    def plan(
        self,
        at: datetime,
        ctx: _Context,
        kind: PostKind,
        title: str | None,
        body: str,
        group: str | None,
    ) -> PostPlan:
        return PostPlan(at, ctx.writer, kind, title, body, group, ctx.account, ctx.audience)

    def told_story(self, story: WinStory, now: datetime) -> PostPlan:
        """A hand-written win story, posted when it was submitted."""
        account = self.customers[story.account]
        return PostPlan(
            story.submitted(now),
            story.author,
            PostKind.win_story,
            story.title,
            story.body,
            None,
            account,
            self.audience(None, account),
            story={
                "problem": story.problem,
                "solution": story.solution,
                "outcome": story.outcome,
                "quote": story.quote,
                "customer_contact": story.customer_contact,
            },
        )

    def update(self, author: str, at: datetime, group: str | None) -> PostPlan:
        department = self.people[author].department
        account = self.pick_account(author)
        ctx = self.context(author, group, account)
        words = self.words
        if author in self.parts.sdrs:
            parts = [self.deck("sdr", words.sdr_updates)]
        elif department is S:
            parts = [
                self.deck("sales-openers", words.sales_openers),
                self.deck("sales-middles", words.sales_middles),
            ]
            if self.rng.random() < 0.3:
                parts.append(self.deck("sales-middles", words.sales_middles))
            parts.append(self.deck("sales-next", words.sales_next_steps))
        elif department is M:
            parts = [self.deck("marketing", words.marketing_updates)]
        elif department is C:
            parts = [self.deck("cs", words.cs_updates)]
        elif department is P:
            parts = [self.deck("product", words.product_updates)]
        elif department is L:
            parts = [self.deck("leadership", words.leadership_updates)]
        else:
            parts = [self.deck(f"ops-{author}", words.ops_updates[author])]
        # Filled as one text so that the slots agree across sentences; topics go last.
        body = _tags_last(self.fill("\n".join(p for p in parts if p), ctx).split("\n"))
        return self.plan(at, ctx, PostKind.update, None, body, group)

    def question(self, author: str, at: datetime) -> PostPlan:
        department = self.people[author].department
        question: Question = self.deck(f"questions-{department}", self.questions[department])
        account = self.pick_account(author)
        to = question.to
        if to is not None and not self.answerers(to, author, self.audience(None, account)):
            # Nobody in the department asked may see this confidential account.
            account = self.public_account()
        return self.asked(at, self.context(author, None, account), question, None)

    def asked(self, at: datetime, ctx: _Context, question: Question, group: str | None) -> PostPlan:
        post = self.plan(at, ctx, PostKind.question, None, self.fill(question.text, ctx), group)
        post.to_department, post.answers = question.to, question.answers
        return post

    def group_post(self, author: str, group: str, at: datetime) -> PostPlan:
        if group not in self.group_posts:
            return self.update(author, at, group)
        account = self.pick_account(author)
        ctx = self.context(author, group, account)
        card = self.deck(group, self.group_posts[group])
        if isinstance(card, Question):
            return self.asked(at, ctx, card, group)
        return self.plan(at, ctx, PostKind.update, None, self.fill(card, ctx), group)

    def blog(self, author: str, at: datetime) -> PostPlan | None:
        blog = next((b for b in self.blogs if author in b.authors), None)
        if blog is None:
            return None
        self.blogs.remove(blog)
        # A rep's blog draws on their own (public) accounts; it is meant for everyone.
        owned = [c for c in self.public if c.owner == author]
        ctx = self.context(author, None, self.rng.choice(owned or self.public))
        title, body = self.fill(blog.title, ctx), self.fill(blog.body, ctx)
        return self.plan(at, ctx, PostKind.blog, title, body, None)

    def collateral_post(self, author: str, at: datetime) -> PostPlan | None:
        if not self.collateral:
            return None
        piece = self.collateral.pop()
        ctx = self.context(author, None, self.rng.choice(self.public))
        title, body = self.fill(piece.title, ctx), self.fill(piece.body, ctx)
        post = self.plan(at, ctx, PostKind.collateral, title, body, None)
        # A one-pager for one industry is catalogued under the industry it was filled with.
        fitted = "{industry}" in piece.title and ctx.account is not None
        industries = piece.industries or ((ctx.account.industry,) if fitted and ctx.account else ())
        post.collateral = {
            "stage": piece.stage,
            "audience": list(piece.audience),
            "industries": list(industries),
        }
        return post

    def win_story(self, author: str, at: datetime) -> PostPlan | None:
        department = self.people[author].department
        owned = [s for s in self.unwon if self.customers[s].owner == author]
        candidates = owned if department is S else self.unwon
        if not candidates:
            return None
        slug = candidates[0]
        self.unwon.remove(slug)
        ctx = self.context(author, None, self.customers[slug])
        openers = self.words.win_openers
        opener = self.rng.choice(openers.get(department, openers[L]))
        expansion = department is C
        body = "\n\n".join(
            (
                opener,
                f"**{'Why they expanded' if expansion else 'Why we won'}:** "
                + self.rng.choice(self.words.win_why),
                "**Who helped:** " + self.rng.choice(self.words.win_helpers),
                "**What marketing can use:** " + self.rng.choice(self.words.win_use) + " #win",
            )
        )
        title = "{acct_name}: " + self.rng.choice(
            self.words.win_headlines["expansion" if expansion else "new"]
        )
        return self.plan(
            at, ctx, PostKind.win_story, self.fill(title, ctx), self.fill(body, ctx), None
        )

    # Conversations

    def comments(
        self, index: int, post: PostPlan, clock: random.Random, now: datetime
    ) -> list[CommentPlan]:
        """Comments on one post, with replies, after the post and never in the future."""
        if post.kind is PostKind.question:
            planned = self.answered(index, post, clock)
        else:
            planned = self.discussed(index, post, clock)
        for comment in planned:
            # Not accepted yet.
            if comment.accepted_at is not None and comment.accepted_at >= now:
                comment.accepted_at = None
        return [c for c in planned if c.at < now]

    def discussed(self, index: int, post: PostPlan, clock: random.Random) -> list[CommentPlan]:
        rng = self.rng
        others = sorted(post.audience - {post.author})
        if not others:
            return []
        count = rng.choice(COMMENT_COUNTS[post.kind])
        owner = post.account.owner if post.account else None
        weights = [3.0 if h == owner else self.affinity(post.author, h) for h in others]
        planned: list[CommentPlan] = []
        for author in _weighted_sample(rng, others, weights, count):
            body = self.say(post, author, f"comments-{post.kind}", self.words.comments[post.kind])
            planned.append(
                CommentPlan(_later(clock, post.at, 4, 60 * 30), index, author, body, None)
            )
            if rng.random() < 0.3:
                replier = post.author if rng.random() < 0.6 else rng.choice(others)
                if replier == author:
                    replier = post.author
                planned.append(self.reply(index, post, planned[-1], replier, clock))
        return planned

    def answered(self, index: int, post: PostPlan, clock: random.Random) -> list[CommentPlan]:
        """A question's answer from the department asked, then what others add. A question
        still waiting (ANSWERED) has no comment from whoever could answer it."""
        rng = self.rng
        candidates = self.answerers(post.to_department, post.author, post.audience)
        newest = index >= NEWEST
        answering: bool = self.deck(f"answered-{newest}", ANSWERED_NEWEST if newest else ANSWERED)
        planned = self.answer(index, post, candidates, clock) if candidates and answering else []
        answer = planned[0] if planned else None
        others = [
            h for h in sorted(post.audience - {post.author}) if not answer or h != answer.author
        ]
        weights = [self.affinity(post.author, h) for h in others]
        for author in _weighted_sample(rng, others, weights, rng.choice(COMMENT_COUNTS[post.kind])):
            if answer is not None:
                body = self.say(
                    post, author, f"comments-{post.kind}", self.words.comments[post.kind]
                )
                at = _later(clock, answer.at, 5, 60 * 24)
            elif author not in candidates:
                body = self.say(post, author, "asides", self.words.asides)
                at = _later(clock, post.at, 5, 60 * 24)
            else:
                continue
            planned.append(CommentPlan(at, index, author, body, None))
        return planned

    def answer(
        self, index: int, post: PostPlan, candidates: Sequence[str], clock: random.Random
    ) -> list[CommentPlan]:
        """A question's first answer after a believable wait, perhaps thanked for and
        accepted by the asker."""
        rng = self.rng
        author = self.answerer(post, candidates)
        body = self.say(post, author, post.answers, post.answers)
        low, high = self.deck("answer-waits", ANSWER_WAITS)
        at = _working_later(post.at, _log_uniform(clock, low, high))
        answer = CommentPlan(at, index, author, body, None)
        planned = [answer]
        if rng.random() < 0.4:
            planned.append(self.reply(index, post, answer, post.author, clock, thanks=True))
        if rng.random() < ACCEPTED:
            # Once read (and thanked for), within a few working hours.
            read = _log_uniform(clock, 0.1, 6.0)
            answer.accepted_at = _working_later(planned[-1].at, read)
        return planned

    def answerer(self, post: PostPlan, candidates: Sequence[str]) -> str:
        """Mostly someone the question reached: in the department asked, a follower of one of
        its accounts or topics, else the department's lead (as the questions domain routes
        it); asked of everyone, whoever is closest to the asker."""
        if post.to_department is None:
            weights = [self.affinity(post.author, h) for h in candidates]
        else:
            found = references(post.body)
            tags = {f"${a}" for a in found.accounts} | {f"#{t}" for t in found.topics}
            told = {h for h in candidates if self.following[h] & tags}
            told = told or set(candidates) & set(self.parts.leads)
            weights = [4.0 if h in told else 1.0 for h in candidates]
        return self.rng.choices(candidates, weights)[0]

    def say(
        self,
        post: PostPlan,
        author: str,
        deck: Hashable,
        cards: Sequence[str],
        *,
        to: str | None = None,
    ) -> str:
        """What `author` comments on `post` (replies, `to` the comment's author)."""
        ctx = self.context(author, post.group, post.account)
        ctx.audience = post.audience
        if to is None:
            ctx.post_author = post.author
            ctx.used.add(post.author)
        else:
            ctx.parent_author = to
        return self.fill(self.deck(deck, cards), ctx)

    def reply(
        self,
        index: int,
        post: PostPlan,
        comment: CommentPlan,
        replier: str,
        clock: random.Random,
        *,
        thanks: bool = False,
    ) -> CommentPlan:
        """A reply to `comment` (the asker's `thanks` for an answer)."""
        deck, cards = ("thanks", self.words.thanks) if thanks else ("replies", self.words.replies)
        body = self.say(post, replier, deck, cards, to=comment.author)
        # The parent's position is filled in by the caller, who numbers comments.
        return CommentPlan(_later(clock, comment.at, 3, 60 * 8), index, replier, body, -1)

    def reactions(
        self, index: int, post: PostPlan, clock: random.Random, now: datetime
    ) -> list[ReactionPlan]:
        rng = self.rng
        low, high = REACTION_COUNTS[post.kind]
        kinds = REACTION_KINDS[post.kind]
        others = sorted(post.audience - {post.author})
        reactors = _weighted_sample(
            rng, others, [self.affinity(post.author, h) for h in others], rng.randint(low, high)
        )
        planned = []
        for user in reactors:
            chosen = rng.choices(list(ReactionKind), kinds, k=2 if rng.random() < 0.1 else 1)
            for kind in dict.fromkeys(chosen):
                planned.append(ReactionPlan(_later(clock, post.at, 2, 60 * 48), index, user, kind))
        return [r for r in planned if r.at < now]

    def affinity(self, author: str, other: str) -> float:
        """People engage most with their own department, and sales with marketing."""
        a, b = self.people[author].department, self.people[other].department
        if a is b:
            return 3.0
        if {a, b} == {S, M}:
            return 2.5
        return 2.0 if L in (a, b) else 1.0


_TRAILING_TAGS = re.compile(r"(?:\s+#[\w-]+)+$")


def _tags_last(sentences: Iterable[str]) -> str:
    """Sentences first, then all their #topics, the way people write a quick update."""
    text, tags = [], []
    for sentence in sentences:
        match = _TRAILING_TAGS.search(sentence)
        if match:
            tags.extend(match.group().split())
            sentence = sentence[: match.start()]
        text.append(sentence)
    return " ".join([*text, *dict.fromkeys(tags)])


def _log_uniform(clock: random.Random, low: float, high: float) -> float:
    return math.exp(clock.uniform(math.log(low), math.log(high)))


def _later(clock: random.Random, after: datetime, low: float, high: float) -> datetime:
    """A moment `low` to `high` minutes after `after`, log-uniform: most replies come fast."""
    return after + timedelta(minutes=_log_uniform(clock, low, high))


def _working_later(after: datetime, hours: float) -> datetime:
    """The moment `hours` of working time (ANSWERING_HOURS) after `after`."""
    at, left = after, timedelta(hours=hours)
    while True:
        start, end = ANSWERING_HOURS[at.weekday()]
        day = at.replace(hour=0, minute=0, second=0, microsecond=0)
        closes = day + timedelta(hours=end)
        if at < closes:
            at = max(at, day + timedelta(hours=start))
            if at + left <= closes:
                return at + left
            left -= closes - at
        at = day + timedelta(days=1)


def _post_times(clock: random.Random, now: datetime, count: int) -> list[datetime]:
    """`count` moments over the last HISTORY_DAYS, mostly on weekday working hours and a
    little busier recently, in increasing order."""
    start = now - timedelta(days=HISTORY_DAYS)
    span = (now - start).total_seconds() - 15 * 60
    times: list[datetime] = []
    while len(times) < count:
        offset = clock.uniform(0, span)
        at = start + timedelta(seconds=offset)
        weight = 0.12 if at.weekday() >= 5 else 1.0
        weight *= 1.0 if 8 <= at.hour < 18 else 0.25 if 6 <= at.hour < 21 else 0.02
        weight *= 0.6 + 0.4 * offset / span
        if clock.random() < weight:
            times.append(at)
    return sorted(times)


def _follows(
    content: Content, rng: random.Random, writer: _Writer
) -> tuple[Follows, Follows, Follows]:
    """Whom, which accounts and which topics each person follows."""
    handles = [p.handle for p in content.people]
    people: dict[str, list[str]] = {}
    accounts: dict[str, list[str]] = {}
    topics: dict[str, list[str]] = {}
    public_big = [c.slug for c in writer.public if c.tier in ("Strategic", "Enterprise")]
    public = [c.slug for c in writer.public]
    for person in content.people:
        me, department = person.handle, person.department
        others = [h for h in handles if h != me]
        weights = [writer.affinity(me, h) for h in others]
        people[me] = _weighted_sample(rng, others, weights, rng.randint(5, 15))
        mine = [c.slug for c in content.customers if me in writer.team(c)]
        if department is S:
            extra = rng.sample([s for s in public if s not in mine], rng.randint(1, 3))
        elif department in (M, L):
            extra = rng.sample(public_big, rng.randint(2, 7))
        elif department is C:
            extra = rng.sample(public, rng.randint(3, 6))
        else:
            extra = rng.sample(public, rng.randint(0, 3))
        accounts[me] = list(dict.fromkeys([*mine, *extra]))
        pool = content.templates.topics[department]
        topics[me] = rng.sample(pool, rng.randint(2, min(5, len(pool))))
    return people, accounts, topics


def plan(content: Content, now: datetime) -> Plan:
    """The whole story, from the fixed seed: the same words on every run, dated before `now`."""
    # Words come from `rng`, dates from `clock`: the words are then the same on every run,
    # whatever the time of day the demo is seeded.
    rng, clock = random.Random(SEED), random.Random(SEED + 1)
    writer = _Writer(content, rng)
    people, accounts, topics = _follows(content, rng, writer)
    writer.following = {
        h: frozenset({*(f"${slug}" for slug in accounts[h]), *(f"#{name}" for name in topics[h])})
        for h in accounts
    }
    authors = [p.handle for p in content.people]
    activity = [p.activity * DEPARTMENT_ACTIVITY[p.department] for p in content.people]
    plans = [
        writer.post(rng.choices(authors, activity)[0], at)
        for at in _post_times(clock, now, POST_COUNT)
    ]
    plans.extend(writer.told_story(story, now) for story in content.stories)
    comments: list[CommentPlan] = []
    reactions: list[ReactionPlan] = []
    for index, post in enumerate(plans):
        for comment in writer.comments(index, post, clock, now):
            if comment.parent == -1:
                comment.parent = len(comments) - 1
            comments.append(comment)
        reactions.extend(writer.reactions(index, post, clock, now))
    return Plan(people, accounts, topics, plans, comments, reactions)
