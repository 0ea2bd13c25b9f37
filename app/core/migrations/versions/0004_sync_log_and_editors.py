"""Sync you can trust: who made each version, the local change log, exact versions,
and recordings named only by a real SHA-256.

- ``edited_by`` on every synced table: the person who made this version
  (records written before stay NULL, and sync judges them by the earlier rules).
- ``sync_log``: every version received or sent, with its verdict.
- Versions whose counter ran past five digits (they sorted wrongly as text) are
  carried into the milliseconds, the same way on every device.
- SHA-256 columns refuse anything but 64 lowercase hex digits. SQLite cannot add
  a CHECK to an existing table without rebuilding it, which its enforced foreign
  keys forbid inside this transaction, so triggers enforce the same check.

Revision ID: 0004
Revises: 0003
"""

import re

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SYNCED = (
    'teams', 'people', 'products', 'cross_sells', 'rubrics', 'rubric_criteria', 'scenarios',
    'assignments', 'submissions', 'reviews', 'comments', 'top_videos', 'rewards',
)
SHA_COLUMNS = (('submissions', 'sha256', False), ('takes', 'sha256', False),
               ('scenarios', 'prompt_media_sha256', True))
HEX64 = '[0-9a-f]' * 64
LEGACY = re.compile(r'^(\d{1,13})\.(\d{1,9})\.(.+)$')


def _exact(version: str) -> str:
    m = LEGACY.match(version or '')
    if m is None:
        return version
    millis, counter = int(m.group(1)), int(m.group(2))
    millis, counter = millis + counter // 100000, counter % 100000
    return f'{millis:013d}.{counter:05d}.{m.group(3)}'


def upgrade() -> None:
    for table in SYNCED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('edited_by', sa.String(length=36), nullable=True))

    op.create_table(
        'sync_log',
        sa.Column('table_name', sa.String(length=40), nullable=False),
        sa.Column('record_id', sa.String(length=36), nullable=False),
        sa.Column('version', sa.String(length=64), nullable=False),
        sa.Column('device_id', sa.String(length=36), nullable=False),
        sa.Column('author_id', sa.String(length=36), nullable=True),
        sa.Column('editor_id', sa.String(length=36), nullable=True),
        sa.Column('change', sa.Text(), nullable=False),
        sa.Column('verdict', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('table_name', 'record_id', 'version', name=op.f('pk_sync_log')),
    )
    with op.batch_alter_table('sync_log', schema=None) as batch_op:
        batch_op.create_index('ix_sync_log_verdict', ['verdict'], unique=False)
        batch_op.create_index('ix_sync_log_editor', ['editor_id', 'version'], unique=False)
        batch_op.create_index('ix_sync_log_author', ['author_id', 'version'], unique=False)
        batch_op.create_index('ix_sync_log_device', ['device_id', 'version'], unique=False)

    bind = op.get_bind()
    for table in SYNCED:
        rows = bind.execute(sa.text(f'SELECT id, version FROM {table}')).all()
        for record_id, version in rows:
            exact = _exact(version)
            if exact != version:
                bind.execute(
                    sa.text(f'UPDATE {table} SET version = :v WHERE id = :i'),
                    {'v': exact, 'i': record_id},
                )

    for table, column, nullable in SHA_COLUMNS:
        allowed = f"NEW.{column} GLOB '{HEX64}'"
        if nullable:
            allowed = f'(NEW.{column} IS NULL OR {allowed})'
        for event in ('INSERT', f'UPDATE OF {column}'):
            name = f"{table}_{column}_{event.split()[0].lower()}_check"
            op.execute(
                f'CREATE TRIGGER {name} BEFORE {event} ON {table} WHEN NOT {allowed} '
                f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {column} is a SHA-256'); END"
            )


def downgrade() -> None:
    for table, column, _nullable in SHA_COLUMNS:
        for event in ('insert', 'update'):
            op.execute(f'DROP TRIGGER IF EXISTS {table}_{column}_{event}_check')
    with op.batch_alter_table('sync_log', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_log_device')
        batch_op.drop_index('ix_sync_log_author')
        batch_op.drop_index('ix_sync_log_editor')
        batch_op.drop_index('ix_sync_log_verdict')
    op.drop_table('sync_log')
    for table in SYNCED:
        # SQLite drops a column in place (3.35+): rebuilding the table would trip its
        # enforced foreign keys.
        op.execute(f'ALTER TABLE {table} DROP COLUMN edited_by')
