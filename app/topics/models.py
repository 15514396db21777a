from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, CreatedAt


class Topic(CreatedAt, Base):
    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # Every post with the topic, and those everyone may see (the rest count per viewer).
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    public_post_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
