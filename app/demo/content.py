"""The demo's story, loaded from the TOML files in `data/` into frozen dataclasses.

Loading checks each file and how the files refer to each other (every handle is a person,
every tier is known, ...), so that a writer's typo fails here with the file and the entry
named, not half-way through a seeding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import TypeVar

from app.agreements.models import CheckStatus, Metric
from app.demo.datafile import ContentError, Table, read
from app.demo.logins import DemoLogin, demo_logins_by_handle
from app.posts.models import PostKind
from app.stories.models import StoryStatus
from app.users.models import Department

TIERS = ("Strategic", "Enterprise", "Mid-Market", "SMB")

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class Person:
    """Someone at Northwind."""

    handle: str
    first: str
    last: str
    email: str
    department: Department
    title: str
    bio: str | None
    activity: float  # how often they post, relative to their department

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class Parts:
    """Who plays which part in the stories, by handle."""

    admin: str
    leads: tuple[str, ...]
    solutions_engineers: tuple[str, ...]
    sdrs: tuple[str, ...]
    deal_desk: str
    legal: str
    security: str


@dataclass(frozen=True)
class Customer:
    """An account people post about."""

    name: str
    slug: str
    domain: str
    industry: str
    tier: str
    owner: str
    crm_id: str | None
    confidential: bool
    team: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    """A question post, whom it asks, who asks it, and what its first answer may say."""

    text: str
    to: Department | None  # the department asked (None: everyone)
    asked_by: tuple[Department, ...]  # a group's question: any member
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    """A group, its members and the templates of posts and questions written in it."""

    name: str
    slug: str
    private: bool
    creator: str
    members: tuple[str, ...]
    posts: tuple[str, ...]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Blog:
    """A blog post template and who would plausibly write it."""

    title: str
    body: str
    authors: tuple[str, ...]


@dataclass(frozen=True)
class Collateral:
    """A piece of sales or marketing material, as a post template, with its catalogue data."""

    title: str
    body: str
    stage: str
    audience: tuple[str, ...]
    industries: tuple[str, ...]


@dataclass(frozen=True)
class VerdictStory:
    """A rep's verdict on an asset, as the story tells it."""

    rep: str
    verdict: str
    reason: str | None
    account: str | None
    stage: str | None
    note: str | None
    days_ago: float
    after_revision: bool


@dataclass(frozen=True)
class AssetStory:
    """What the reps said about one asset, and what its author did about it."""

    title: str
    verdicts: tuple[VerdictStory, ...]
    revision_body: str | None
    revision_days_ago: float | None
    reply: str | None
    reply_days_ago: float | None


@dataclass(frozen=True)
class Step:
    """Something that happened to a glossary term or the agreement: a lead's sign-off, a
    comment in its thread, or a new version (`edit`, whose `text` is the new definition)."""

    by: str
    do: str  # approve, reject, comment or edit
    text: str | None
    days_ago: int  # business days before the seeding (the agreement's: before its quarter)
    at: time


@dataclass(frozen=True)
class TermStory:
    """A glossary term: its first version, who follows it, and what happened to it."""

    term: str
    aliases: tuple[str, ...]
    by: str
    required: tuple[Department, ...]  # empty: the default departments
    definition: str
    followers: tuple[str, ...]
    days_ago: int
    at: time
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class CheckStory:
    """Whether a clause without a metric was kept in one month, as its lead recorded it."""

    by: str
    status: CheckStatus
    note: str | None
    at: time


@dataclass(frozen=True)
class ClauseStory:
    owner: Department
    text: str
    metric: Metric | None
    target: float | None
    checks: tuple[CheckStory, ...]  # the first and second month's, for a clause without metric


@dataclass(frozen=True)
class AgreementStory:
    """The quarter's agreement: its clauses, and how it was signed before the quarter."""

    title: str  # with {quarter}
    by: str
    followers: tuple[str, ...]
    days_before: int
    at: time
    steps: tuple[Step, ...]
    clauses: tuple[ClauseStory, ...]


