"""Every table, imported once so that Alembic and the tests see the whole schema."""

from app.accounts.models import Account, AccountMember
from app.agreements.models import (
    Agreement,
    Clause,
    ClauseCheck,
    Discussion,
    Signable,
    SignableFollow,
    SignableVersion,
    Signoff,
    Term,
    TermAlias,
)
from app.auth.models import ApiToken
from app.collateral.models import Collateral, CollateralTag, Verdict
from app.core.db import Base
from app.feeds.models import FeedItem, FeedState
from app.files.models import File
from app.follows.models import AccountFollow, TopicFollow, UserFollow
from app.groups.models import Group, GroupMember
from app.notifications.models import Notification
from app.outbox.models import OutboxChannel, OutboxConsumer, OutboxEvent
from app.posts.models import (
    Comment,
    Post,
    PostAccount,
    PostAttachment,
    PostMention,
    PostTopic,
    Reaction,
)
from app.questions.models import Question
from app.stories.models import Story, StoryStep
from app.topics.models import Topic
from app.users.models import User

__all__ = [
    "Account",
    "AccountFollow",
    "AccountMember",
    "Agreement",
    "ApiToken",
    "Base",
    "Clause",
    "ClauseCheck",
    "Collateral",
    "CollateralTag",
    "Comment",
    "Discussion",
    "FeedItem",
    "FeedState",
    "File",
    "Group",
    "GroupMember",
    "Notification",
    "OutboxChannel",
    "OutboxConsumer",
    "OutboxEvent",
    "Post",
    "PostAccount",
    "PostAttachment",
    "PostMention",
    "PostTopic",
    "Question",
    "Reaction",
    "Signable",
    "SignableFollow",
    "SignableVersion",
    "Signoff",
    "Story",
    "StoryStep",
    "Term",
    "TermAlias",
    "Topic",
    "TopicFollow",
    "User",
    "UserFollow",
    "Verdict",
]
