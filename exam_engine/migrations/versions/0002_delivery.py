"""delivery: attempts, answer events, responses, heartbeats, logins, flags

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:10:18.160531
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('heartbeats',
    sa.Column('node', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('node', name=op.f('pk_heartbeats'))
    )
    op.create_table('login_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('terminal', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_records'))
    )
    with op.batch_alter_table('login_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_records_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_records_ip'), ['ip'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_records_number'), ['number'], unique=False)

    op.create_table('flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_flags_candidate_id_candidates')),
    sa.ForeignKeyConstraint(['session_id'], ['exam_sessions.id'], name=op.f('fk_flags_session_id_exam_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flags'))
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flags_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flags_session_id'), ['session_id'], unique=False)

    op.create_table('attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('package_key', sa.LargeBinary(), nullable=False),
    sa.Column('terminal', sa.String(length=64), nullable=True),
    sa.Column('terminal_ip', sa.String(length=64), nullable=True),
    sa.Column('move_allowed', sa.Boolean(), nullable=False),
    sa.Column('group_index', sa.Integer(), nullable=False),
    sa.Column('allowed_seconds', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('credited_seconds', sa.Float(), nullable=False),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finish_reason', sa.String(length=16), nullable=True),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_attempts_candidate_id_candidates')),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_attempts_form_id_forms')),
    sa.ForeignKeyConstraint(['session_id'], ['exam_sessions.id'], name=op.f('fk_attempts_session_id_exam_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempts')),
    sa.UniqueConstraint('candidate_id', name=op.f('uq_attempts_candidate_id')),
    sa.UniqueConstraint('form_id', name=op.f('uq_attempts_form_id'))
    )
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempts_deadline_at'), ['deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempts_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempts_status'), ['status'], unique=False)

    op.create_table('answer_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('handle', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_answer_events_attempt_id_attempts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_events')),
    sa.UniqueConstraint('attempt_id', 'seq', name=op.f('uq_answer_events_attempt_id_seq'))
    )
    op.create_table('responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('handle', sa.Integer(), nullable=False),
    sa.Column('choice', sa.Integer(), nullable=True),
    sa.Column('option', sa.String(length=1), nullable=True),
    sa.Column('choice_seq', sa.Integer(), nullable=False),
    sa.Column('marked', sa.Boolean(), nullable=False),
    sa.Column('mark_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_responses_attempt_id_attempts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses')),
    sa.UniqueConstraint('attempt_id', 'handle', name=op.f('uq_responses_attempt_id_handle'))
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_responses_attempt_id'), ['attempt_id'], unique=False)

    with op.batch_alter_table('exam_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_pin_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("auto_start", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('exam_sessions', schema=None) as batch_op:
        batch_op.drop_column('started_at')
        batch_op.drop_column('auto_start')
        batch_op.drop_column('session_pin_hash')

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responses_attempt_id'))

    op.drop_table('responses')
    op.drop_table('answer_events')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempts_status'))
        batch_op.drop_index(batch_op.f('ix_attempts_session_id'))
        batch_op.drop_index(batch_op.f('ix_attempts_deadline_at'))

    op.drop_table('attempts')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flags_session_id'))
        batch_op.drop_index(batch_op.f('ix_flags_candidate_id'))

    op.drop_table('flags')
    with op.batch_alter_table('login_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_records_number'))
        batch_op.drop_index(batch_op.f('ix_login_records_ip'))
        batch_op.drop_index(batch_op.f('ix_login_records_at'))

    op.drop_table('login_records')
    op.drop_table('heartbeats')
