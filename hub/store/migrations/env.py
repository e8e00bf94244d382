"""Alembic environment: migrations run against the URL the caller puts in the config."""

from alembic import context
from sqlalchemy import create_engine

from hub.store.tables import metadata

config = context.config
engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
