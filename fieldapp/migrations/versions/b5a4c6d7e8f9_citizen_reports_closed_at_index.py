"""citizen reports: index of closed_at (the reports count those closed in a period or
still open at its end)

Revision ID: b5a4c6d7e8f9
Revises: a1c2e3f4b5d6
Create Date: 2026-12-01 09:35:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b5a4c6d7e8f9"
down_revision = "a1c2e3f4b5d6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("citizen_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizen_report_closed_at"), ["closed_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("citizen_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizen_report_closed_at"))
