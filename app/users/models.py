from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, CreatedAt, enum_column


class Department(StrEnum):
    sales = "sales"
    marketing = "marketing"
    customer_success = "customer_success"
    product = "product"
    leadership = "leadership"
    other = "other"


class Role(StrEnum):
    member = "member"
    admin = "admin"


class User(CreatedAt, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    handle: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    department: Mapped[Department] = mapped_column(enum_column(Department, 32), index=True)
    title: Mapped[str | None] = mapped_column(String(120))
    bio: Mapped[str | None] = mapped_column(Text)
    role: Mapped[Role] = mapped_column(enum_column(Role, 16), default=Role.member)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A department lead: signs agreements for their department (set by admins).
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin
