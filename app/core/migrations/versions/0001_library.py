"""The scenario library: people, teams, products, rubrics, scenarios, assignments.

Revision ID: 0001
Revises: 
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('local_state',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_local_state'))
    )
    op.create_table('products',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('key', name=op.f('uq_products_key'))
    )
    op.create_table('rubrics',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubrics')),
    sa.UniqueConstraint('key', name=op.f('uq_rubrics_key'))
    )
    op.create_table('teams',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_teams_name'))
    )
    op.create_table('cross_sells',
    sa.Column('product_id', sa.String(length=36), nullable=False),
    sa.Column('suggested_id', sa.String(length=36), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.CheckConstraint('product_id <> suggested_id', name=op.f('ck_cross_sells_not_self')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_cross_sells_product_id_products')),
    sa.ForeignKeyConstraint(['suggested_id'], ['products.id'], name=op.f('fk_cross_sells_suggested_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cross_sells')),
    sa.UniqueConstraint('product_id', 'suggested_id', name='uq_cross_sells_pair')
    )
    op.create_table('people',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.Enum('rep', 'trainer', 'manager', name='role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('team_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_people_name_not_blank')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_people_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people'))
    )
    op.create_table('rubric_criteria',
    sa.Column('rubric_id', sa.String(length=36), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.CheckConstraint('max_score >= 1 AND max_score <= 100', name=op.f('ck_rubric_criteria_max_score_range')),
    sa.CheckConstraint('weight > 0', name=op.f('ck_rubric_criteria_weight_positive')),
    sa.ForeignKeyConstraint(['rubric_id'], ['rubrics.id'], name=op.f('fk_rubric_criteria_rubric_id_rubrics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_criteria')),
    sa.UniqueConstraint('rubric_id', 'key', name='uq_rubric_criteria_key')
    )
    op.create_table('scenarios',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('pack_key', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('situation', sa.Text(), nullable=False),
    sa.Column('customer_line', sa.Text(), nullable=False),
    sa.Column('primary_product_id', sa.String(length=36), nullable=False),
    sa.Column('cross_sell_product_id', sa.String(length=36), nullable=False),
    sa.Column('talking_points', sa.JSON(), nullable=False),
    sa.Column('keywords_mention', sa.JSON(), nullable=False),
    sa.Column('keywords_avoid', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('difficulty', sa.String(length=20), nullable=False),
    sa.Column('prep_seconds', sa.Integer(), nullable=False),
    sa.Column('max_answer_seconds', sa.Integer(), nullable=False),
    sa.Column('allowed_attempts', sa.Integer(), nullable=False),
    sa.Column('prompt_media_sha256', sa.String(length=64), nullable=True),
    sa.Column('prompt_media_name', sa.String(length=255), nullable=True),
    sa.Column('rubric_id', sa.String(length=36), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.CheckConstraint('allowed_attempts >= 1 AND allowed_attempts <= 100', name=op.f('ck_scenarios_attempts_range')),
    sa.CheckConstraint('length(trim(title)) > 0', name=op.f('ck_scenarios_title_not_blank')),
    sa.CheckConstraint('max_answer_seconds >= 5 AND max_answer_seconds <= 3600', name=op.f('ck_scenarios_answer_range')),
    sa.CheckConstraint('prep_seconds >= 0 AND prep_seconds <= 3600', name=op.f('ck_scenarios_prep_range')),
    sa.CheckConstraint('primary_product_id <> cross_sell_product_id', name=op.f('ck_scenarios_two_products')),
    sa.ForeignKeyConstraint(['cross_sell_product_id'], ['products.id'], name=op.f('fk_scenarios_cross_sell_product_id_products')),
    sa.ForeignKeyConstraint(['primary_product_id'], ['products.id'], name=op.f('fk_scenarios_primary_product_id_products')),
    sa.ForeignKeyConstraint(['rubric_id'], ['rubrics.id'], name=op.f('fk_scenarios_rubric_id_rubrics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenarios')),
    sa.UniqueConstraint('key', name=op.f('uq_scenarios_key'))
    )
    op.create_table('assignments',
    sa.Column('scenario_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('team_id', sa.String(length=36), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.CheckConstraint('(person_id IS NOT NULL) <> (team_id IS NOT NULL)', name=op.f('ck_assignments_one_assignee')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_assignments_person_id_people')),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], name=op.f('fk_assignments_scenario_id_scenarios')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_assignments_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )


def downgrade() -> None:
    op.drop_table('assignments')
    op.drop_table('scenarios')
    op.drop_table('rubric_criteria')
    op.drop_table('people')
    op.drop_table('cross_sells')
    op.drop_table('teams')
    op.drop_table('rubrics')
    op.drop_table('products')
    op.drop_table('local_state')
