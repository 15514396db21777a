from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, CreatedAt


class File(CreatedAt, Base):
    """An uploaded file. Its bytes are in the storage under `storage_key` (random, never the
    user's name), an image's thumbnail under `thumbnail_key`. Who may see it is the
    visibility rule's: the uploader until it is attached, then whoever may see a post that
    carries it (`post_attachment`, the posts domain's table)."""

    __tablename__ = "file"
    __table_args__ = (Index("ix_file_uploader_id_id", "uploader_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    thumbnail_key: Mapped[str | None] = mapped_column(String(80))
