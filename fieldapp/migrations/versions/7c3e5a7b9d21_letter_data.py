"""the letter's data: units' official order (the spreadsheet's STT); findings counted
without returned ones (the rollup recounted)

Revision ID: 7c3e5a7b9d21
Revises: 8b6f8d0e2a54
Create Date: 2026-12-01 05:45:00

"""

import sqlalchemy as sa
from alembic import op

from fieldapp.reports.rollups import rebuild_rollups

# revision identifiers, used by Alembic.
revision = "7c3e5a7b9d21"
down_revision = "8b6f8d0e2a54"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE (SQLite 3.35+ drops columns too): a batch copy of the commune table
    # would trip the venue search triggers that name it.
    for table in ("district", "commune"):
        op.add_column(table, sa.Column("sheet_order", sa.Integer(), nullable=True))
    # Findings returned for correction are no longer counted, and the chain of a venue's
    # findings skips them: count the rollup again under the new rule
    # (fieldapp/reports/rollups.py).
    rebuild_rollups(op.get_bind(), months=False)  # the month cells came later


def downgrade():
    for table in ("commune", "district"):
        op.drop_column(table, "sheet_order")
