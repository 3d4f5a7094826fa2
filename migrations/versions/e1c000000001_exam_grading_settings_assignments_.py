"""exam grading: per-part settings and rubric, grader assignments per item and round, reconciliation

Revision ID: e1c000000001
Revises: e1a000000001
Create Date: 2026-11-30 01:55:00.000000

"""
from alembic import op
import sqlalchemy as sa
import tinhoc.db_types  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = 'e1c000000001'
down_revision = 'e1a000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exam_grading_settings',
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('second_marker', sa.Boolean(), nullable=False),
    sa.Column('reconcile_margin', sa.Float(), nullable=False),
    sa.Column('rubric', sa.JSON(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['part_id'], ['exam_part.id'], name=op.f('fk_exam_grading_settings_part_id_exam_part'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['user.id'], name=op.f('fk_exam_grading_settings_updated_by_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('part_id', name=op.f('pk_exam_grading_settings'))
    )
    op.create_table('exam_grading_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('grader_user_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('fraction', sa.Float(), nullable=True),
    sa.Column('scores', sa.JSON(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('marked_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('assigned_by', sa.Integer(), nullable=True),
    sa.Column('assigned_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by'], ['user.id'], name=op.f('fk_exam_grading_assignment_assigned_by_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['grader_user_id'], ['user.id'], name=op.f('fk_exam_grading_assignment_grader_user_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['attempt_item.id'], name=op.f('fk_exam_grading_assignment_item_id_attempt_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_grading_assignment')),
    sa.UniqueConstraint('item_id', 'round', name='uq_exam_grading_assignment_item_round')
    )
    with op.batch_alter_table('exam_grading_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_grading_assignment_grader_user_id'), ['grader_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_grading_assignment_item_id'), ['item_id'], unique=False)

    op.create_table('exam_grading_reconciliation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('flagged_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fraction', sa.Float(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', tinhoc.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['user.id'], name=op.f('fk_exam_grading_reconciliation_decided_by_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['attempt_item.id'], name=op.f('fk_exam_grading_reconciliation_item_id_attempt_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_grading_reconciliation')),
    sa.UniqueConstraint('item_id', name=op.f('uq_exam_grading_reconciliation_item_id'))
    )


def downgrade():
    op.drop_table('exam_grading_reconciliation')
    with op.batch_alter_table('exam_grading_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_grading_assignment_grader_user_id'))
        batch_op.drop_index(batch_op.f('ix_exam_grading_assignment_item_id'))
    op.drop_table('exam_grading_assignment')
    op.drop_table('exam_grading_settings')
