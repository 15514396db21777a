"""What the search indexer is told beyond the post and comment events it reads anyway:
people, accounts and glossary terms changed, a question's accepted answer changed (an outbox
row each, read by `app.search_index.indexer`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.events import AccountChanged
from app.agreements.events import TermChanged
from app.core import events
from app.outbox import events as outbox
from app.questions.events import AnswerAccepted
from app.users.events import UserChanged

on = events.Handlers()


@on(UserChanged)
async def user_changed(session: AsyncSession, event: UserChanged) -> None:
    await outbox.user_changed(session, user_id=event.user_id)


@on(AccountChanged)
async def account_changed(session: AsyncSession, event: AccountChanged) -> None:
    await outbox.account_changed(
        session, account_id=event.account_id, posts=event.restrictions_changed
    )


@on(TermChanged)
async def term_changed(session: AsyncSession, event: TermChanged) -> None:
    await outbox.term_changed(session, signable_id=event.signable_id)


@on(AnswerAccepted)
async def answer_accepted(session: AsyncSession, event: AnswerAccepted) -> None:
    await outbox.answer_accepted(session, question_id=event.post_id)
