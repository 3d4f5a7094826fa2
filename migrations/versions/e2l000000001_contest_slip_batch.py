"""contest_slip_batch: login slips for many accounts made off the request

Revision ID: e2l000000001
Revises: e2k000000001
Create Date: 2026-11-30 13:00:00

"""
from alembic import op
import sqlalchemy as sa

import tinhoc.db_types


# revision identifiers, used by Alembic.
revision = 'e2l000000001'
down_revision = 'e2k000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contest_slip_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('school_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('stored_file', sa.String(length=64), nullable=True),
        sa.Column('created_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('contest_slip_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_slip_batch_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_slip_batch_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('contest_slip_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_slip_batch_state'))
        batch_op.drop_index(batch_op.f('ix_contest_slip_batch_contest_id'))
    op.drop_table('contest_slip_batch')
