"""Metadata database: SQLAlchemy 2 models, engine/session factory with tenant scoping, migrations."""
