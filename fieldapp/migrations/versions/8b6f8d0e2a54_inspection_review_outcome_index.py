"""an index on inspections' review state, outcome and time: the log's usual filters

Revision ID: 8b6f8d0e2a54
Revises: 8a5e7c9d1f43
Create Date: 2026-12-01 06:00:00

"""

from alembic import op

revision = "8b6f8d0e2a54"
down_revision = "8a5e7c9d1f43"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_inspection_review_outcome_time",
        "inspection",
        ["review_state", "outcome", "server_time"],
    )


def downgrade():
    op.drop_index("ix_inspection_review_outcome_time", table_name="inspection")
