"""Seeding the demo: the plan written down through the domain services.

Everything goes through the services, so links, counters, notifications and the visibility
rule are exactly what real use would produce; afterwards the rows are moved back in time to
when they happen in the story.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts import service as accounts
from app.accounts.models import Account
from app.accounts.schemas import AccountCreate
from app.auth.passwords import hash_password
from app.core.db import transaction, utcnow
from app.core.text import slugify
from app.demo import agreeing, assets, content, generator, judging, storytelling
from app.demo.content import Content
from app.demo.generator import HISTORY_DAYS, SEED, Plan
from app.demo.logins import DEMO_PASSWORD, DemoLogin
from app.files import service as files
from app.files.storage import Storage
from app.follows import service as follows
from app.follows.models import UserFollow
from app.groups import service as groups
from app.groups.schemas import GroupCreate
from app.notifications.models import Notification, NotificationKind
from app.posts import service as posts
from app.posts.models import Comment, Post, PostKind, Reaction
from app.posts.schemas import CommentCreate, PostCreate
from app.questions import service as questions
from app.questions.models import Question
from app.users import service as users
from app.users.models import Role, User
from app.users.schemas import UserCreate
from app.visibility import Viewer, load_viewer, load_viewers

POSTS_PER_TRANSACTION = 100


async def seed(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    storage: Storage,
    progress: Callable[[str], None] = print,
) -> list[DemoLogin]:
    """Fill an empty database with the Northwind demo; do nothing if it is already there."""
    story = content.load()
    logins = list(story.logins.values())
    admin_email = next(p.email for p in story.people if p.handle == story.parts.admin)
    async with transaction(sessionmaker, write=False) as session:
        admin = await session.scalar(select(User).where(User.email == admin_email))
    if admin is not None:
        if admin.password_hash is None:
            # The admin's password is the last thing written (see `_finish`), so a demo
            # user without one means an earlier run stopped half-way.
            raise RuntimeError(
                "An earlier demo seeding stopped before it finished; "
                "start again from an empty database."
            )
        progress("demo data already present")
        return logins

    started = time.perf_counter()
    now = utcnow()
    plan = generator.plan(story, now)
    # Argon2 is deliberately slow: hash once and share the hash between all demo users.
    password_hash = await hash_password(DEMO_PASSWORD)
    people, customers = await _setup(sessionmaker, story, now, password_hash, progress)
    viewers = await _follow(sessionmaker, plan, people, customers, now, progress)
    await _files(sessionmaker, storage, plan, people, progress)
    await _timeline(sessionmaker, plan, people, viewers, progress)
    await judging.judge(sessionmaker, storage, story.judged, people, viewers, now, progress)
    await agreeing.agree(sessionmaker, story.glossary, story.agreement, people, now, progress)
    await storytelling.tell(sessionmaker, story.stories, people, now, progress)
    await _finish(sessionmaker, people, story.parts.admin, password_hash, now)
    progress(f"seeding: done in {time.perf_counter() - started:.1f} s")
    return logins


async def _setup(
    sessionmaker: async_sessionmaker[AsyncSession],
    story: Content,
    now: datetime,
    password_hash: str,
    progress: Callable[[str], None],
) -> tuple[dict[str, User], dict[str, Account]]:
    """People, accounts with their teams, and groups with their members."""
    # The company existed before the two months of history: people joined over four years,
    # accounts came from the CRM, groups were set up a while ago.
    clock = random.Random(SEED + 2)
    people: dict[str, User] = {}
    async with transaction(sessionmaker) as session:
        for person in story.people:
            user = await users.create(
                session,
                data=UserCreate(
                    email=person.email,
                    display_name=person.name,
                    handle=person.handle,
                    department=person.department,
                    role=Role.admin if person.handle == story.parts.admin else Role.member,
                    is_lead=person.handle in story.parts.leads,
                    title=person.title,
                    bio=person.bio,
                ),
            )
            # The admin gets its password last: it marks a finished seeding.
            user.password_hash = None if person.handle == story.parts.admin else password_hash
            user.created_at = now - timedelta(days=clock.uniform(HISTORY_DAYS + 30, 4 * 365))
            people[person.handle] = user
        admin = people[story.parts.admin]
        customers: dict[str, Account] = {}
        for customer in story.customers:
            account = await accounts.create(
                session,
                creator=admin,
                data=AccountCreate(
                    name=customer.name,
                    slug=customer.slug,
                    domain=customer.domain,
                    industry=customer.industry,
                    tier=customer.tier,
                    owner_handle=customer.owner,
                    crm_id=customer.crm_id,
                    confidential=customer.confidential,
                ),
            )
            account.created_at = account.updated_at = now - timedelta(
                days=clock.uniform(HISTORY_DAYS + 10, 2 * 365)
            )
            for handle in customer.team:
                await accounts.add_to_team(session, actor=admin, account=account, handle=handle)
            customers[customer.slug] = account
        for spec in story.groups:
            creator = people[spec.creator]
            group = await groups.create(
                session,
                creator=creator,
                data=GroupCreate(name=spec.name, slug=spec.slug, private=spec.private),
            )
            group.created_at = now - timedelta(days=clock.uniform(HISTORY_DAYS + 5, 400))
            # Members join public groups themselves; the creator adds them to a private one.
            viewer = await load_viewer(session, creator)
            for handle in spec.members:
                member = people[handle]
                actor = creator if spec.private else member
                await groups.add_member(
                    session,
                    actor=actor,
                    viewer=viewer if spec.private else await load_viewer(session, member),
                    group=group,
                    handle=handle,
                )
        await session.flush()
    progress(
        f"seeding: {len(people)} people, {len(customers)} accounts, {len(story.groups)} groups"
    )
    return people, customers


async def _follow(
    sessionmaker: async_sessionmaker[AsyncSession],
    plan: Plan,
    people: dict[str, User],
    customers: dict[str, Account],
    now: datetime,
    progress: Callable[[str], None],
) -> dict[str, Viewer]:
    """Who follows whom, which accounts and topics; returns everyone's viewer for posting."""
    clock = random.Random(SEED + 3)
    pairs = [(people[h], people[o]) for h, followees in plan.follows.items() for o in followees]
    # Following happened in the weeks before the two months of posts, not at seeding time,
    # and in the order the rows (and their notifications) are written.
    start = now - timedelta(days=HISTORY_DAYS + 21)
    times = sorted(start + timedelta(days=clock.uniform(0, 20)) for _ in pairs)
    async with transaction(sessionmaker) as session:
        for follower, followee in pairs:
            await follows.follow_user(session, follower=follower, followee=followee)
        stamps = [
            {"follower_id": follower.id, "followee_id": followee.id, "created_at": at}
            for (follower, followee), at in zip(pairs, times, strict=True)
        ]
        await session.execute(update(UserFollow), stamps)
        count = len(pairs)
        for handle, slugs in plan.account_follows.items():
            for slug in slugs:
                await follows.follow_account(session, user=people[handle], account=customers[slug])
                count += 1
        for handle, names in plan.topic_follows.items():
            for name in names:
                await follows.follow_topic(session, user=people[handle], name=name)
                count += 1
        viewers = await load_viewers(session, list(people.values()))
    progress(f"seeding: {count} follows")
    by_id = {v.id: v for v in viewers.values()}
    return {handle: by_id[user.id] for handle, user in people.items()}


