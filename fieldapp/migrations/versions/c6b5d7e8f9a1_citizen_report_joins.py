"""citizen reports: what each "+1" brought (channel, phone, photo, reference), kept with
the report it joined

Revision ID: c6b5d7e8f9a1
Revises: b5a4c6d7e8f9
Create Date: 2026-12-01 11:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c6b5d7e8f9a1"
down_revision = "b5a4c6d7e8f9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "citizen_report_join",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("photo_path", sa.String(length=200), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=True),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["user_account.id"],
            name=op.f("fk_citizen_report_join_entered_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["citizen_report.id"],
            name=op.f("fk_citizen_report_join_report_id_citizen_report"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_report_join")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_citizen_report_join_source_ref")),
    )
    with op.batch_alter_table("citizen_report_join", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizen_report_join_report_id"), ["report_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("citizen_report_join", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizen_report_join_report_id"))
    op.drop_table("citizen_report_join")
