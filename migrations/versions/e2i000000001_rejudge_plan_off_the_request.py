"""contest_rejudge_plan: previews judged off the request (state, progress, claim)

Revision ID: e2i000000001
Revises: e2h000000001
Create Date: 2026-11-30 09:45:00

"""
from alembic import op
import sqlalchemy as sa
import tinhoc.db_types  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = 'e2i000000001'
down_revision = 'e2h000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest_rejudge_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=16), server_default='ready', nullable=False))
        batch_op.add_column(sa.Column('submission_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('total', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('done', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('message', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('started_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('contest_rejudge_plan', schema=None) as batch_op:
        batch_op.drop_column('started_at')
        batch_op.drop_column('message')
        batch_op.drop_column('done')
        batch_op.drop_column('total')
        batch_op.drop_column('submission_ids')
        batch_op.drop_column('state')
