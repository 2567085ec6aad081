"""findings rollup by month: the cells (commune, month, next month) a report of whole
months reads, summed from the day cells

Revision ID: 8c7a9e1f3b65
Revises: 7d4f6b8c0e32
Create Date: 2026-12-01 06:30:00

"""

import sqlalchemy as sa
from alembic import op

from fieldapp.reports.rollups import rebuild_month_cells

revision = "8c7a9e1f3b65"
down_revision = "7d4f6b8c0e32"
branch_labels = None
depends_on = None

MEASURES = (
    "venues_inspected",
    "qr_visible",
    "staff_assigned",
    "compliant",
    "visitors_observed",
    "visitors_scanned",
    "posters_issued",
)


def upgrade():
    op.create_table(
        "finding_month_rollup",
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("next_month", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in MEASURES),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["commune.id"], name=op.f("fk_finding_month_rollup_commune_id_commune")
        ),
        sa.PrimaryKeyConstraint(
            "commune_id", "month", "next_month", name=op.f("pk_finding_month_rollup")
        ),
        sqlite_with_rowid=False,
    )
    rebuild_month_cells(op.get_bind())


def downgrade():
    op.drop_table("finding_month_rollup")
