"""outbox wake-up notification (PostgreSQL)

A transaction that writes outbox events NOTIFYs `tandem_outbox` when it commits (PostgreSQL
delivers notifications only on commit, once per channel and payload), so a `tandem worker`
in another process drains them at once instead of at its next poll. Statement-level: one
notification however many events a statement writes. SQLite runs in one process, where
commits wake the consumers directly; nothing to do there.

Revision ID: 0b7c1f4e2a91
Revises: 5cedd61192b5
Create Date: 2026-11-30 02:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0b7c1f4e2a91'
down_revision: str | None = '5cedd61192b5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        """
        CREATE FUNCTION tandem_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('tandem_outbox', '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER outbox_event_notify AFTER INSERT ON outbox_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION tandem_outbox_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP TRIGGER outbox_event_notify ON outbox_event")
    op.execute("DROP FUNCTION tandem_outbox_notify()")
