"""The findings rollup: how the reports count findings without reading the raw inspections.

"A venue inspected twice in the period counts once, by its latest finding" (latest in the
order (server_time, id)). Each finding is counted in one cell of `finding_rollup`, keyed
(commune, day, next_day): `day` is the Vietnamese date of its server time, `next_day` that
of the same venue's next finding in that order, or LATEST (9999-12-31) for the venue's
latest. Days never decrease along a venue's findings, so the latest finding of each venue
among those of the days S to E are exactly those of the cells with S <= day <= E < next_day:
`findings_from_rollups` sums them, for any period. A poster issued on a day is counted in
the cell (its venue's commune, that day, LATEST).

Each inspection and poster records the cell it is counted in (`rollup_*` columns). The
session's flush keeps the cells in the same transaction as the write, whatever the service
that wrote it (a new finding from the form, the outbox or the demo; a correction; a venue
merge moving findings; an import moving a venue to another commune; a poster issued; a
deletion): a changed or deleted row is first taken out of its recorded cell, then every
finding and poster of the venues concerned is given the cell it belongs in, and moved
there when it is elsewhere. A review changes no counted column, so it changes no cell.
Writes that bypass the ORM (the benchmarks' bulk inserts) call `rebuild_rollups()`.

The venue's row is locked (FOR NO KEY UPDATE, which a finding's foreign key check does not
wait for; nothing on SQLite, whose writers take turns anyway) before its findings are read,
so on PostgreSQL (READ COMMITTED) two findings of one venue recorded at once are chained
one after the other: the second sees the first, committed.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    Date,
    bindparam,
    case,
    cast,
    delete,
    event,
    func,
    inspect,
    literal,
    literal_column,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import FindingRollup, Inspection, Poster, Venue
from fieldapp.models.rollup import LATEST
from fieldapp.reports.findings import Findings

MEASURES = tuple(Findings.__dataclass_fields__)  # venues_inspected, ..., posters_issued
# What a finding's count depends on: a change to any of these moves or changes its count.
INSPECTION_COUNTED = (
    "venue_id",
    "venue",
    "server_time",
    "qr_posted",
    "staff_assigned",
    "outcome",
    "visitors_observed",
    "visitors_scanned",
)
POSTER_COUNTED = ("venue_id", "venue", "issued_at")
# Vietnam's clock is ahead of UTC by the same hours all year (fieldapp/clock.py): the SQL
# that dates a stored moment shifts it by them.
SHIFT_HOURS = int(clock.vietnam_offset().total_seconds() // 3600)

Cell = tuple[int, date, date]

inspection_table = Inspection.__table__
poster_table = Poster.__table__
venue_table = Venue.__table__
rollup_table = FindingRollup.__table__


# The one place of the rollups whose SQL differs by engine ----------------------------------
@dataclass(frozen=True)
class EngineSql:
    upsert: object  # the dialect's insert(), which has on_conflict_do_update
    vietnam_day: object  # a function: stored UTC moment column -> its Vietnamese date


def engine_sql(connection: Connection) -> EngineSql:
    """THE ONE ENGINE-SPECIFIC PLACE of the rollups: the dialect's INSERT ... ON CONFLICT DO
    UPDATE (SQLite's and PostgreSQL's constructs, the same API) and the Vietnamese date of
    a stored UTC moment (SQLite: date(t, '+7 hours') as 'YYYY-MM-DD' text, how SQLAlchemy
    stores a Date there; PostgreSQL: CAST(t + INTERVAL '7 hours' AS DATE)). The suite runs
    on each engine, and tests/test_rollups.py compiles both branches in either run."""
    if connection.dialect.name == "postgresql":
        interval = literal_column(f"INTERVAL '{SHIFT_HOURS} hours'")
        return EngineSql(postgresql.insert, lambda moment: cast(moment + interval, Date))
    return EngineSql(
        sqlite.insert,
        lambda moment: type_coerce(func.date(moment, f"+{SHIFT_HOURS} hours"), Date),
    )


# What one finding adds to its cell ---------------------------------------------------------
def finding_measures(table) -> list:
    """SQL of what one inspection row adds to each measure, in MEASURES' order."""
    known = table.c.visitors_observed.is_not(None) & table.c.visitors_scanned.is_not(None)
    return [
        literal_column("1"),
        case((table.c.qr_posted == "visible", 1), else_=0),
        case((table.c.staff_assigned.is_(True), 1), else_=0),
        case((table.c.outcome == "compliant", 1), else_=0),
        case((known, table.c.visitors_observed), else_=0),
        case((known, table.c.visitors_scanned), else_=0),
        literal_column("0"),
    ]


POSTER_MEASURES = (0, 0, 0, 0, 0, 0, 1)


