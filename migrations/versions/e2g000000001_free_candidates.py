"""contests: divisions open to free candidates (thí sinh tự do) and the free candidate's entry
(typed school name, contact)

Revision ID: e2g000000001
Revises: e2b000000001
Create Date: 2026-11-30 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2g000000001'
down_revision = 'e2b000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest_division', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_to_free', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('contest_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('free_candidate', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('school_name', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact', sa.String(length=255), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('contest_entry', schema=None) as batch_op:
        batch_op.drop_column('contact')
        batch_op.drop_column('school_name')
        batch_op.drop_column('free_candidate')
    with op.batch_alter_table('contest_division', schema=None) as batch_op:
        batch_op.drop_column('open_to_free')
