"""Each identity keeps the blocking keys it was written with (``state_identity.block_keys``), so a
batch that updates an identity deletes exactly its stale rows of ``identity_block`` by primary key
and inserts only the keys that are new. The blocking table then needs no second index by student:
one B-tree insert a row instead of two, which was a third of the merge's blocking writes (measured:
770,000 rows in 4.3-4.6 s with the primary key alone, 6.8-7.2 s with both). The unused
``state_identity.blocking_key`` (the first key, from before ``identity_block``; never read since)
goes with its index.

The upgrade fills ``block_keys`` from ``identity_block`` (one pass, by the index it then drops):
200,000 identities with 2.2 million blocking rows took 8.6 s (measured), about 45 s a million.
Stop the workers first: the columns they write change.

Revision ID: 0013_identity_block_keys
Revises: 0012_identity_lock_version
"""

from alembic import op

revision = "0013_identity_block_keys"
down_revision = "0012_identity_lock_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE state_identity ADD COLUMN block_keys text[] NOT NULL DEFAULT '{}'")
    op.execute(
        """UPDATE state_identity si SET block_keys = b.keys
             FROM (SELECT state, state_student_id, array_agg(block_key ORDER BY block_key) AS keys
                     FROM identity_block GROUP BY state, state_student_id) b
            WHERE si.state = b.state AND si.state_student_id = b.state_student_id"""
    )
    op.execute("DROP INDEX identity_block_student")
    op.execute("DROP INDEX state_identity_blocking_key")
    op.execute("ALTER TABLE state_identity DROP COLUMN blocking_key")


def downgrade() -> None:
    op.execute("ALTER TABLE state_identity ADD COLUMN blocking_key text")
    op.execute("UPDATE state_identity SET blocking_key = block_keys[1]")
    op.execute("CREATE INDEX state_identity_blocking_key ON state_identity (blocking_key)")
    op.execute("CREATE INDEX identity_block_student ON identity_block (state, state_student_id)")
    op.execute("ALTER TABLE state_identity DROP COLUMN block_keys")
