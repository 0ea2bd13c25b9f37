"""The team roster and join requests: whose signatures a team trusts.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

ROLES = ('rep', 'trainer', 'manager')


def _synced_columns() -> list:
    return [
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('author_id', sa.String(length=36), nullable=True),
        sa.Column('device_id', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.String(length=64), nullable=False),
        sa.Column('deleted', sa.Boolean(), nullable=False),
        sa.Column('edited_by', sa.String(length=36), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        'roster',
        sa.Column('person_id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('role', sa.Enum(*ROLES, name='roster_role', native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
        sa.Column('public_key', sa.String(length=64), nullable=False),
        sa.Column('valid_from', sa.String(length=64), nullable=False),
        sa.Column('revoked_at', sa.String(length=64), nullable=True),
        *_synced_columns(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_roster')),
    )
    op.create_table(
        'join_requests',
        sa.Column('person_id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('role', sa.Enum(*ROLES, name='join_role', native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
        sa.Column('public_key', sa.String(length=64), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        *_synced_columns(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_join_requests')),
    )


def downgrade() -> None:
    op.drop_table('join_requests')
    op.drop_table('roster')
