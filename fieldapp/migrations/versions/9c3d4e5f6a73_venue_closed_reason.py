"""venue closed by an admin: the reason and when

Revision ID: 9c3d4e5f6a73
Revises: 8c7a9e1f3b65
Create Date: 2026-12-01 08:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "9c3d4e5f6a73"
down_revision = "8c7a9e1f3b65"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on both engines (SQLite 3.35+ drops a column itself): a batch copy of
    # the venue table would break the search index's triggers on it.
    # Venues closed before this revision (merged, or by an import) have no reason: ''.
    op.add_column(
        "venue",
        sa.Column("closed_reason", sa.String(length=300), nullable=False, server_default=""),
    )
    op.add_column("venue", sa.Column("closed_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("venue", "closed_at")
    op.drop_column("venue", "closed_reason")
