"""contest_submission.requeued_at: the start-up re-queue claims each pending submission once

Revision ID: e2f000000001
Revises: e2g000000001
Create Date: 2026-11-30 06:00:00

"""
from alembic import op
import sqlalchemy as sa
import tinhoc.db_types  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = 'e2f000000001'
down_revision = 'e2g000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requeued_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('contest_submission', schema=None) as batch_op:
        batch_op.drop_column('requeued_at')
