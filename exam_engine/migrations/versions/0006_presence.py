"""presence: candidate connections per node, so every node's console sees the whole room

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 12:20:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'presence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('node', sa.String(length=64), nullable=False),
        sa.Column('sid', sa.String(length=64), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('terminal', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_presence_attempt_id_attempts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_presence')),
    )
    op.create_index(op.f('ix_presence_attempt_id'), 'presence', ['attempt_id'], unique=False)
    op.create_index(op.f('ix_presence_node'), 'presence', ['node'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_presence_node'), table_name='presence')
    op.drop_index(op.f('ix_presence_attempt_id'), table_name='presence')
    op.drop_table('presence')
