"""citizen reports: index of a commune's reports by closed_at (the weekly report counts
those still open, or closed since a day)

Revision ID: b5a4c6d7e8f9
Revises: b4a3c5d6e7f8
Create Date: 2026-12-01 09:35:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b5a4c6d7e8f9"
down_revision = "b4a3c5d6e7f8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("citizen_report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_citizen_report_commune_closed", ["commune_id", "closed_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("citizen_report", schema=None) as batch_op:
        batch_op.drop_index("ix_citizen_report_commune_closed")
