"""The identity model the matcher runs, fitted from the store: one row a version.

``msix identity fit`` estimates m and u from the stored identities (EM over the blocking's candidate
pairs), the names' frequencies and the data admins' decisions, and adds a version; the merge worker
runs the newest at start. ``parameters`` is the model as JSON (``hub.identity.model_json``). Every
decision's reasons name the version that made it.

Revision ID: 0009_identity_model
Revises: 0008_least_privilege
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009_identity_model"
down_revision = "0008_least_privilege"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_model",
        sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("parameters", JSONB, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("identity_model")
