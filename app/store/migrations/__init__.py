"""Alembic's migrations of the store (run by app/store/migrate.py, never create_all)."""
