"""collateral and verdicts

A collateral post's catalogue data (`collateral`), its audiences and industries
(`collateral_tag`), and what reps said about each version (`verdict`, one per rep, version
and account). Notification kinds grow past 16 characters (`collateral_flagged`).

Revision ID: 8c2b5e3f0a12
Revises: 7d1e4f2a9b01
Create Date: 2026-12-02 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision: str = '8c2b5e3f0a12'
down_revision: str | None = '7d1e4f2a9b01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'collateral',
        sa.Column('post_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('version_at', UTCDateTime(), nullable=False),
        sa.Column('flagged_reason', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ['post_id'], ['post.id'], name=op.f('fk_collateral_post_id_post'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('post_id', name=op.f('pk_collateral')),
    )
    op.create_table(
        'collateral_tag',
        sa.Column('post_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ['post_id'],
            ['collateral.post_id'],
            name=op.f('fk_collateral_tag_post_id_collateral'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('post_id', 'kind', 'value', name=op.f('pk_collateral_tag')),
    )
    op.create_index('ix_collateral_tag_kind_value', 'collateral_tag', ['kind', 'value'])
    op.create_table(
        'verdict',
        sa.Column('id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
        sa.Column('post_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
        sa.Column(
            'account_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=True
        ),
        sa.Column('verdict', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=True),
        sa.Column('deal_stage', sa.String(length=16), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['account_id'],
            ['account.id'],
            name=op.f('fk_verdict_account_id_account'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['post_id'],
            ['collateral.post_id'],
            name=op.f('fk_verdict_post_id_collateral'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['user_account.id'],
            name=op.f('fk_verdict_user_id_user_account'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verdict')),
    )
    op.create_index('ix_verdict_post_id_version', 'verdict', ['post_id', 'version'])
    op.create_index('ix_verdict_account_id_post_id', 'verdict', ['account_id', 'post_id'])
    op.create_index(op.f('ix_verdict_user_id'), 'verdict', ['user_id'])
    op.create_index(
        'uq_verdict_on_account',
        'verdict',
        ['post_id', 'version', 'user_id', 'account_id'],
        unique=True,
        sqlite_where=sa.text('account_id IS NOT NULL'),
        postgresql_where=sa.text('account_id IS NOT NULL'),
    )
    op.create_index(
        'uq_verdict_without_account',
        'verdict',
        ['post_id', 'version', 'user_id'],
        unique=True,
        sqlite_where=sa.text('account_id IS NULL'),
        postgresql_where=sa.text('account_id IS NULL'),
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column(
            'kind', existing_type=sa.String(length=16), type_=sa.String(length=32)
        )


def downgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM notification WHERE kind IN ('collateral_flagged', 'collateral_updated')"
        )
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column(
            'kind', existing_type=sa.String(length=32), type_=sa.String(length=16)
        )
    op.drop_table('verdict')
    op.drop_index('ix_collateral_tag_kind_value', table_name='collateral_tag')
    op.drop_table('collateral_tag')
    op.drop_table('collateral')
