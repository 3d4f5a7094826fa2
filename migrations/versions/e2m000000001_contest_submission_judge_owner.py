"""contest_submission.judge_owner: the web process whose in-process judge pool holds the job, so a
start-up leaves a living sibling's jobs alone and takes up only a dead process's

Revision ID: e2m000000001
Revises: e2l000000001
Create Date: 2026-11-30 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2m000000001'
down_revision = 'e2l000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('judge_owner', sa.String(length=96), nullable=True))


def downgrade():
    with op.batch_alter_table('contest_submission', schema=None) as batch_op:
        batch_op.drop_column('judge_owner')
