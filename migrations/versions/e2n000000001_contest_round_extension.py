"""contest_round_extension: extra minutes for one entry at the end of a programming round

Revision ID: e2n000000001
Revises: e2m000000001
Create Date: 2026-11-30 15:50:00

"""
from alembic import op
import sqlalchemy as sa

import tinhoc.db_types


# revision identifiers, used by Alembic.
revision = 'e2n000000001'
down_revision = 'e2m000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contest_round_extension',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('granted_by', sa.Integer(), nullable=True),
        sa.Column('granted_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['contest_entry.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['granted_by'], ['user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['round_id'], ['contest_round.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('round_id', 'entry_id', name='uq_contest_round_extension_entry'),
    )
    with op.batch_alter_table('contest_round_extension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_round_extension_round_id'), ['round_id'], unique=False)


def downgrade():
    with op.batch_alter_table('contest_round_extension', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_round_extension_round_id'))
    op.drop_table('contest_round_extension')
