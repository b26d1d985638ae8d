"""Alembic migrations of the claim database; schema.py runs them without an alembic.ini."""
