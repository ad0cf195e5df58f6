"""vacancies: posts per formation of an exam, for "N x vacancies advance"

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 09:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'vacancies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('exam_id', sa.Integer(), nullable=False),
        sa.Column('formation', sa.String(length=64), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('count > 0', name=op.f('ck_vacancies_positive')),
        sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_vacancies_exam_id_exams'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancies')),
        sa.UniqueConstraint('exam_id', 'formation', name=op.f('uq_vacancies_exam_id_formation')),
    )


def downgrade() -> None:
    op.drop_table('vacancies')