@dataclass(frozen=True)
class StoryMove:
    """One step of a win story after its submission, and who took it."""

    to: StoryStatus
    by: str
    days_ago: int  # calendar days before the seeding
    at: time
    note: str | None  # "{day}" is the step's date
    granted_by: str | None  # consent only: who at the customer agreed

    def taken(self, now: datetime) -> datetime:
        return _days_before(now, self.days_ago, self.at)


@dataclass(frozen=True)
class WinStory:
    """A hand-written win story and how far it got towards a testimonial."""

    title: str
    author: str
    account: str
    status: StoryStatus
    days_ago: int
    at: time
    problem: str
    solution: str
    outcome: str
    quote: str | None
    customer_contact: str | None
    body: str
    steps: tuple[StoryMove, ...]

    def submitted(self, now: datetime) -> datetime:
        return _days_before(now, self.days_ago, self.at)


def _days_before(now: datetime, days: int, at: time) -> datetime:
    """`at` o'clock (UTC), `days` calendar days before `now`."""
    return datetime.combine(now.date() - timedelta(days=days), at, tzinfo=UTC)


@dataclass(frozen=True)
class Templates:
    """The sentences posts and comments are made of, and the values of their slots."""

    competitors: tuple[str, ...]
    questions: tuple[Question, ...]
    choices: Mapping[str, tuple[str, ...]]
    numbers: Mapping[str, tuple[int, int, int]]  # lowest, highest, step
    arr_by_tier: Mapping[str, tuple[int, int]]  # thousands
    sdr_updates: tuple[str, ...]
    marketing_updates: tuple[str, ...]
    cs_updates: tuple[str, ...]
    product_updates: tuple[str, ...]
    leadership_updates: tuple[str, ...]
    sales_openers: tuple[str, ...]
    sales_middles: tuple[str, ...]
    sales_next_steps: tuple[str, ...]
    ops_updates: Mapping[str, tuple[str, ...]]  # by handle
    win_why: tuple[str, ...]
    win_helpers: tuple[str, ...]
    win_use: tuple[str, ...]
    win_headlines: Mapping[str, tuple[str, ...]]  # "new" and "expansion"
    win_openers: Mapping[Department, tuple[str, ...]]
    comments: Mapping[PostKind, tuple[str, ...]]
    replies: tuple[str, ...]
    thanks: tuple[str, ...]  # the asker's reply to an answer
    asides: tuple[str, ...]  # on a question still waiting for the department asked
    topics: Mapping[Department, tuple[str, ...]]  # followed, by department


@dataclass(frozen=True)
class Content:
    """Everything the demo tells."""

    people: tuple[Person, ...]
    parts: Parts
    customers: tuple[Customer, ...]
    groups: tuple[Group, ...]
    blogs: tuple[Blog, ...]
    collateral: tuple[Collateral, ...]
    judged: tuple[AssetStory, ...]
    glossary: tuple[TermStory, ...]
    agreement: AgreementStory
    stories: tuple[WinStory, ...]
    templates: Templates
    logins: Mapping[str, DemoLogin]  # by handle


@cache
def load() -> Content:
    """The demo content, read and checked once per process."""
    cast, parts = _people()
    handles = {p.handle: p for p in cast}
    agreements = read("agreements.toml")
    templates = _templates(handles)
    customers = _customers(handles)
    content = Content(
        people=cast,
        parts=parts,
        customers=customers,
        groups=_groups(handles, templates.choices),
        blogs=_blogs(handles),
        collateral=_collateral(),
        judged=_judged(handles),
        glossary=_glossary(agreements, handles, parts),
        agreement=_agreement(agreements, handles, parts),
        stories=_stories(handles, customers),
        templates=templates,
        logins=demo_logins_by_handle(),
    )
    for handle, login in content.logins.items():
        person = handles.get(handle)
        if person is None:
            raise ContentError(f"logins.toml: {handle!r} is not a person in people.toml")
        if login.email != person.email:
            raise ContentError(
                f"logins.toml: {handle!r} signs in as {person.email}, not {login.email}"
            )
    agreements.close()
    return content


