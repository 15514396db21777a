"""topic counts that follow the visibility rule

`post_topic.restricted` marks the links of posts that someone may be unable to see (a
private group's, a confidential account's); `topic.public_post_count` counts the others. A
viewer's count of a topic is the public count plus the restricted links they may see, read
through a partial index of the (few) restricted links.

Revision ID: 3f2a9c7d4b10
Revises: 0b7c1f4e2a91
Create Date: 2026-12-02 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3f2a9c7d4b10'
down_revision: str | None = '0b7c1f4e2a91'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('post_topic', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('restricted', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('public_post_count', sa.Integer(), server_default='0', nullable=False)
        )
    op.execute(
        sa.text(
            'UPDATE post_topic SET restricted = (SELECT post.group_private OR post.confidential '
            'FROM post WHERE post.id = post_topic.post_id)'
        )
    )
    op.execute(
        sa.text(
            'UPDATE topic SET public_post_count = (SELECT count(*) FROM post_topic '
            'WHERE post_topic.topic_id = topic.id AND NOT post_topic.restricted)'
        )
    )
    op.create_index(
        'ix_post_topic_restricted_topic_id',
        'post_topic',
        ['topic_id'],
        sqlite_where=sa.text('restricted'),
        postgresql_where=sa.text('restricted'),
    )


def downgrade() -> None:
    op.drop_index('ix_post_topic_restricted_topic_id', table_name='post_topic')
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.drop_column('public_post_count')
    with op.batch_alter_table('post_topic', schema=None) as batch_op:
        batch_op.drop_column('restricted')
