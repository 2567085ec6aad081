"""poster batches on the job queue: last progress, the run holding a batch, runs started

Revision ID: 730a4b75ed0c
Revises: 1464c303962f
Create Date: 2026-11-30 23:38:53.666389

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "730a4b75ed0c"
down_revision = "1464c303962f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("poster_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("run_id", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("runs", sa.Integer(), nullable=False, server_default="0"))
    # Batches made before the queue were last heard of when they finished, or were made.
    op.execute("UPDATE poster_batch SET progress_at = COALESCE(finished_at, created_at)")


def downgrade():
    with op.batch_alter_table("poster_batch", schema=None) as batch_op:
        batch_op.drop_column("runs")
        batch_op.drop_column("run_id")
        batch_op.drop_column("progress_at")