def _people() -> tuple[tuple[Person, ...], Parts]:
    data = read("people.toml")
    domain = data.text("email_domain")
    people: dict[str, Person] = {}
    for entry in data.tables("person"):
        first, last = entry.text("first"), entry.text("last")
        handle = first.lower()
        if handle in people:
            raise entry.error(f"the handle {handle!r} (a first name) is taken by another person")
        people[handle] = Person(
            handle=handle,
            first=first,
            last=last,
            email=f"{first}.{last}@{domain}".lower().replace(" ", ""),
            department=_enum(entry, "department", Department),
            title=entry.text("title"),
            bio=entry.optional_text("bio"),
            activity=entry.number("activity", 1.0),
        )
        entry.close()
    table = data.table("parts")
    parts = Parts(
        admin=_handle(table, "admin", table.text("admin"), people),
        leads=_handles(table, "leads", people),
        solutions_engineers=_handles(table, "solutions_engineers", people),
        sdrs=_handles(table, "sdrs", people),
        deal_desk=_handle(table, "deal_desk", table.text("deal_desk"), people),
        legal=_handle(table, "legal", table.text("legal"), people),
        security=_handle(table, "security", table.text("security"), people),
    )
    table.close()
    data.close()
    return tuple(people.values()), parts


def _customers(people: Mapping[str, Person]) -> tuple[Customer, ...]:
    data = read("customers.toml")
    customers: dict[str, Customer] = {}
    for entry in data.tables("customer"):
        slug = entry.text("slug")
        if slug in customers:
            raise entry.error(f"another customer has the slug {slug!r}")
        tier = entry.text("tier")
        if tier not in TIERS:
            raise entry.error(f"unknown tier {tier!r} (one of: {', '.join(TIERS)})")
        customers[slug] = Customer(
            name=entry.text("name"),
            slug=slug,
            domain=entry.text("domain"),
            industry=entry.text("industry"),
            tier=tier,
            owner=_handle(entry, "owner", entry.text("owner"), people),
            crm_id=entry.optional_text("crm_id"),
            confidential=entry.flag("confidential", False),
            team=_handles(entry, "team", people, optional=True),
        )
        entry.close()
    data.close()
    if all(c.confidential for c in customers.values()):
        raise data.error("at least one customer must not be confidential")
    return tuple(customers.values())


def _groups(people: Mapping[str, Person], choices: Iterable[str]) -> tuple[Group, ...]:
    data = read("groups.toml")
    groups: dict[str, Group] = {}
    for entry in data.tables("group"):
        slug = entry.text("slug")
        if slug in groups:
            raise entry.error(f"another group has the slug {slug!r}")
        groups[slug] = Group(
            name=entry.text("name"),
            slug=slug,
            private=entry.flag("private", False),
            creator=_handle(entry, "creator", entry.text("creator"), people),
            members=_handles(entry, "members", people),
            posts=entry.texts("posts", optional=True),
            questions=tuple(
                _question(q, None, (), choices)
                for q in (entry.tables("question") if "question" in entry.keys() else ())
            ),
        )
        entry.close()
    data.close()
    return tuple(groups.values())


def _blogs(people: Mapping[str, Person]) -> tuple[Blog, ...]:
    data = read("blogs.toml")
    blogs = []
    for entry in data.tables("blog"):
        blogs.append(
            Blog(entry.text("title"), entry.text("body"), _handles(entry, "authors", people))
        )
        entry.close()
    data.close()
    return tuple(blogs)


def _collateral() -> tuple[Collateral, ...]:
    data = read("collateral.toml")
    pieces = []
    for entry in data.tables("collateral"):
        pieces.append(
            Collateral(
                entry.text("title"),
                entry.text("body"),
                entry.text("stage"),
                entry.texts("audience"),
                entry.texts("industries", optional=True),
            )
        )
        entry.close()
    data.close()
    return tuple(pieces)


