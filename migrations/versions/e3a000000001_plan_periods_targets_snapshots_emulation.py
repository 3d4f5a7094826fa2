"""plan periods, targets per metric and unit, daily target snapshots, emulation criteria

Revision ID: e3a000000001
Revises: e2a000000001
Create Date: 2026-11-30 02:00:00

"""
from alembic import op
import sqlalchemy as sa
import tinhoc.db_types  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = 'e3a000000001'
down_revision = "e2a000000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('end_year', sa.Integer(), nullable=False),
    sa.Column('created_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_period'))
    )
    op.create_table('plan_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('value', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_plan_target_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['period_id'], ['plan_period.id'], name=op.f('fk_plan_target_period_id_plan_period'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_target')),
    sa.UniqueConstraint('period_id', 'metric', 'organisation_id', 'year', name='uq_plan_target')
    )
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_target_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_target_period_id'), ['period_id'], unique=False)
    op.create_table('target_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('numerator', sa.Integer(), nullable=False),
    sa.Column('denominator', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_target_snapshot_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_snapshot')),
    sa.UniqueConstraint('organisation_id', 'metric', 'day', name='uq_target_snapshot')
    )
    op.create_table('emulation_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['plan_period.id'], name=op.f('fk_emulation_criterion_period_id_plan_period'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emulation_criterion')),
    sa.UniqueConstraint('period_id', 'metric', name='uq_emulation_criterion')
    )
    with op.batch_alter_table('emulation_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emulation_criterion_period_id'), ['period_id'], unique=False)


def downgrade():
    with op.batch_alter_table('emulation_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emulation_criterion_period_id'))
    op.drop_table('emulation_criterion')
    op.drop_table('target_snapshot')
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_target_period_id'))
        batch_op.drop_index(batch_op.f('ix_plan_target_organisation_id'))
    op.drop_table('plan_target')
    op.drop_table('plan_period')
