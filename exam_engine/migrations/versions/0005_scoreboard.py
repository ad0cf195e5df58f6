"""scoreboard: sessions can open a public venue scoreboard (exam_sessions.scoreboard_public)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:25:52.015835
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exam_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scoreboard_public', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('exam_sessions', schema=None) as batch_op:
        batch_op.drop_column('scoreboard_public')