def _verdict_story(entry: Table, people: Mapping[str, Person]) -> VerdictStory:
    rep = entry.text("rep")
    if rep not in people:
        raise entry.error(f"unknown person {rep!r}")
    story = VerdictStory(
        rep=rep,
        verdict=entry.text("verdict"),
        reason=entry.optional_text("reason"),
        account=entry.optional_text("account"),
        stage=entry.optional_text("stage"),
        note=entry.optional_text("note"),
        days_ago=entry.number("days_ago", 1.0),
        after_revision=entry.flag("after_revision", False),
    )
    entry.close()
    return story


def _judged(people: Mapping[str, Person]) -> tuple[AssetStory, ...]:
    data = read("verdicts.toml")
    stories = []
    for entry in data.tables("asset"):
        revision = entry.table("revision") if "revision" in entry.keys() else None
        stories.append(
            AssetStory(
                title=entry.text("title"),
                verdicts=tuple(_verdict_story(v, people) for v in entry.tables("verdict")),
                revision_body=revision.text("body") if revision else None,
                revision_days_ago=revision.number("days_ago", 1.0) if revision else None,
                reply=entry.optional_text("reply"),
                reply_days_ago=entry.number("reply_days_ago", 1.0)
                if "reply" in entry.keys()
                else None,
            )
        )
        if revision:
            revision.close()
        entry.close()
    data.close()
    return tuple(stories)


_ACTIONS = ("approve", "reject", "comment", "edit")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# Who signs when a term names no departments (as `app.agreements.service` defaults).
_SIGNING = (Department.sales, Department.marketing)


def _time(entry: Table, key: str) -> time:
    value = entry.text(key)
    found = _CLOCK.match(value)
    if found is None:
        raise entry.error(f'{key} must be a time of day as "HH:MM", not {value!r}')
    return time(int(found.group(1)), int(found.group(2)))


def _step(
    entry: Table,
    people: Mapping[str, Person],
    parts: Parts,
    *,
    days: str,
    actions: tuple[str, ...],
    signing: tuple[Department, ...],
) -> Step:
    by = _handle(entry, "by", entry.text("by"), people)
    do = entry.text("do")
    if do not in actions:
        raise entry.error(f"unknown do {do!r} (one of: {', '.join(actions)})")
    text = entry.optional_text("text")
    if text is None and do != "approve":
        raise entry.error(f"missing key 'text': to {do} needs it")
    if do in ("approve", "reject"):
        if by not in parts.leads:
            raise entry.error(f"{by!r} is not one of the leads, who sign: {', '.join(parts.leads)}")
        if people[by].department not in signing:
            raise entry.error(f"{by!r} signs for {people[by].department}, which does not sign it")
    step = Step(by=by, do=do, text=text, days_ago=entry.integer(days), at=_time(entry, "at"))
    entry.close()
    return step


def _in_order(entry: Table, first: tuple[int, time], steps: Iterable[Step]) -> None:
    """Steps come after the proposal and after each other (business days, then time)."""
    previous = (-first[0], first[1])
    for number, step in enumerate(steps, 1):
        moment = (-step.days_ago, step.at)
        if moment <= previous:
            raise entry.error(f"step #{number} does not come after the one before it")
        previous = moment


def _glossary(data: Table, people: Mapping[str, Person], parts: Parts) -> tuple[TermStory, ...]:
    terms: list[TermStory] = []
    names: set[str] = set()
    for entry in data.tables("term"):
        required = tuple(
            _enum_value(entry, "required", value, Department)
            for value in entry.texts("required", optional=True)
        )
        story = TermStory(
            term=entry.text("term"),
            aliases=entry.texts("aliases", optional=True),
            by=_handle(entry, "by", entry.text("by"), people),
            required=required,
            definition=entry.text("definition"),
            followers=_handles(entry, "followers", people, optional=True),
            days_ago=entry.integer("days_ago"),
            at=_time(entry, "at"),
            steps=tuple(
                _step(
                    s,
                    people,
                    parts,
                    days="days_ago",
                    actions=_ACTIONS,
                    signing=required or _SIGNING,
                )
                for s in (entry.tables("step") if "step" in entry.keys() else ())
            ),
        )
        for name in (story.term, *story.aliases):
            if name.casefold() in names:
                raise entry.error(f"{name!r} is already the name or an alias of another term")
            names.add(name.casefold())
        _in_order(entry, (story.days_ago, story.at), story.steps)
        entry.close()
        terms.append(story)
    return tuple(terms)


