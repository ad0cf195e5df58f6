"""Candidates: the roster import, personal data at rest, and registration PINs."""
