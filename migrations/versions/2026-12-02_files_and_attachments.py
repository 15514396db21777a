"""files and post attachments

`file` holds what was uploaded (its bytes are in the storage under `storage_key`, a
thumbnail of an image under `thumbnail_key`); `post_attachment` links posts to the files
they carry, in order. A file no post carries is visible to its uploader only.

Revision ID: 7d1e4f2a9b01
Revises: 3f2a9c7d4b10
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = '7d1e4f2a9b01'
down_revision: str | None = '3f2a9c7d4b10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'file',
        sa.Column('id', BigId, nullable=False),
        sa.Column('uploader_id', BigId, nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('storage_key', sa.String(length=64), nullable=False),
        sa.Column('thumbnail_key', sa.String(length=80), nullable=True),
        sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['uploader_id'],
            ['user_account.id'],
            name=op.f('fk_file_uploader_id_user_account'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_file')),
        sa.UniqueConstraint('storage_key', name=op.f('uq_file_storage_key')),
    )
    op.create_index('ix_file_uploader_id_id', 'file', ['uploader_id', 'id'], unique=False)
    op.create_table(
        'post_attachment',
        sa.Column('post_id', BigId, nullable=False),
        sa.Column('file_id', BigId, nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['file_id'], ['file.id'], name=op.f('fk_post_attachment_file_id_file'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['post_id'], ['post.id'], name=op.f('fk_post_attachment_post_id_post'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('post_id', 'file_id', name=op.f('pk_post_attachment')),
    )
    op.create_index(
        'ix_post_attachment_file_id_post_id', 'post_attachment', ['file_id', 'post_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_post_attachment_file_id_post_id', table_name='post_attachment')
    op.drop_table('post_attachment')
    op.drop_index('ix_file_uploader_id_id', table_name='file')
    op.drop_table('file')
