"""accounts: staff users, proctor assignments, staff login records (for rate limiting)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:03:54.863133
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_login_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_login_records'))
    )
    with op.batch_alter_table('staff_login_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_login_records_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_login_records_ip'), ['ip'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_login_records_username'), ['username'], unique=False)

    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'committee', 'proctor')", name=op.f('ck_staff_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_users_username'))
    )
    op.create_table('proctor_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['exam_sessions.id'], name=op.f('fk_proctor_assignments_session_id_exam_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_proctor_assignments_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proctor_assignments')),
    sa.UniqueConstraint('user_id', 'session_id', name=op.f('uq_proctor_assignments_user_id_session_id'))
    )
    with op.batch_alter_table('proctor_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proctor_assignments_session_id'), ['session_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('proctor_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proctor_assignments_session_id'))

    op.drop_table('proctor_assignments')
    op.drop_table('staff_users')
    with op.batch_alter_table('staff_login_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_login_records_username'))
        batch_op.drop_index(batch_op.f('ix_staff_login_records_ip'))
        batch_op.drop_index(batch_op.f('ix_staff_login_records_at'))

    op.drop_table('staff_login_records')