# Reading -----------------------------------------------------------------------------------
def findings_from_rollups(commune_ids, start: date, end: date) -> dict[int, Findings]:
    """Findings of the days start to end (both included) per commune, from the rollup."""
    cells = rollup_table.c
    rows = db.session.execute(
        select(cells.commune_id, *(func.sum(cells[name]) for name in MEASURES))
        .where(
            cells.commune_id.in_(commune_ids),
            cells.day >= start,
            cells.day <= end,
            cells.next_day > end,
        )
        .group_by(cells.commune_id)
    )
    return {commune_id: Findings(*(int(n) for n in sums)) for commune_id, *sums in rows}


def recount_findings(commune_ids, start: date, end: date) -> dict[int, Findings]:
    """The same figures counted from the raw inspections and posters (the tests' truth, and
    the query the reports ran before the rollup): each venue's latest finding of the period
    in the order (server_time, id)."""
    since, until = clock.days_bounds(start, end)
    ranked = (
        select(
            inspection_table,
            Venue.commune_id.label("counted_commune_id"),
            func.row_number()
            .over(
                partition_by=Inspection.venue_id,
                order_by=(Inspection.server_time.desc(), Inspection.id.desc()),
            )
            .label("rank"),
        )
        .join(Venue, Venue.id == Inspection.venue_id)
        .where(
            Venue.commune_id.in_(commune_ids),
            Inspection.server_time >= since,
            Inspection.server_time < until,
        )
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.counted_commune_id, *(func.sum(m) for m in finding_measures(ranked)[:-1]))
        .where(ranked.c.rank == 1)
        .group_by(ranked.c.counted_commune_id)
    )
    found = {commune_id: Findings(*(int(n) for n in sums)) for commune_id, *sums in rows}
    posters = db.session.execute(
        select(Venue.commune_id, func.count())
        .select_from(Poster)
        .join(Venue, Venue.id == Poster.venue_id)
        .where(
            Venue.commune_id.in_(commune_ids), Poster.issued_at >= since, Poster.issued_at < until
        )
        .group_by(Venue.commune_id)
    )
    for commune_id, count in posters:
        found.setdefault(commune_id, Findings()).posters_issued = count
    return found


# Keeping the cells -------------------------------------------------------------------------
@dataclass
class _Pending:
    """What one flush changes: cells' amounts taken out, venues to recount, rows whose
    venue is known only once flushed."""

    deltas: dict[Cell, list[int]] = field(default_factory=lambda: defaultdict(_zero))
    venue_ids: set[int] = field(default_factory=set)
    rows: list = field(default_factory=list)


def _zero() -> list[int]:
    return [0] * len(MEASURES)


def _add(deltas, cell: Cell, amounts, sign: int) -> None:
    total = deltas[cell]
    for index, amount in enumerate(amounts):
        total[index] += sign * amount


def _lock_venues(connection: Connection, venue_ids) -> None:
    """Hold the venues' rows until the transaction ends, in id order (no deadlock between
    two writers of several venues). FOR NO KEY UPDATE: a finding's insert only takes FOR
    KEY SHARE on its venue, so two writers never wait on each other's inserts. Nothing on
    SQLite, where one writer at a time holds the database."""
    if venue_ids:
        connection.execute(
            select(venue_table.c.id)
            .where(venue_table.c.id.in_(sorted(venue_ids)))
            .order_by(venue_table.c.id)
            .with_for_update(key_share=True)
        ).all()


def _take_out(connection: Connection, pending: _Pending, inspection_ids, poster_ids) -> None:
    """Take changed or deleted rows out of the cells they are counted in (before the flush
    writes them, so with the amounts they were counted with) and mark them uncounted."""
    locked: set[int] = set()
    for table, ids in ((inspection_table, inspection_ids), (poster_table, poster_ids)):
        if not ids:
            continue
        while True:
            venues = set(
                connection.scalars(select(table.c.venue_id).where(table.c.id.in_(ids)).distinct())
            )
            if venues <= locked:
                break
            _lock_venues(connection, venues - locked)
            locked |= venues  # read again: a merge may have moved a row meanwhile
        is_finding = table is inspection_table
        measures = finding_measures(table) if is_finding else []
        next_day = table.c.rollup_next_day if is_finding else literal(LATEST, Date)
        rows = connection.execute(
            select(
                table.c.venue_id,
                table.c.rollup_commune_id,
                table.c.rollup_day,
                next_day,
                *measures,
            ).where(table.c.id.in_(ids))
        )
        for venue_id, commune_id, day, next_on, *amounts in rows:
            pending.venue_ids.add(venue_id)
            if day is not None:
                _add(pending.deltas, (commune_id, day, next_on), amounts or POSTER_MEASURES, -1)
        cleared = {"rollup_commune_id": None, "rollup_day": None}
        if is_finding:
            cleared["rollup_next_day"] = None
        connection.execute(update(table).where(table.c.id.in_(ids)).values(**cleared))


