from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, CreatedAt, Timestamps, enum_column


class PostKind(StrEnum):
    update = "update"
    blog = "blog"
    win_story = "win_story"
    question = "question"
    collateral = "collateral"


class ReactionKind(StrEnum):
    like = "like"
    insightful = "insightful"
    celebrate = "celebrate"


class Post(Timestamps, Base):
    """A post. `group_private` and `confidential` are kept in step with the group and the
    tagged accounts so that the visibility rule is a cheap filter on the post row."""

    __tablename__ = "post"
    __table_args__ = (
        Index("ix_post_author_id_id", "author_id", "id"),
        Index("ix_post_group_id_id", "group_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[PostKind] = mapped_column(enum_column(PostKind, 16))
    title: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("user_group.id", ondelete="CASCADE"))
    group_private: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    like_count: Mapped[int] = mapped_column(Integer, default=0)
    insightful_count: Mapped[int] = mapped_column(Integer, default=0)
    celebrate_count: Mapped[int] = mapped_column(Integer, default=0)


class PostAccount(Base):
    __tablename__ = "post_account"
    __table_args__ = (Index("ix_post_account_account_id_post_id", "account_id", "post_id"),)

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )


class PostTopic(Base):
    """A post's topic. `restricted` is kept in step with the post (a private group's, a
    confidential account's): a topic's count for a viewer reads only these links beyond the
    topic's public count."""

    __tablename__ = "post_topic"
    __table_args__ = (
        Index("ix_post_topic_topic_id_post_id", "topic_id", "post_id"),
        Index(
            "ix_post_topic_restricted_topic_id",
            "topic_id",
            sqlite_where=text("restricted"),
            postgresql_where=text("restricted"),
        ),
    )

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True
    )
    restricted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PostMention(Base):
    __tablename__ = "post_mention"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Comment(Timestamps, Base):
    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_post_id_id", "post_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)


class Reaction(CreatedAt, Base):
    __tablename__ = "reaction"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    kind: Mapped[ReactionKind] = mapped_column(enum_column(ReactionKind, 16), primary_key=True)


class PostAttachment(Base):
    """A file a post carries, at `position` in its list. A file may be on several posts (an
    author may attach a file seen on another post)."""

    __tablename__ = "post_attachment"
    __table_args__ = (Index("ix_post_attachment_file_id_post_id", "file_id", "post_id"),)

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    file_id: Mapped[int] = mapped_column(
        ForeignKey("file.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)
