"""poster_batch: what was chosen (commune, venue type, flagged) instead of a title written
once in the language of whoever made the batch; the title is worded when shown

Revision ID: d3e4f5a6b7c8
Revises: b1c2d3e4f5a6
Create Date: 2026-12-01 20:10:00.000000

"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d3e4f5a6b7c8"
down_revision = "b1c2d3e4f5a6"
branch_labels = None
depends_on = None

batches = sa.table(
    "poster_batch",
    sa.column("id", sa.Integer),
    sa.column("district_id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("poster_ids", sa.Text),
    sa.column("commune_id", sa.Integer),
)
communes = sa.table(
    "commune",
    sa.column("id", sa.Integer),
    sa.column("district_id", sa.Integer),
    sa.column("name", sa.String),
)
# "Bản in mã QR: Sơn Hà (12)", "Posters: Sơn Hà (12)" (any earlier wording too): what sits
# between the first ": " and the count is the commune's name, or the whole district.
CHOSEN = re.compile(r"^[^:]*:\s*(?P<what>.*?)\s*\(\d+\)\s*$")


def commune_of(title: str, names: dict[str, int]) -> int | None:
    """The commune an old title names; None for the whole district or the print queue."""
    found = CHOSEN.match(title or "")
    return names.get(found["what"].strip().casefold()) if found else None


def upgrade():
    with op.batch_alter_table("poster_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commune_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("venue_type", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("flagged", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_poster_batch_commune_id_commune"), "commune", ["commune_id"], ["id"]
        )
    bind = op.get_bind()
    old = bind.execute(
        sa.select(batches.c.id, batches.c.district_id, batches.c.title, batches.c.poster_ids)
    ).all()
    by_district: dict[int, dict[str, int]] = {}
    for batch_id, district_id, title, poster_ids in old:
        if poster_ids:  # the print queue: no commune
            continue
        if district_id not in by_district:
            rows = bind.execute(
                sa.select(communes.c.name, communes.c.id).where(
                    communes.c.district_id == district_id
                )
            ).all()
            by_district[district_id] = {name.casefold(): id_ for name, id_ in rows}
        commune_id = commune_of(title, by_district[district_id])
        if commune_id is not None:
            bind.execute(
                batches.update().where(batches.c.id == batch_id).values(commune_id=commune_id)
            )
    with op.batch_alter_table("poster_batch", schema=None) as batch_op:
        batch_op.alter_column("venue_type", server_default=None)
        batch_op.alter_column("flagged", server_default=None)
        batch_op.drop_column("title")


def downgrade():
    with op.batch_alter_table("poster_batch", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("title", sa.String(length=200), nullable=False, server_default="")
        )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT poster_batch.id, poster_batch.poster_ids, poster_batch.total, commune.name "
            "FROM poster_batch LEFT JOIN commune ON commune.id = poster_batch.commune_id"
        )
    ).all()
    for batch_id, poster_ids, total, commune_name in rows:
        if poster_ids:
            title = f"Hàng chờ in ({total} bản in mã QR)"
        else:
            title = f"Bản in mã QR: {commune_name or 'toàn huyện'} ({total})"
        bind.execute(
            sa.text("UPDATE poster_batch SET title = :title WHERE id = :id"),
            {"title": title, "id": batch_id},
        )
    with op.batch_alter_table("poster_batch", schema=None) as batch_op:
        batch_op.alter_column("title", server_default=None)
        batch_op.drop_constraint(
            batch_op.f("fk_poster_batch_commune_id_commune"), type_="foreignkey"
        )
        batch_op.drop_column("flagged")
        batch_op.drop_column("venue_type")
        batch_op.drop_column("commune_id")