def _changed(row, names) -> bool:
    attributes = inspect(row).attrs
    return any(attributes[name].history.has_changes() for name in names)


def _row_id(row) -> int:
    return inspect(row).identity[0]


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context, instances) -> None:
    """Note what this flush changes; take changed and deleted rows out of their cells."""
    pending = _Pending()
    stale: dict = {Inspection: [], Poster: []}
    for row in session.new:
        if isinstance(row, (Inspection, Poster)):
            pending.rows.append(row)
    for row in session.dirty:
        if isinstance(row, Inspection) and _changed(row, INSPECTION_COUNTED):
            stale[Inspection].append(_row_id(row))
            pending.rows.append(row)
        elif isinstance(row, Poster) and _changed(row, POSTER_COUNTED):
            stale[Poster].append(_row_id(row))
            pending.rows.append(row)
        elif isinstance(row, Venue) and _changed(row, ("commune_id", "commune")):
            pending.venue_ids.add(_row_id(row))
    for row in session.deleted:
        if isinstance(row, (Inspection, Poster)):
            stale[type(row)].append(_row_id(row))
    if stale[Inspection] or stale[Poster]:
        _take_out(session.connection(), pending, stale[Inspection], stale[Poster])
    session.info["fieldapp.rollups"] = pending


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    """Count this flush's new and changed rows, and rechain their venues."""
    pending = session.info.pop("fieldapp.rollups", None)
    if pending is None:
        return
    for row in pending.rows:
        pending.venue_ids.add(row.venue_id)
    if pending.venue_ids or pending.deltas:
        _recount(session, pending.venue_ids, pending.deltas)


def recount_venue(venue_id: int) -> None:
    """Put each finding and poster of a venue in the cell it belongs in (idempotent)."""
    recount_venues([venue_id])


def recount_venues(venue_ids) -> None:
    """Put each finding and poster of these venues in the cell it belongs in."""
    db.session.flush()  # the statements below bypass the ORM: write its changes first
    _recount(db.session(), set(venue_ids), defaultdict(_zero))


def _recount(session: Session, venue_ids: set[int], deltas) -> None:
    connection = session.connection()
    sql = engine_sql(connection)
    _lock_venues(connection, venue_ids)
    ids = sorted(venue_ids)
    commune_of = dict(
        connection.execute(
            select(venue_table.c.id, venue_table.c.commune_id).where(venue_table.c.id.in_(ids))
        ).all()
    )
    findings = connection.execute(
        select(
            inspection_table.c.id,
            inspection_table.c.venue_id,
            sql.vietnam_day(inspection_table.c.server_time),
            inspection_table.c.rollup_commune_id,
            inspection_table.c.rollup_day,
            inspection_table.c.rollup_next_day,
            *finding_measures(inspection_table),
        )
        .where(inspection_table.c.venue_id.in_(ids))
        .order_by(
            inspection_table.c.venue_id, inspection_table.c.server_time, inspection_table.c.id
        )
    ).all()
    moved_findings = []
    for index, row in enumerate(findings):
        row_id, venue_id, day = row[:3]
        recorded, amounts = tuple(row[3:6]), row[6:]
        following = findings[index + 1] if index + 1 < len(findings) else None
        next_day = following[2] if following is not None and following[1] == venue_id else LATEST
        cell = (commune_of[venue_id], day, next_day)
        if recorded != cell:
            if recorded[1] is not None:
                _add(deltas, recorded, amounts, -1)
            _add(deltas, cell, amounts, 1)
            moved_findings.append((row_id, cell))
    posters = connection.execute(
        select(
            poster_table.c.id,
            poster_table.c.venue_id,
            sql.vietnam_day(poster_table.c.issued_at),
            poster_table.c.rollup_commune_id,
            poster_table.c.rollup_day,
        ).where(poster_table.c.venue_id.in_(ids))
    ).all()
    moved_posters = []
    for row_id, venue_id, day, commune_id, counted_day in posters:
        cell = (commune_of[venue_id], day, LATEST)
        if (commune_id, counted_day) != cell[:2]:
            if counted_day is not None:
                _add(deltas, (commune_id, counted_day, LATEST), POSTER_MEASURES, -1)
            _add(deltas, cell, POSTER_MEASURES, 1)
            moved_posters.append((row_id, cell))
    _record_cells(session, connection, moved_findings, moved_posters)
    _apply(connection, sql, deltas)


def _record_cells(session: Session, connection: Connection, findings, posters) -> None:
    """Write on each moved row the cell it is now counted in (and on its loaded object)."""
    for model, moved, names in (
        (Inspection, findings, ("rollup_commune_id", "rollup_day", "rollup_next_day")),
        (Poster, posters, ("rollup_commune_id", "rollup_day")),
    ):
        if not moved:
            continue
        table = model.__table__
        connection.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}") for name in names}),
            [
                {"row_id": row_id, **{f"new_{n}": v for n, v in zip(names, cell, strict=False)}}
                for row_id, cell in moved
            ],
        )
        for row_id, cell in moved:
            loaded = session.identity_map.get(identity_key(model, row_id))
            if loaded is not None:
                for name, value in zip(names, cell, strict=False):
                    set_committed_value(loaded, name, value)


