"""The store: what the service records (forecasts asked with a `student_id`, the real grades
that follow) in a real database through SQLAlchemy Core: a SQLite file by default, PostgreSQL
for several workers or replicas. The schema is `schema.py`; every change to it is an Alembic
migration in `migrations/versions/`, applied at startup by `migrate.py`."""
