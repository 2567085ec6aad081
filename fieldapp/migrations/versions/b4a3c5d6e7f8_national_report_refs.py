"""national report refs: the national system's references of imported citizens' reports

Revision ID: b4a3c5d6e7f8
Revises: a1c2e3f4b5d6
Create Date: 2026-12-01 09:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b4a3c5d6e7f8"
down_revision = "a1c2e3f4b5d6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "national_report_ref",
        sa.Column("source_ref", sa.String(length=64), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["citizen_report.id"],
            name=op.f("fk_national_report_ref_report_id_citizen_report"),
        ),
        sa.PrimaryKeyConstraint("source_ref", name=op.f("pk_national_report_ref")),
    )
    with op.batch_alter_table("national_report_ref", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_national_report_ref_report_id"), ["report_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("national_report_ref", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_national_report_ref_report_id"))
    op.drop_table("national_report_ref")
