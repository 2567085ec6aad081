"""kinds of district (huyện, quận, thị xã, thành phố) and province (tỉnh, thành phố);
provinces' official order

Revision ID: d7c6e8f9a0b2
Revises: c6b5d7e8f9a1
Create Date: 2026-12-01 11:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7c6e8f9a0b2"
down_revision = "c6b5d7e8f9a1"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, as 7c3e5a7b9d21 did: every unit registered so far keeps the kind
    # the app wrote it with (huyện, tỉnh).
    op.add_column(
        "district", sa.Column("kind", sa.String(length=10), server_default="huyen", nullable=False)
    )
    op.add_column(
        "province", sa.Column("kind", sa.String(length=10), server_default="tinh", nullable=False)
    )
    op.add_column("province", sa.Column("sheet_order", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("province", "sheet_order")
    op.drop_column("province", "kind")
    op.drop_column("district", "kind")
