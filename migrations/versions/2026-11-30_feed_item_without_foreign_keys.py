"""feed items without foreign keys, covering follower indexes

A post writes one feed_item row per reader; checking the two foreign keys of every row cost
PostgreSQL as much as the inserts themselves. The rows of a deleted post are deleted by the
service instead. The follower indexes gain the follower column, so a post's audience is read
from the indexes alone.

Revision ID: 5cedd61192b5
Revises: 8367ca553959
Create Date: 2026-11-30 02:15:26.165922
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5cedd61192b5'
down_revision: str | None = '8367ca553959'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOLLOWER_INDEXES = (
    # table, followed column, follower column
    ('user_follow', 'followee_id', 'follower_id'),
    ('account_follow', 'account_id', 'user_id'),
    ('topic_follow', 'topic_id', 'user_id'),
)


def upgrade() -> None:
    with op.batch_alter_table('feed_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_feed_item_post_id_post'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_feed_item_user_id_user_account'), type_='foreignkey')
    for table, followed, follower in FOLLOWER_INDEXES:
        op.drop_index(op.f(f'ix_{table}_{followed}'), table_name=table)
        op.create_index(f'ix_{table}_{followed}_{follower}', table, [followed, follower])


def downgrade() -> None:
    for table, followed, follower in FOLLOWER_INDEXES:
        op.drop_index(f'ix_{table}_{followed}_{follower}', table_name=table)
        op.create_index(op.f(f'ix_{table}_{followed}'), table, [followed])
    # Rows whose post is gone would break the restored key.
    op.execute(sa.text('DELETE FROM feed_item WHERE post_id NOT IN (SELECT id FROM post)'))
    with op.batch_alter_table('feed_item', schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f('fk_feed_item_user_id_user_account'), 'user_account', ['user_id'], ['id'],
            ondelete='CASCADE',
        )
        batch_op.create_foreign_key(
            op.f('fk_feed_item_post_id_post'), 'post', ['post_id'], ['id'], ondelete='CASCADE'
        )
