"""Imports every model module so the metadata is complete (Alembic, create_all).

Definitions live with their domain; this file only lists them."""
from __future__ import annotations

from exam_engine.accounts.models import ProctorAssignment, StaffLoginRecord, StaffUser
from exam_engine.audit.models import AuditEntry
from exam_engine.db import Base
from exam_engine.delivery.models import AnswerEvent, Attempt, Heartbeat, LoginRecord, Response
from exam_engine.proctoring.models import Flag
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.models import Exam, ExamSession, Vacancy
from question_bank.forms import Form
from question_bank.models import Asset, Item

__all__ = ["AnswerEvent", "Asset", "Attempt", "AuditEntry", "Base", "Candidate", "Exam", "ExamSession", "Flag",
           "Form", "Heartbeat", "Item", "LoginRecord", "ProctorAssignment", "Response", "StaffLoginRecord",
           "StaffUser", "Vacancy"]