def _agreement(data: Table, people: Mapping[str, Person], parts: Parts) -> AgreementStory:
    table = data.table("agreement")
    clauses = []
    for entry in table.tables("clause"):
        owner = _enum(entry, "owner", Department)
        metric = _enum(entry, "metric", Metric) if "metric" in entry.keys() else None
        target = entry.number("target", 1.0) if "target" in entry.keys() else None
        if target is not None and metric is None:
            raise entry.error("a target needs a metric")
        checks = []
        for check in entry.tables("check") if "check" in entry.keys() else ():
            by = _handle(check, "by", check.text("by"), people)
            if by not in parts.leads or people[by].department is not owner:
                raise check.error(f"{by!r} is not a lead of {owner}, who records the clause")
            checks.append(
                CheckStory(
                    by=by,
                    status=_enum(check, "status", CheckStatus),
                    note=check.optional_text("note"),
                    at=_time(check, "at"),
                )
            )
            check.close()
        if metric is None and len(checks) != 2:
            raise entry.error("a clause without a metric needs two [[check]]: month 1 and 2")
        if metric is not None and checks:
            raise entry.error("a clause with a metric is measured, not checked by hand")
        clauses.append(ClauseStory(owner, entry.text("text"), metric, target, tuple(checks)))
        entry.close()
    story = AgreementStory(
        title=table.text("title"),
        by=_handle(table, "by", table.text("by"), people),
        followers=_handles(table, "followers", people, optional=True),
        days_before=table.integer("days_before"),
        at=_time(table, "at"),
        steps=tuple(
            _step(
                s,
                people,
                parts,
                days="days_before",
                actions=("approve", "reject", "comment"),
                signing=_SIGNING,
            )
            for s in table.tables("step")
        ),
        clauses=tuple(clauses),
    )
    if "{quarter}" not in story.title:
        raise table.error("title must say which quarter: {quarter}")
    _in_order(table, (story.days_before, story.at), story.steps)
    table.close()
    return story


# Where a story may go from each status (as `app.stories.service` allows): the next step,
# or declined before it is published.
_NEXT = {
    StoryStatus.submitted: StoryStatus.in_review,
    StoryStatus.in_review: StoryStatus.consent_requested,
    StoryStatus.consent_requested: StoryStatus.consent_granted,
    StoryStatus.consent_granted: StoryStatus.published,
}
_WRITERS = (Department.sales, Department.customer_success)


def _stories(people: Mapping[str, Person], customers: Iterable[Customer]) -> tuple[WinStory, ...]:
    data = read("stories.toml")
    accounts = {c.slug: c for c in customers}
    stories: list[WinStory] = []
    for entry in data.tables("story"):
        author = _handle(entry, "author", entry.text("author"), people)
        if people[author].department not in _WRITERS:
            raise entry.error(f"{author!r} is in {people[author].department}: reps and CSMs write")
        slug = entry.text("account")
        account = accounts.get(slug)
        if account is None:
            raise entry.error(f"account: {slug!r} is not a customer in customers.toml")
        body = entry.text("body")
        if f"${slug}" not in body:
            raise entry.error(f"the body must tag the account as ${slug}")
        story = WinStory(
            title=entry.text("title"),
            author=author,
            account=slug,
            status=_enum(entry, "status", StoryStatus),
            days_ago=entry.integer("days_ago"),
            at=_time(entry, "at"),
            problem=entry.text("problem"),
            solution=entry.text("solution"),
            outcome=entry.text("outcome"),
            quote=entry.optional_text("quote"),
            customer_contact=entry.optional_text("customer_contact"),
            body=body,
            steps=tuple(
                _story_move(s, people, author, account)
                for s in (entry.tables("step") if "step" in entry.keys() else ())
            ),
        )
        status, previous = StoryStatus.submitted, (-story.days_ago, story.at)
        for number, move in enumerate(story.steps, 1):
            if move.to not in (_NEXT.get(status), StoryStatus.declined) or (
                status in (StoryStatus.published, StoryStatus.declined)
            ):
                raise entry.error(f"step #{number}: a story {status} cannot go to {move.to}")
            if (-move.days_ago, move.at) <= previous:
                raise entry.error(f"step #{number} does not come after the one before it")
            status, previous = move.to, (-move.days_ago, move.at)
        if status is not story.status:
            raise entry.error(f"status is {story.status}, but the last step leads to {status}")
        if status is StoryStatus.published and account.confidential:
            raise entry.error(f"{slug!r} is confidential: its story cannot be published")
        if any(told.title == story.title for told in stories):
            raise entry.error(f"two stories are titled {story.title!r}")
        entry.close()
        stories.append(story)
    data.close()
    return tuple(stories)


