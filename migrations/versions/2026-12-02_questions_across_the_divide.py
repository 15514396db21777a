"""questions

One row per `question` post: the department it asks, where its answer stands. Questions
asked before are written here, asked of everyone, answered by their first comment from
someone other than the asker.

Revision ID: 23a64ccf16df
Revises: 6b295d961967
Create Date: 2026-12-02 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision: str = '23a64ccf16df'
down_revision: str | None = '6b295d961967'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('question',
    sa.Column('post_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('to_department', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('asked_at', UTCDateTime(), nullable=False),
    sa.Column('first_answer_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=True),
    sa.Column('first_answer_at', UTCDateTime(), nullable=True),
    sa.Column('accepted_comment_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=True),
    sa.Column('accepted_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['accepted_comment_id'], ['comment.id'], name=op.f('fk_question_accepted_comment_id_comment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_answer_id'], ['comment.id'], name=op.f('fk_question_first_answer_id_comment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_question_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_question'))
    )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index('ix_question_to_department_status_post_id', ['to_department', 'status', 'post_id'], unique=False)
    op.execute(
        "INSERT INTO question (post_id, to_department, status, asked_at) "
        "SELECT id, NULL, 'open', created_at FROM post WHERE kind = 'question'"
    )
    first = (
        "SELECT min(comment.id) FROM comment JOIN post ON post.id = comment.post_id "
        "WHERE comment.post_id = question.post_id AND comment.author_id != post.author_id"
    )
    op.execute(f"UPDATE question SET first_answer_id = ({first})")
    op.execute(
        "UPDATE question SET status = 'answered', first_answer_at = "
        "(SELECT created_at FROM comment WHERE comment.id = question.first_answer_id) "
        "WHERE first_answer_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index('ix_question_to_department_status_post_id')

    op.drop_table('question')
