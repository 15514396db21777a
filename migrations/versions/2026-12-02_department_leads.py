"""department leads: `user_account.is_lead`

A lead signs agreements for their department (set by admins).

Revision ID: 9d3f6a1b2c45
Revises: 8c2b5e3f0a12
Create Date: 2026-12-02 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '9d3f6a1b2c45'
down_revision: str | None = '8c2b5e3f0a12'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('is_lead', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('is_lead')
