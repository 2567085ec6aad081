"""indexes on inspections for the log's usual filters (review state, outcome, time) and
an inspector's own findings (newest first; returned ones), in place of the inspector's

Revision ID: 8b6f8d0e2a54
Revises: 8a5e7c9d1f43
Create Date: 2026-12-01 06:00:00

"""

from alembic import op

revision = "8b6f8d0e2a54"
down_revision = "8a5e7c9d1f43"
branch_labels = None
depends_on = None


INDEXES = {
    "ix_inspection_review_outcome_time": ["review_state", "outcome", "server_time"],
    "ix_inspection_inspector_time": ["inspector_id", "server_time", "id"],
    "ix_inspection_inspector_review": ["inspector_id", "review_state", "reviewed_at"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "inspection", columns)
    op.drop_index("ix_inspection_inspector_id", table_name="inspection")


def downgrade():
    op.create_index("ix_inspection_inspector_id", "inspection", ["inspector_id"])
    for name in INDEXES:
        op.drop_index(name, table_name="inspection")
