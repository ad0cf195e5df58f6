"""Exams (a profile plus its blueprint) and their sessions (date, start, room, capacity)."""
