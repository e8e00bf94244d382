"""People: accounts, sessions and tokens, the audit log; fuzzy name search on state identities.

Revision ID: 0002_web
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_web"
down_revision = "0001"
branch_labels = None
depends_on = None

NOW = sa.text("now()")

# The normalized names of a state identity as one text, the expression the search query and its
# index share (it must be written identically in both for the planner to use the index).
NAME_KEY = "(first_name || ' ' || last_name_1 || ' ' || last_name_2)"


def upgrade() -> None:
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # GIN over trigrams: `<%` (word similarity) finds "garcia" in "ANA MARIA GARCIA LOPEZ" through it.
    op.execute(f"CREATE INDEX state_identity_name_trgm ON state_identity USING gin ({NAME_KEY} gin_trgm_ops)")
    op.create_index("state_identity_birth_date", "state_identity", ["birth_date"])
    op.create_index("state_identity_state_student_id", "state_identity", ["state_student_id"])
    op.create_table(
        "web_user",
        sa.Column("username", sa.Text, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("state", sa.Text),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    )
    op.create_table(
        "web_session",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("username", sa.Text, sa.ForeignKey("web_user.username", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("csrf", sa.Text),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("web_session_expires_at", "web_session", ["expires_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("user_state", sa.Text),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("msix_id", sa.Text),
        sa.Column("detail", sa.Text),
        sa.Column("client", sa.Text),
    )
    op.create_index("audit_log_msix_id", "audit_log", ["msix_id", "at"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("web_session")
    op.drop_table("web_user")
    op.drop_index("state_identity_state_student_id", "state_identity")
    op.drop_index("state_identity_birth_date", "state_identity")
    op.execute("DROP INDEX state_identity_name_trgm")
