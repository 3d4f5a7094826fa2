"""contest_submission.judge_task_id / judge_sent_at: the Celery task a submission was sent as, so a
web process that starts while it is queued or judged follows that task instead of sending it again

Revision ID: e2k000000001
Revises: e2j000000001
Create Date: 2026-11-30 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import tinhoc.db_types


# revision identifiers, used by Alembic.
revision = 'e2k000000001'
down_revision = 'e2j000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('judge_task_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('judge_sent_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('contest_submission', schema=None) as batch_op:
        batch_op.drop_column('judge_sent_at')
        batch_op.drop_column('judge_task_id')
