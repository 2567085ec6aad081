"""inspection: index by outcome and venue (the venues to escalate count each venue's
non-compliant findings without reading the others)

Revision ID: a0f9b1c2d3e5
Revises: d7c6e8f9a0b2
Create Date: 2026-12-01 14:45:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a0f9b1c2d3e5"
down_revision = "d7c6e8f9a0b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index("ix_inspection_outcome_venue", ["outcome", "venue_id"], unique=False)


def downgrade():
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_outcome_venue")
