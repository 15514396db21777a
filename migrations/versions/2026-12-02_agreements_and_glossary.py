"""agreements and glossary

One sign-off mechanism (`signable`, its versions, sign-offs, followers and discussion) under
glossary terms (with aliases) and agreements (clauses, hand-kept checks); notifications about
something other than a post carry a path and a summary.

Revision ID: 6b295d961967
Revises: 9d3f6a1b2c45
Create Date: 2026-12-02 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision: str = '6b295d961967'
down_revision: str | None = '9d3f6a1b2c45'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('signable',
    sa.Column('id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('agreed_version', sa.Integer(), nullable=True),
    sa.Column('required_departments', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_signable_created_by_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signable'))
    )
    op.create_table('agreement',
    sa.Column('signable_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['signable_id'], ['signable.id'], name=op.f('fk_agreement_signable_id_signable'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('signable_id', name=op.f('pk_agreement'))
    )
    op.create_table('glossary_term',
    sa.Column('signable_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('term', sa.String(length=80), nullable=False),
    sa.Column('term_key', sa.String(length=240), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('definition_html', sa.Text(), nullable=False),
    sa.Column('agreed_definition', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['signable_id'], ['signable.id'], name=op.f('fk_glossary_term_signable_id_signable'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('signable_id', name=op.f('pk_glossary_term')),
    sa.UniqueConstraint('slug', name=op.f('uq_glossary_term_slug')),
    sa.UniqueConstraint('term_key', name=op.f('uq_glossary_term_term_key'))
    )
    op.create_table('signable_follow',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('signable_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['signable_id'], ['signable.id'], name=op.f('fk_signable_follow_signable_id_signable'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_signable_follow_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'signable_id', name=op.f('pk_signable_follow'))
    )
    with op.batch_alter_table('signable_follow', schema=None) as batch_op:
        batch_op.create_index('ix_signable_follow_signable_id_user_id', ['signable_id', 'user_id'], unique=False)

    op.create_table('signable_version',
    sa.Column('signable_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_signable_version_author_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signable_id'], ['signable.id'], name=op.f('fk_signable_version_signable_id_signable'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('signable_id', 'version', name=op.f('pk_signable_version'))
    )
    op.create_table('signoff',
    sa.Column('id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('signable_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['signable_id'], ['signable.id'], name=op.f('fk_signoff_signable_id_signable'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_signoff_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signoff'))
    )
    with op.batch_alter_table('signoff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signoff_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_signoff_once', ['signable_id', 'version', 'user_id'], unique=True)

    op.create_table('agreement_clause',
    sa.Column('agreement_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('owner_department', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=True),
    sa.Column('target', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.signable_id'], name=op.f('fk_agreement_clause_agreement_id_agreement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agreement_id', 'number', name=op.f('pk_agreement_clause'))
    )
    op.create_table('clause_check',
    sa.Column('agreement_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.signable_id'], name=op.f('fk_clause_check_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_clause_check_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agreement_id', 'number', 'period', name=op.f('pk_clause_check'))
    )
    op.create_table('glossary_alias',
    sa.Column('alias_key', sa.String(length=240), nullable=False),
    sa.Column('signable_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('alias', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['signable_id'], ['glossary_term.signable_id'], name=op.f('fk_glossary_alias_signable_id_glossary_term'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('alias_key', name=op.f('pk_glossary_alias'))
    )
    with op.batch_alter_table('glossary_alias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_glossary_alias_signable_id'), ['signable_id'], unique=False)

    op.create_table('signable_comment',
    sa.Column('id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('signable_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.INTEGER(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_signable_comment_author_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signable_id'], ['signable.id'], name=op.f('fk_signable_comment_signable_id_signable'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signable_comment'))
    )
    with op.batch_alter_table('signable_comment', schema=None) as batch_op:
        batch_op.create_index('ix_signable_comment_signable_id_id', ['signable_id', 'id'], unique=False)

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('summary', sa.String(length=300), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('summary')
        batch_op.drop_column('path')

    with op.batch_alter_table('signable_comment', schema=None) as batch_op:
        batch_op.drop_index('ix_signable_comment_signable_id_id')

    op.drop_table('signable_comment')
    with op.batch_alter_table('glossary_alias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_glossary_alias_signable_id'))

    op.drop_table('glossary_alias')
    op.drop_table('clause_check')
    op.drop_table('agreement_clause')
    with op.batch_alter_table('signoff', schema=None) as batch_op:
        batch_op.drop_index('uq_signoff_once')
        batch_op.drop_index(batch_op.f('ix_signoff_user_id'))

    op.drop_table('signoff')
    op.drop_table('signable_version')
    with op.batch_alter_table('signable_follow', schema=None) as batch_op:
        batch_op.drop_index('ix_signable_follow_signable_id_user_id')

    op.drop_table('signable_follow')
    op.drop_table('glossary_term')
    op.drop_table('agreement')
    op.drop_table('signable')