def _story_move(
    entry: Table, people: Mapping[str, Person], author: str, account: Customer
) -> StoryMove:
    to = _enum(entry, "to", StoryStatus)
    by = _handle(entry, "by", entry.text("by"), people)
    note = entry.optional_text("note")
    if to is StoryStatus.consent_granted:
        if by not in (author, account.owner):
            raise entry.error(
                f"{by!r} is neither the author nor the account's owner, who record consent"
            )
        if note is None:
            raise entry.error("missing key 'note': say who at the customer agreed, and how")
    elif people[by].department is not Department.marketing:
        raise entry.error(f"{by!r} is not in marketing, who takes the step to {to}")
    granted_by = entry.optional_text("granted_by")
    if granted_by is not None and to is not StoryStatus.consent_granted:
        raise entry.error("granted_by is for the consent_granted step only")
    move = StoryMove(to, by, entry.integer("days_ago"), _time(entry, "at"), note, granted_by)
    entry.close()
    return move


def _templates(people: Mapping[str, Person]) -> Templates:
    data = read("templates.toml")
    choices = data.table("choices")
    numbers = data.table("numbers")
    arr = data.table("arr_by_tier")
    updates = data.table("updates")
    sales = updates.table("sales")
    ops = updates.table("other")
    win = data.table("win")
    headlines = win.table("headlines")
    openers = win.table("openers")
    comments = data.table("comments")
    topics = data.table("topics")
    questions = data.table("questions")

    ranges = {key: _range(numbers, key) for key in numbers.keys()}
    if set(arr.keys()) != set(TIERS):
        raise arr.error(f"needs exactly one range per tier: {', '.join(TIERS)}")
    for handle in ops.keys():
        if handle not in people:
            raise ops.error(f"{handle!r} is not the handle of a person in people.toml")
    for person in people.values():
        if person.department is Department.other and person.handle not in ops.keys():
            raise ops.error(f"missing key {person.handle!r}: everyone in other needs updates")
    templates = Templates(
        competitors=data.texts("competitors"),
        questions=_questions(questions, choices.keys()),
        choices=_frozen((key, choices.texts(key)) for key in choices.keys()),
        numbers=_frozen(ranges.items()),
        arr_by_tier=_frozen((tier, _span(arr, tier)) for tier in arr.keys()),
        sdr_updates=updates.texts("sdr"),
        marketing_updates=updates.texts("marketing"),
        cs_updates=updates.texts("customer_success"),
        product_updates=updates.texts("product"),
        leadership_updates=updates.texts("leadership"),
        sales_openers=sales.texts("openers"),
        sales_middles=sales.texts("middles"),
        sales_next_steps=sales.texts("next_steps"),
        ops_updates=_frozen((handle, ops.texts(handle)) for handle in ops.keys()),
        win_why=win.texts("why"),
        win_helpers=win.texts("helpers"),
        win_use=win.texts("use"),
        win_headlines=_frozen((key, headlines.texts(key)) for key in ("new", "expansion")),
        win_openers=_by_enum(openers, Department, required=(Department.leadership,)),
        comments=_by_enum(
            comments,
            PostKind,
            required=tuple(PostKind),
            extra=("replies", "thanks", "asides"),
        ),
        replies=comments.texts("replies"),
        thanks=comments.texts("thanks"),
        asides=comments.texts("asides"),
        topics=_by_enum(topics, Department, required=tuple(Department)),
    )
    tables = (choices, numbers, arr, sales, ops, updates, headlines, openers, win, comments, topics)
    for table in (*tables, questions, data):
        table.close()
    return templates


