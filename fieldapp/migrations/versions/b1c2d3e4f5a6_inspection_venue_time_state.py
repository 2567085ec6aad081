"""inspection: the (venue, time) index also holds the outcome and the review state, so the
log filtered on them for a province is answered from the index alone

Revision ID: b1c2d3e4f5a6
Revises: e8d7f9a0b1c3
Create Date: 2026-12-01 18:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b1c2d3e4f5a6"
down_revision = "e8d7f9a0b1c3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inspection_venue_time_state",
            ["venue_id", "server_time", "outcome", "review_state"],
            unique=False,
        )
        batch_op.drop_index("ix_inspection_venue_time")


def downgrade():
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index("ix_inspection_venue_time", ["venue_id", "server_time"], unique=False)
        batch_op.drop_index("ix_inspection_venue_time_state")
