"""Alembic migrations of the application database (env.py, versions/). See alembic.ini."""
