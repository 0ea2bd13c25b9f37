"""The rep's practice: assignments, attempts, private takes and submitting a take.

Plain Python over a SQLAlchemy session. Functions hand back frozen
dataclasses, never ORM objects, so the UI can keep what it gets.
"""
