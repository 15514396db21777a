"""win stories

One row per `win_story` post: its structured fields, where it is on the way to a testimonial,
the customer's consent; and every step it took. Win stories posted before are written here
as submitted on the day they were posted (their body is the story), with that first step.

Revision ID: b1be3538cab3
Revises: 23a64ccf16df
Create Date: 2026-12-03 08:17:27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision: str = 'b1be3538cab3'
down_revision: str | None = '23a64ccf16df'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('story',
    sa.Column('post_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('solution', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=True),
    sa.Column('customer_contact', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('reviewer_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=True),
    sa.Column('submitted_at', UTCDateTime(), nullable=False),
    sa.Column('consent_by', sa.String(length=200), nullable=True),
    sa.Column('consent_note', sa.Text(), nullable=True),
    sa.Column('consent_at', UTCDateTime(), nullable=True),
    sa.Column('consent_recorded_by_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=True),
    sa.Column('published_at', UTCDateTime(), nullable=True),
    sa.Column('case_study_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['case_study_id'], ['post.id'], name=op.f('fk_story_case_study_id_post'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consent_recorded_by_id'], ['user_account.id'], name=op.f('fk_story_consent_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_story_post_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_story_reviewer_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_story'))
    )
    with op.batch_alter_table('story', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_case_study_id'), ['case_study_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_story_published_at'), ['published_at'], unique=False)
        batch_op.create_index('ix_story_status_post_id', ['status', 'post_id'], unique=False)

    op.create_table('story_step',
    sa.Column('id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=True),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_story_step_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['story.post_id'], name=op.f('fk_story_step_post_id_story'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_story_step'))
    )
    with op.batch_alter_table('story_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_step_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_story_step_post_id_id', ['post_id', 'id'], unique=False)
    op.execute(
        "INSERT INTO story (post_id, problem, solution, outcome, status, submitted_at) "
        "SELECT id, '', '', '', 'submitted', created_at FROM post WHERE kind = 'win_story'"
    )
    op.execute(
        "INSERT INTO story_step (post_id, from_status, to_status, actor_id, at) "
        "SELECT post.id, NULL, 'submitted', post.author_id, post.created_at FROM post "
        "WHERE post.kind = 'win_story'"
    )



def downgrade() -> None:
    with op.batch_alter_table('story_step', schema=None) as batch_op:
        batch_op.drop_index('ix_story_step_post_id_id')
        batch_op.drop_index(batch_op.f('ix_story_step_actor_id'))

    op.drop_table('story_step')
    with op.batch_alter_table('story', schema=None) as batch_op:
        batch_op.drop_index('ix_story_status_post_id')
        batch_op.drop_index(batch_op.f('ix_story_published_at'))
        batch_op.drop_index(batch_op.f('ix_story_case_study_id'))

    op.drop_table('story')
