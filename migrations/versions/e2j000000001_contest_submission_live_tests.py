"""contest_submission.live_tests: the tests finished so far while a submission is judged

Revision ID: e2j000000001
Revises: e2i000000001
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2j000000001'
down_revision = 'e2i000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('live_tests', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('contest_submission', schema=None) as batch_op:
        batch_op.drop_column('live_tests')