async def _bytes(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _files(
    sessionmaker: async_sessionmaker[AsyncSession],
    storage: Storage,
    plan: Plan,
    people: dict[str, User],
    progress: Callable[[str], None],
) -> None:
    """Marketing's assets come with their files: each a one-page PDF, every other one a
    cover image too, uploaded by the post's author as the composer would."""
    count = 0
    collateral = [p for p in plan.posts if p.kind is PostKind.collateral and p.collateral]
    for number, post in enumerate(collateral):
        title = post.title or "Northwind collateral"
        stage = str(post.collateral["stage"]) if post.collateral else "awareness"
        made = [(f"{slugify(title)}.pdf", assets.one_pager(title, post.body))]
        if number % 2 == 0:
            made.append((f"{slugify(title)}-cover.png", assets.cover(title, stage)))
        for name, data in made:
            stored = await files.upload(
                sessionmaker,
                storage,
                uploader=people[post.author],
                name=name,
                chunks=_bytes(data),
                max_bytes=len(data),
            )
            post.attachments.append(stored.id)
            count += 1
    progress(f"seeding: {count} files on {len(collateral)} assets")


_POST, _COMMENT, _REACTION, _ACCEPT = 0, 1, 2, 3


async def _timeline(
    sessionmaker: async_sessionmaker[AsyncSession],
    plan: Plan,
    people: dict[str, User],
    viewers: dict[str, Viewer],
    progress: Callable[[str], None],
) -> None:
    """Posts, comments, reactions and accepted answers in the order they happened, so that
    ids grow with time (feeds and comment lists sort by id), a comment always follows its
    post and a question's first answer is its first comment from the department asked."""
    events: list[tuple[datetime, int, int]] = [
        *((p.at, _POST, i) for i, p in enumerate(plan.posts)),
        *((c.at, _COMMENT, i) for i, c in enumerate(plan.comments)),
        *((r.at, _REACTION, i) for i, r in enumerate(plan.reactions)),
        *((c.accepted_at, _ACCEPT, i) for i, c in enumerate(plan.comments) if c.accepted_at),
    ]
    events.sort()
    # Posts come before their comments and reactions, comments before their replies and
    # their acceptance: a missing one is a KeyError.
    created: dict[int, Post] = {}
    comment_ids: dict[int, int] = {}
    done = {"posts": 0, "comments": 0, "reactions": 0, "accepted": 0}
    position = 0
    while position < len(events):
        async with transaction(sessionmaker) as session:
            post_stamps: list[dict[str, object]] = []
            comment_stamps: list[dict[str, object]] = []
            reaction_stamps: list[dict[str, object]] = []
            accept_stamps: list[dict[str, object]] = []
            chunk_posts = 0
            # The comments and reactions after the last post belong to the last transaction.
            while position < len(events) and (
                chunk_posts < POSTS_PER_TRANSACTION or done["posts"] == len(plan.posts)
            ):
                at, what, index = events[position]
                position += 1
                if what == _POST:
                    p = plan.posts[index]
                    read = await posts.create(
                        session,
                        author=people[p.author],
                        viewer=viewers[p.author],
                        data=PostCreate(
                            kind=p.kind,
                            title=p.title,
                            body=p.body,
                            group=p.group,
                            collateral=p.collateral,
                            attachments=p.attachments,
                            to_department=p.to_department,
                            story=p.story,
                        ),
                    )
                    post = await session.get_one(Post, read.id)  # in the identity map
                    created[index] = post
                    # Out of the identity map: the services' counter UPDATEs synchronise
                    # every Post in it, which would get slower with each post written.
                    session.expunge(post)
                    post_stamps.append({"id": post.id, "created_at": at, "updated_at": at})
                    chunk_posts += 1
                    done["posts"] += 1
                elif what == _COMMENT:
                    c = plan.comments[index]
                    target = created[c.post]
                    comment = await posts.add_comment(
                        session,
                        author=people[c.author],
                        viewer=viewers[c.author],
                        post=target,
                        data=CommentCreate(
                            body=c.body,
                            parent_id=comment_ids[c.parent] if c.parent is not None else None,
                        ),
                    )
                    comment_ids[index] = comment.id
                    comment_stamps.append({"id": comment.id, "created_at": at, "updated_at": at})
                    done["comments"] += 1
                elif what == _REACTION:
                    r = plan.reactions[index]
                    target = created[r.post]
                    user = people[r.user]
                    await posts.react(session, user=user, post=target, kind=r.kind)
                    reaction_stamps.append(
                        {
                            "post_id": target.id,
                            "user_id": user.id,
                            "kind": r.kind.value,
                            "created_at": at,
                        }
                    )
                    done["reactions"] += 1
                else:
                    c = plan.comments[index]
                    target = created[c.post]
                    await questions.accept(
                        session,
                        user=people[plan.posts[c.post].author],
                        post=target,
                        comment_id=comment_ids[index],
                    )
                    accept_stamps.append({"post_id": target.id, "accepted_at": at})
                    done["accepted"] += 1
            # The services stamp everything "now"; move it to when it happened in the story.
            for model, stamps in (
                (Post, post_stamps),
                (Comment, comment_stamps),
                (Reaction, reaction_stamps),
                (Question, accept_stamps),
            ):
                if stamps:
                    await session.execute(update(model), stamps)
        progress(
            f"seeding: posts {done['posts']}/{len(plan.posts)} "
            f"({done['comments']} comments, {done['reactions']} reactions, "
            f"{done['accepted']} accepted answers)"
        )
    async with transaction(sessionmaker) as session:
        # A question was asked with its post and answered by its first answer: their times.
        await session.execute(
            update(Question).values(
                asked_at=select(Post.created_at)
                .where(Post.id == Question.post_id)
                .scalar_subquery(),
                first_answer_at=select(Comment.created_at)
                .where(Comment.id == Question.first_answer_id)
                .scalar_subquery(),
            )
        )


async def _finish(
    sessionmaker: async_sessionmaker[AsyncSession],
    people: dict[str, User],
    admin: str,
    password_hash: str,
    now: datetime,
) -> None:
    """Date the notifications like the events behind them, read all but the recent ones,
    and give the admin a password, which marks the seeding as complete."""
    n = Notification
    ours = n.user_id.in_([u.id for u in people.values()])
    # A notification is dated like the comment it is about, or else like its post (a mention
    # in it, a post on your account, a question to your department); these kinds have a
    # moment of their own.
    of_post = (
        NotificationKind.mention,
        NotificationKind.account_post,
        NotificationKind.question_routed,
    )
    when = {
        NotificationKind.follow: select(UserFollow.created_at).where(
            UserFollow.follower_id == n.actor_id, UserFollow.followee_id == n.user_id
        ),
        NotificationKind.reaction: select(func.min(Reaction.created_at)).where(
            Reaction.post_id == n.post_id, Reaction.user_id == n.actor_id
        ),
        NotificationKind.answer_accepted: select(Question.accepted_at).where(
            Question.post_id == n.post_id
        ),
    }
    async with transaction(sessionmaker) as session:
        await session.execute(
            update(n)
            .where(ours, n.comment_id.is_not(None), n.kind.not_in([k.value for k in when]))
            .values(
                created_at=select(Comment.created_at)
                .where(Comment.id == n.comment_id)
                .scalar_subquery()
            )
        )
        await session.execute(
            update(n)
            .where(ours, n.comment_id.is_(None), n.kind.in_([k.value for k in of_post]))
            .values(
                created_at=select(Post.created_at).where(Post.id == n.post_id).scalar_subquery()
            )
        )
        for kind, stmt in when.items():
            await session.execute(
                update(n)
                .where(ours, n.kind == kind.value)
                .values(created_at=stmt.scalar_subquery())
            )
        # Everyone has kept up with their notifications except for the last week's.
        await session.execute(
            update(n)
            .where(ours, n.created_at < now - timedelta(days=7))
            .values(read_at=n.created_at)
        )
        await session.execute(
            update(User).where(User.id == people[admin].id).values(password_hash=password_hash)
        )