EVERYONE = "everyone"
_SLOT = re.compile(r"\{(\w+)\}")


def _questions(table: Table, choices: Iterable[str]) -> tuple[Question, ...]:
    """`[[questions.<department asked>]]`, and at least one for each department to ask."""
    departments = {d.value: d for d in Department}
    questions = []
    for key in table.keys():
        if key != EVERYONE and key not in departments:
            raise table.error(f"unknown key {key!r} (a department, or {EVERYONE})")
        to = departments.get(key)
        for entry in table.tables(key):
            asked_by = tuple(
                _enum_value(entry, "asked_by", value, Department)
                for value in entry.texts("asked_by")
            )
            if to in asked_by:
                raise entry.error(f"{to} does not ask itself a question")
            questions.append(_question(entry, to, asked_by, choices))
    for department in Department:
        if not any(department in q.asked_by for q in questions):
            raise table.error(f"nobody in {department} has a question to ask")
    return tuple(questions)


def _question(
    entry: Table, to: Department | None, asked_by: tuple[Department, ...], choices: Iterable[str]
) -> Question:
    question = Question(entry.text("text"), to, asked_by, entry.texts("answers"))
    # An answer is filled anew: these slots would name another competitor, system, event...
    refilled = {"comp", "comp_topic", *choices}
    for number, answer in enumerate(question.answers, 1):
        again = set(_SLOT.findall(question.text)) & set(_SLOT.findall(answer)) & refilled
        if again:
            raise entry.error(
                f"answer #{number} uses {{{min(again)}}}, which it would fill with another "
                "value than its question's"
            )
    entry.close()
    return question


# Helpers


E = TypeVar("E", bound=StrEnum)


def _enum(entry: Table, key: str, kind: type[E]) -> E:
    return _enum_value(entry, key, entry.text(key), kind)


def _enum_value(entry: Table, key: str, value: str, kind: type[E]) -> E:
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise entry.error(f"unknown {key} {value!r} (one of: {known})") from None


def _by_enum(
    table: Table,
    kind: type[E],
    *,
    required: tuple[E, ...],
    extra: tuple[str, ...] = (),
) -> Mapping[E, tuple[str, ...]]:
    """A table of lists keyed by the values of an enum (plus `extra` keys read elsewhere)."""
    known = {member.value: member for member in kind}
    for key in table.keys():
        if key not in known and key not in extra:
            raise table.error(f"unknown key {key!r} (one of: {', '.join(known)})")
    for member in required:
        if member.value not in table.keys():
            raise table.error(f"missing key {member.value!r}")
    return _frozen((known[key], table.texts(key)) for key in table.keys() if key not in extra)


def _handle(entry: Table, key: str, handle: str, people: Mapping[str, Person]) -> str:
    if handle not in people:
        raise entry.error(f"{key}: {handle!r} is not the handle of a person in people.toml")
    return handle


def _handles(
    entry: Table, key: str, people: Mapping[str, Person], *, optional: bool = False
) -> tuple[str, ...]:
    handles = entry.texts(key, optional=optional)
    for handle in handles:
        _handle(entry, key, handle, people)
    if len(set(handles)) != len(handles):
        raise entry.error(f"{key}: a handle is listed twice")
    return handles


def _range(table: Table, key: str) -> tuple[int, int, int]:
    low, high, step = table.integers(key, 3)
    if not (low <= high and step > 0):
        raise table.error(f"{key} must be [lowest, highest, step], not {[low, high, step]}")
    return low, high, step


def _span(table: Table, key: str) -> tuple[int, int]:
    low, high = table.integers(key, 2)
    if low > high:
        raise table.error(f"{key} must be [lowest, highest], not {[low, high]}")
    return low, high


def _frozen(items: Iterable[tuple[K, V]]) -> Mapping[K, V]:
    return MappingProxyType(dict(items))