def _apply(connection: Connection, sql: EngineSql, deltas) -> None:
    """Add the amounts to their cells (in key order: two writers lock cells in the same
    order), then delete the cells left empty."""
    changed = [(cell, amounts) for cell, amounts in sorted(deltas.items()) if any(amounts)]
    if not changed:
        return
    cells = rollup_table.c
    upsert = sql.upsert(rollup_table)
    connection.execute(
        upsert.on_conflict_do_update(
            index_elements=[cells.commune_id, cells.day, cells.next_day],
            set_={name: cells[name] + upsert.excluded[name] for name in MEASURES},
        ),
        [
            {
                "commune_id": commune_id,
                "day": day,
                "next_day": next_day,
                **dict(zip(MEASURES, amounts, strict=True)),
            }
            for (commune_id, day, next_day), amounts in changed
        ],
    )
    emptied = [
        {"c": cell[0], "d": cell[1], "n": cell[2]}
        for cell, amounts in changed
        if any(amount < 0 for amount in amounts)
    ]
    if emptied:
        connection.execute(
            delete(rollup_table).where(
                cells.commune_id == bindparam("c"),
                cells.day == bindparam("d"),
                cells.next_day == bindparam("n"),
                cells.venues_inspected == 0,
                cells.posters_issued == 0,
            ),
            emptied,
        )


# Rebuilding --------------------------------------------------------------------------------
def rebuild_rollups(connection: Connection | None = None) -> int:
    """Count every finding and poster again from scratch, set-based; the number of cells.

    Run in the caller's transaction (`flask rollups-rebuild` commits once: readers see the
    old cells until then). After bulk inserts that bypass the ORM (the benchmarks), and by
    the migration that created the rollup."""
    connection = connection or db.session.connection()
    sql = engine_sql(connection)
    day = sql.vietnam_day
    connection.execute(delete(rollup_table))
    i, v, p = inspection_table.c, venue_table.c, poster_table.c
    dated = (
        select(i.id, i.venue_id, i.server_time, v.commune_id, day(i.server_time).label("day"))
        .join_from(inspection_table, venue_table, v.id == i.venue_id)
        .subquery()
    )
    chain = (
        select(
            dated.c.id,
            dated.c.commune_id,
            dated.c.day,
            func.coalesce(
                func.lead(dated.c.day).over(
                    partition_by=dated.c.venue_id, order_by=(dated.c.server_time, dated.c.id)
                ),
                literal(LATEST, Date),
            ).label("next_day"),
        )
        .order_by(dated.c.id)  # SQLite then updates the table's pages in order: twice as fast
        .subquery()
    )
    connection.execute(
        update(inspection_table)
        .where(i.id == chain.c.id)
        .values(
            rollup_commune_id=chain.c.commune_id,
            rollup_day=chain.c.day,
            rollup_next_day=chain.c.next_day,
        )
    )
    connection.execute(
        update(poster_table)
        .where(v.id == p.venue_id)
        .values(rollup_commune_id=v.commune_id, rollup_day=day(p.issued_at))
    )
    counted = union_all(
        select(
            i.rollup_commune_id.label("commune_id"),
            i.rollup_day.label("day"),
            i.rollup_next_day.label("next_day"),
            *(
                m.label(name)
                for m, name in zip(finding_measures(inspection_table), MEASURES, strict=True)
            ),
        ),
        select(
            p.rollup_commune_id,
            p.rollup_day,
            literal(LATEST, Date),
            *(
                literal_column(str(n)).label(name)
                for n, name in zip(POSTER_MEASURES, MEASURES, strict=True)
            ),
        ),
    ).subquery()
    keys = (counted.c.commune_id, counted.c.day, counted.c.next_day)
    connection.execute(
        rollup_table.insert().from_select(
            ["commune_id", "day", "next_day", *MEASURES],
            select(*keys, *(func.sum(counted.c[name]) for name in MEASURES)).group_by(*keys),
        )
    )
    return connection.scalar(select(func.count()).select_from(rollup_table))


def rollup_cells() -> dict[Cell, tuple[int, ...]]:
    """Every cell and its amounts (for the tests and the rebuild command's check)."""
    cells = rollup_table.c
    return {
        (commune_id, day, next_day): tuple(amounts)
        for commune_id, day, next_day, *amounts in db.session.execute(
            select(cells.commune_id, cells.day, cells.next_day, *(cells[m] for m in MEASURES))
        )
    }
