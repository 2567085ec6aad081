"""one poster per finding: a unique poster.inspection_id, so two requests issuing a
replacement for the same finding at the same moment issue one

Revision ID: 9b2c3d4e5f62
Revises: 9c3d4e5f6a73
Create Date: 2026-12-01 08:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "9b2c3d4e5f62"
down_revision = "9c3d4e5f6a73"
branch_labels = None
depends_on = None


def upgrade():
    # A finding that got two posters before this rule keeps its first; the later one stays
    # (it was printed) but no longer names the finding.
    op.execute(
        sa.text(
            "UPDATE poster SET inspection_id = NULL WHERE inspection_id IS NOT NULL AND id > "
            "(SELECT MIN(earlier.id) FROM poster earlier "
            "WHERE earlier.inspection_id = poster.inspection_id)"
        )
    )
    with op.batch_alter_table("poster") as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_poster_inspection_id"), ["inspection_id"])


def downgrade():
    with op.batch_alter_table("poster") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_poster_inspection_id"), type_="unique")
