"""contest awards, registration window, contestant birth date

Revision ID: e2c000000001
Revises: e2d000000001
Create Date: 2026-11-30 04:59:32.983765

"""
from alembic import op
import sqlalchemy as sa
import tinhoc.db_types  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = 'e2c000000001'
down_revision = 'e2d000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contest_award_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('division_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('computed_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['division_id'], ['contest_division.id'], name=op.f('fk_contest_award_set_division_id_contest_division'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_award_set')),
    sa.UniqueConstraint('division_id', name=op.f('uq_contest_award_set_division_id'))
    )
    op.create_table('contest_award_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_set_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('penalty', sa.Integer(), nullable=False),
    sa.Column('computed_prize', sa.String(length=16), nullable=True),
    sa.Column('prize', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['award_set_id'], ['contest_award_set.id'], name=op.f('fk_contest_award_row_award_set_id_contest_award_set'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['contest_entry.id'], name=op.f('fk_contest_award_row_entry_id_contest_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_award_row')),
    sa.UniqueConstraint('award_set_id', 'entry_id', name='uq_contest_award_row_entry')
    )
    with op.batch_alter_table('contest_award_row', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_award_row_award_set_id'), ['award_set_id'], unique=False)

    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_opens_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('registration_closes_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('contest_entry_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_of_birth', sa.Date(), nullable=True))



def downgrade():
    with op.batch_alter_table('contest_entry_member', schema=None) as batch_op:
        batch_op.drop_column('date_of_birth')

    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_column('registration_closes_at')
        batch_op.drop_column('registration_opens_at')

    with op.batch_alter_table('contest_award_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_award_row_award_set_id'))

    op.drop_table('contest_award_row')
    op.drop_table('contest_award_set')
