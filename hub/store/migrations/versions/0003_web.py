"""People: accounts, sessions and tokens, the audit log; fuzzy name search on state identities.

Search finds names word by word: ``name_word`` is the vocabulary of every normalized name part
(a few thousand words, kept by a statement-level trigger on ``state_identity``, so the merge worker
is untouched); a query word is expanded to the similar vocabulary words through a trigram index,
and identities holding one of them for every query word are found through a GIN index on the array
of their name parts. That stays fast however many children share a common name part.

Revision ID: 0003_web
Revises: 0002_identity
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_web"
down_revision = "0002_identity"
branch_labels = None
depends_on = None

NOW = sa.text("now()")

# A state identity's normalized name parts, the expression the search query and its index share
# (it must be written identically in both for the planner to use the index).
NAME_PARTS = "(ARRAY[first_name, last_name_1, last_name_2])"

# Statement-level, with the statement's new rows as a table: one INSERT per worker batch, not one
# per row. Words go in sorted order, so two workers adding the same new words cannot deadlock.
ADD_WORDS = """
CREATE FUNCTION name_word_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO name_word (word)
    SELECT DISTINCT w FROM new_rows, unnest(ARRAY[first_name, last_name_1, last_name_2]) AS w
    WHERE w <> '' ORDER BY w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    # Both are trusted extensions (PostgreSQL 13+, in the server package's contrib): the database's
    # owner may create them. pg_trgm: trigram similarity; fuzzystrmatch: Levenshtein distance.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
    op.create_table("name_word", sa.Column("word", sa.Text, primary_key=True))
    # GiST, not GIN: it orders by trigram distance (`word <-> 'GARSIA'`), the nearest words first.
    op.execute("CREATE INDEX name_word_trgm ON name_word USING gist (word gist_trgm_ops)")
    op.execute(ADD_WORDS)
    # A trigger with transition tables fires for one kind of event: one for inserts, one for updates
    # (the worker's upsert fires both, each with its own rows).
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER state_identity_name_word_{event.lower()} AFTER {event} ON state_identity "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION name_word_add()"
        )
    op.execute(
        "INSERT INTO name_word (word) SELECT DISTINCT w FROM state_identity, "
        "unnest(ARRAY[first_name, last_name_1, last_name_2]) AS w WHERE w <> '' ON CONFLICT DO NOTHING"
    )
    op.execute(f"CREATE INDEX state_identity_name_parts ON state_identity USING gin ({NAME_PARTS})")
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
    op.execute("DROP INDEX state_identity_name_parts")
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER state_identity_name_word_{event} ON state_identity")
    op.execute("DROP FUNCTION name_word_add()")
    op.drop_table("name_word")
