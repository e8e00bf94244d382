"""A version per identity lock key: what lets the merge match before it takes the lock.

The merge reads a key's version, matches the batch's new identities against the candidates it
read, then takes the key's advisory lock and bumps the version. A version that moved in between
means another unit linked identities under that key and committed meanwhile: only those identities'
candidates are read again (``consumers.merge_batch``). One row per key a new identity has locked
(a birth date, for the probabilistic matcher): a few thousand rows, however many children.

Revision ID: 0012_identity_lock_version
Revises: 0011_obligations
"""

from alembic import op

revision = "0012_identity_lock_version"
down_revision = "0011_obligations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Keyed by the key's hash, as the advisory lock is: any key fits (a hostile name's phonetic code
    # too), and two keys that share a hash share a lock already.
    op.execute("CREATE TABLE identity_lock_version (lock_hash integer PRIMARY KEY, version bigint NOT NULL)")


def downgrade() -> None:
    op.execute("DROP TABLE identity_lock_version")
