"""contest_problem_upload: problem packages verified off the request, followed by the organiser

Revision ID: e2h000000001
Revises: e2f000000001
Create Date: 2026-11-30 09:30:00

"""
from alembic import op
import sqlalchemy as sa
import tinhoc.db_types  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = 'e2h000000001'
down_revision = 'e2f000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contest_problem_upload',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('letter', sa.String(length=4), nullable=False),
        sa.Column('title', sa.String(length=255), nullable=False),
        sa.Column('statement_md', sa.Text(), nullable=False),
        sa.Column('package_file', sa.String(length=255), nullable=False),
        sa.Column('package_sha256', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('problem_id', sa.Integer(), nullable=True),
        sa.Column('created_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['problem_id'], ['contest_problem.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['round_id'], ['contest_round.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('contest_problem_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_problem_upload_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_problem_upload_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('contest_problem_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_problem_upload_state'))
        batch_op.drop_index(batch_op.f('ix_contest_problem_upload_round_id'))
    op.drop_table('contest_problem_upload')
