"""The web application's role reads and writes rows and may not change the schema.

``msix serve`` connects as ``msix_web`` (``infra`` creates it on the local cluster; on another
cluster the operator does, or serve is pointed elsewhere with MSIX_WEB_DATABASE_URL). This grants it
what the pages do (select, insert, update, delete on every table, the sequences their ids come from),
now and for every table later migrations create. It owns nothing, so it can alter or drop nothing,
and holds no CREATE on the schema (CONNECT is PUBLIC's by default). Where the role does not exist, nothing is granted.

Revision ID: 0008_least_privilege
Revises: 0007_hardening
"""

from alembic import op

revision = "0008_least_privilege"
down_revision = "0007_hardening"
branch_labels = None
depends_on = None

WEB_ROLE = "msix_web"


def upgrade() -> None:
    op.execute(
        f"""DO $$ BEGIN
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{WEB_ROLE}') THEN
                GRANT USAGE ON SCHEMA public TO {WEB_ROLE};
                GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {WEB_ROLE};
                GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {WEB_ROLE};
                GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {WEB_ROLE};
                ALTER DEFAULT PRIVILEGES IN SCHEMA public
                  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {WEB_ROLE};
                ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {WEB_ROLE};
                REVOKE CREATE ON SCHEMA public FROM {WEB_ROLE};
              END IF;
            END $$"""
    )


def downgrade() -> None:
    op.execute(
        f"""DO $$ BEGIN
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{WEB_ROLE}') THEN
                ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {WEB_ROLE};
                ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {WEB_ROLE};
                REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {WEB_ROLE};
                REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {WEB_ROLE};
                REVOKE USAGE ON SCHEMA public FROM {WEB_ROLE};
              END IF;
            END $$"""
    )
