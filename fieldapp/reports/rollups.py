"""The findings rollup: how the reports count findings without reading the raw inspections.

"A venue inspected twice in the period counts once, by its latest finding" (latest in the
order (server_time, id)), among its counted findings: those approved or pending
(fieldapp/reports/findings.py's COUNTED_REVIEW_STATES). A finding returned for correction
is in no cell, and the chain of its venue's findings skips it: until it is corrected, the
venue counts by its latest other finding of the period, if any. Each counted finding is in
one cell of `finding_rollup`, keyed (commune, day, next_day): `day` is the Vietnamese date
of its server time, `next_day` that of the same venue's next counted finding in that order,
or LATEST (9999-12-31) for the venue's latest. Days never decrease along a venue's
findings, so the latest counted finding of each venue among those of the days S to E are
exactly those of the cells with S <= day <= E < next_day:
`findings_from_rollups` sums them, for any period. A poster issued on a day is counted in
the cell (its venue's commune, that day, LATEST).

The session's flush keeps the cells in the same transaction as the write, whatever the
service that wrote it (a new finding from the form, the outbox or the demo; a correction; a
venue merge moving findings; an import moving a venue to another commune; a poster issued;
a deletion): before the flush writes, it locks the venues concerned and notes the cells
their findings and posters are counted in (the database still holds the old rows); after
it, it computes their cells again and adds the difference. The rollup is right before each
flush, so the cells noted are exactly what those venues had added. A review changes what
is counted (`review_state` is one of the counted columns): returning a finding takes it out
of its cell and re-chains its venue's other findings; a correction (pending again) or an
approval puts it back. Writes that bypass the ORM (the benchmarks' bulk inserts) call
`rebuild_rollups()`.

The venue's row is locked (FOR NO KEY UPDATE, which a finding's foreign key check does not
wait for; nothing on SQLite, whose writers take turns anyway) before its findings are read,
so on PostgreSQL (READ COMMITTED) two findings of one venue recorded at once are chained
one after the other: the second sees the first, committed. Venues are locked in id order
and cells updated in key order within a flush; a transaction of several flushes over
several venues (a merge, an import) can still meet another in a deadlock, which PostgreSQL
breaks by failing one of them: nothing is half-counted. A rebuild running while findings
are recorded on PostgreSQL either sees them or has them added after it, or fails on a
duplicate cell and changes nothing (run it again).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

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
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import FindingMonthRollup, FindingRollup, Inspection, Poster, Venue
from fieldapp.models.rollup import LATEST
from fieldapp.reports.findings import COUNTED_REVIEW_STATES, Findings

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
    "review_state",
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
month_table = FindingMonthRollup.__table__


# The one place of the rollups whose SQL differs by engine ----------------------------------
@dataclass(frozen=True)
class EngineSql:
    upsert: object  # the dialect's insert(), which has on_conflict_do_update
    vietnam_day: object  # a function: stored UTC moment column -> its Vietnamese date
    month_start: object  # a function: date column -> the first day of its month


def engine_sql(connection: Connection) -> EngineSql:
    """THE ONE ENGINE-SPECIFIC PLACE of the rollups: the dialect's INSERT ... ON CONFLICT DO
    UPDATE (SQLite's and PostgreSQL's constructs, the same API), the Vietnamese date of
    a stored UTC moment (SQLite: date(t, '+7 hours') as 'YYYY-MM-DD' text, how SQLAlchemy
    stores a Date there; PostgreSQL: CAST(t + INTERVAL '7 hours' AS DATE)) and the first
    day of a date's month (SQLite: date(d, 'start of month'); PostgreSQL: CAST(date_trunc(
    'month', d) AS DATE)). The suite runs on each engine, and tests/test_rollups.py compiles
    both branches in either run."""
    if connection.dialect.name == "postgresql":
        interval = literal_column(f"INTERVAL '{SHIFT_HOURS} hours'")
        return EngineSql(
            postgresql.insert,
            lambda moment: cast(moment + interval, Date),
            lambda day: cast(func.date_trunc("month", day), Date),
        )
    return EngineSql(
        sqlite.insert,
        lambda moment: type_coerce(func.date(moment, f"+{SHIFT_HOURS} hours"), Date),
        lambda day: type_coerce(func.date(day, "start of month"), Date),
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
def month_of(day: date) -> date:
    """The first day of the day's month: the month cells' key."""
    return day.replace(day=1)


def whole_months(start: date, end: date) -> bool:
    """Whether the days start to end are whole calendar months (the first of a month to
    the last day of the same or a later one)."""
    return start.day == 1 and (end + timedelta(days=1)).day == 1 and start <= end


def findings_from_rollups(commune_ids, start: date, end: date) -> dict[int, Findings]:
    """Findings of the days start to end (both included) per commune, from the rollup: the
    month cells for whole months (S <= month <= E's month < next_month says the same as
    the day cells' S <= day <= E < next_day when S is a first and E a last day), else the
    day cells."""
    if whole_months(start, end):
        cells = month_table.c
        first, last, following = cells.month, cells.month, cells.next_month
        start, end = month_of(start), month_of(end)
    else:
        cells = rollup_table.c
        first, last, following = cells.day, cells.day, cells.next_day
    rows = db.session.execute(
        select(cells.commune_id, *(func.sum(cells[name]) for name in MEASURES))
        .where(
            cells.commune_id.in_(commune_ids),
            first >= start,
            last <= end,
            following > end,
        )
        .group_by(cells.commune_id)
    )
    return {commune_id: Findings(*(int(n) for n in sums)) for commune_id, *sums in rows}


def recount_findings(commune_ids, start: date, end: date) -> dict[int, Findings]:
    """The same figures counted from the raw inspections and posters (the tests' truth, and
    the query the reports ran before the rollup): each venue's latest counted finding
    (approved or pending) of the period in the order (server_time, id)."""
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
            Inspection.review_state.in_(COUNTED_REVIEW_STATES),
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
    """One flush's venues, the cells their findings and posters held before it, and the
    rows whose venue may be known only once flushed."""

    venue_ids: set[int] = field(default_factory=set)
    before: dict = field(default_factory=dict)
    rows: list = field(default_factory=list)


def _zero() -> list[int]:
    return [0] * len(MEASURES)


def _add(totals, cell: Cell, amounts, sign: int = 1) -> None:
    total = totals[cell]
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


def venue_cells(connection: Connection, venue_ids) -> dict[Cell, list[int]]:
    """The cells the counted findings and the posters of these venues are in, as the
    database holds them now, with the amounts each cell gets from them."""
    totals: dict[Cell, list[int]] = defaultdict(_zero)
    if not venue_ids:
        return totals
    ids = sorted(venue_ids)
    day = engine_sql(connection).vietnam_day
    i, p = inspection_table.c, poster_table.c
    commune_of = dict(
        connection.execute(
            select(venue_table.c.id, venue_table.c.commune_id).where(venue_table.c.id.in_(ids))
        ).all()
    )
    findings = connection.execute(
        select(i.venue_id, day(i.server_time), *finding_measures(inspection_table))
        .where(i.venue_id.in_(ids), i.review_state.in_(COUNTED_REVIEW_STATES))
        .order_by(i.venue_id, i.server_time, i.id)
    ).all()
    for index, (venue_id, on, *amounts) in enumerate(findings):
        following = findings[index + 1] if index + 1 < len(findings) else None
        next_day = following[1] if following is not None and following[0] == venue_id else LATEST
        _add(totals, (commune_of[venue_id], on, next_day), amounts)
    for venue_id, on in connection.execute(
        select(p.venue_id, day(p.issued_at)).where(p.venue_id.in_(ids))
    ):
        _add(totals, (commune_of[venue_id], on, LATEST), POSTER_MEASURES)
    return totals


def _changed(row, names) -> bool:
    attributes = inspect(row).attrs
    return any(attributes[name].history.has_changes() for name in names)


def _venue_id(row) -> int | None:
    """The venue a new or changed finding or poster is of, as the flush will write it."""
    if row.venue_id is not None and not _changed(row, ("venue",)):
        return row.venue_id
    return row.venue.id if row.venue is not None else None


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context, instances) -> None:
    """Lock the venues this flush changes findings or posters of, and note their cells."""
    pending = _Pending()
    stored: dict = {Inspection: [], Poster: []}  # rows whose stored venue counts too
    for row in session.new:
        if isinstance(row, (Inspection, Poster)):
            pending.rows.append(row)
    for row in session.dirty:
        if isinstance(row, Inspection) and _changed(row, INSPECTION_COUNTED):
            stored[Inspection].append(inspect(row).identity[0])
            pending.rows.append(row)
        elif isinstance(row, Poster) and _changed(row, POSTER_COUNTED):
            stored[Poster].append(inspect(row).identity[0])
            pending.rows.append(row)
        elif isinstance(row, Venue) and _changed(row, ("commune_id", "commune")):
            pending.venue_ids.add(inspect(row).identity[0])
    for row in session.deleted:
        if isinstance(row, (Inspection, Poster)):
            stored[type(row)].append(inspect(row).identity[0])
    pending.venue_ids |= {v for v in map(_venue_id, pending.rows) if v is not None}
    if not (pending.venue_ids or stored[Inspection] or stored[Poster]):
        return
    connection = session.connection()
    locked: set[int] = set()
    while True:  # a merge may move a row to another venue before we hold its old one
        for table, ids in ((inspection_table, stored[Inspection]), (poster_table, stored[Poster])):
            if ids:
                pending.venue_ids |= set(
                    connection.scalars(select(table.c.venue_id).where(table.c.id.in_(ids)))
                )
        if pending.venue_ids <= locked:
            break
        _lock_venues(connection, pending.venue_ids - locked)
        locked |= pending.venue_ids
    pending.before = venue_cells(connection, pending.venue_ids)
    session.info["fieldapp.rollups"] = pending


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    """Move the counts of this flush's venues from the cells they held to those they hold
    now."""
    pending = session.info.pop("fieldapp.rollups", None)
    if pending is None:
        return
    connection = session.connection()
    created = {row.venue_id for row in pending.rows} - pending.venue_ids  # new venues
    _lock_venues(connection, created)
    after = venue_cells(connection, pending.venue_ids | created)
    changes: dict[Cell, list[int]] = defaultdict(_zero)
    for cell, amounts in after.items():
        _add(changes, cell, amounts)
    for cell, amounts in pending.before.items():
        _add(changes, cell, amounts, -1)
    _apply(connection, engine_sql(connection), changes)


def _apply(connection: Connection, sql: EngineSql, deltas) -> None:
    """Add the amounts to their day cells and to the month cells those fall in."""
    months: dict[Cell, list[int]] = defaultdict(_zero)
    for (commune_id, day, next_day), amounts in deltas.items():
        _add(months, (commune_id, month_of(day), month_of(next_day)), amounts)
    _apply_to(connection, sql, rollup_table, ("commune_id", "day", "next_day"), deltas)
    _apply_to(connection, sql, month_table, ("commune_id", "month", "next_month"), months)


def _apply_to(connection: Connection, sql: EngineSql, table, keys, deltas) -> None:
    """Add the amounts to their cells of the table (in key order: two writers lock cells
    in the same order), then delete the cells left empty."""
    changed = [(cell, amounts) for cell, amounts in sorted(deltas.items()) if any(amounts)]
    if not changed:
        return
    cells = table.c
    upsert = sql.upsert(table)
    connection.execute(
        upsert.on_conflict_do_update(
            index_elements=[cells[key] for key in keys],
            set_={name: cells[name] + upsert.excluded[name] for name in MEASURES},
        ),
        [
            {**dict(zip(keys, cell, strict=True)), **dict(zip(MEASURES, amounts, strict=True))}
            for cell, amounts in changed
        ],
    )
    emptied = [
        {f"key_{n}": part for n, part in enumerate(cell)}
        for cell, amounts in changed
        if any(amount < 0 for amount in amounts)
    ]
    if emptied:
        connection.execute(
            delete(table).where(
                *(cells[key] == bindparam(f"key_{n}") for n, key in enumerate(keys)),
                cells.venues_inspected == 0,
                cells.posters_issued == 0,
            ),
            emptied,
        )


# Rebuilding --------------------------------------------------------------------------------
def rebuild_rollups(connection: Connection | None = None, *, months: bool = True) -> int:
    """Count every finding and poster again from scratch, set-based; the number of (day)
    cells. The month cells are summed from the day cells (`months=False`: not, for the
    migrations that ran before the month cells' table existed).

    Run in the caller's transaction (`flask rollups-rebuild` commits once: readers see the
    old cells until then). After bulk inserts that bypass the ORM (the benchmarks), and by
    the migration that created the rollup."""
    connection = connection or db.session.connection()
    count = _rebuild_day_cells(connection)
    if months:
        rebuild_month_cells(connection)
    return count


def rebuild_month_cells(connection: Connection) -> int:
    """The month cells summed again from the day cells; their number."""
    month = engine_sql(connection).month_start
    cells = rollup_table.c
    connection.execute(delete(month_table))
    keys = (cells.commune_id, month(cells.day), month(cells.next_day))
    connection.execute(
        month_table.insert().from_select(
            ["commune_id", "month", "next_month", *MEASURES],
            select(*keys, *(func.sum(cells[name]) for name in MEASURES)).group_by(*keys),
        )
    )
    return connection.scalar(select(func.count()).select_from(month_table))


def _rebuild_day_cells(connection: Connection) -> int:
    day = engine_sql(connection).vietnam_day
    connection.execute(delete(rollup_table))
    i, v, p = inspection_table.c, venue_table.c, poster_table.c
    measures = [
        m.label(name) for m, name in zip(finding_measures(inspection_table), MEASURES, strict=True)
    ]
    dated = (
        select(i.id, i.venue_id, i.server_time, v.commune_id, day(i.server_time).label("day"))
        .add_columns(*measures)
        .join_from(inspection_table, venue_table, v.id == i.venue_id)
        .where(i.review_state.in_(COUNTED_REVIEW_STATES))
        .subquery()
    )
    chained = select(
        dated.c.commune_id,
        dated.c.day,
        func.coalesce(
            func.lead(dated.c.day).over(
                partition_by=dated.c.venue_id, order_by=(dated.c.server_time, dated.c.id)
            ),
            literal(LATEST, Date),
        ).label("next_day"),
        *(dated.c[name] for name in MEASURES),
    )
    posters = select(
        v.commune_id,
        day(p.issued_at),
        literal(LATEST, Date),
        *(
            literal_column(str(n)).label(name)
            for n, name in zip(POSTER_MEASURES, MEASURES, strict=True)
        ),
    ).join_from(poster_table, venue_table, v.id == p.venue_id)
    counted = union_all(chained, posters).subquery()
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


def month_cells() -> dict[Cell, tuple[int, ...]]:
    """Every month cell and its amounts (for the tests)."""
    cells = month_table.c
    return {
        (commune_id, month, next_month): tuple(amounts)
        for commune_id, month, next_month, *amounts in db.session.execute(
            select(cells.commune_id, cells.month, cells.next_month, *(cells[m] for m in MEASURES))
        )
    }
