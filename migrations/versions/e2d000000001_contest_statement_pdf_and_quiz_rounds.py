"""contest problems: an optional PDF statement beside the Markdown one; quiz rounds: the quiz (an
exam of kind "quiz") a round runs

Revision ID: e2d000000001
Revises: e1c000000001
Create Date: 2026-11-30 05:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2d000000001'
down_revision = 'e1c000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest_problem', schema=None) as batch_op:
        batch_op.add_column(sa.Column('statement_pdf', sa.String(length=255), nullable=False, server_default=''))
    with op.batch_alter_table('contest_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quiz_exam_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('contest_round', schema=None) as batch_op:
        batch_op.drop_column('quiz_exam_id')
    with op.batch_alter_table('contest_problem', schema=None) as batch_op:
        batch_op.drop_column('statement_pdf')
