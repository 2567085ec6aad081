"""Assigning venues to inspectors, closing assignments, and counting them."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from fieldapp import clock
from fieldapp.audit import record_event
from fieldapp.extensions import db
from fieldapp.models import Assignment, Commune, Inspection, User, Venue
from fieldapp.places import sort_key

# At most this many venues in one assignment (a commune's worth): the preview takes no
# more, and the venue list offers "assign all of them" up to this many.
MAX_CHOSEN = 300


class AssignmentRefused(Exception):
    """Nothing was assigned; the reason names the message to show."""

    def __init__(
        self, reason: str, venue: Venue | None = None, assignment: "Assignment | None" = None
    ):
        super().__init__(reason)
        self.reason = reason
        self.venue = venue
        self.assignment = assignment  # the open one in the way


def open_by_venue(venue_ids: list[int]) -> dict[int, list[Assignment]]:
    """The open assignments of these venues (any inspector's), oldest first, by venue."""
    found: dict[int, list[Assignment]] = {}
    if not venue_ids:
        return found
    for assignment in db.session.scalars(
        select(Assignment)
        .where(Assignment.venue_id.in_(venue_ids), Assignment.closed_at.is_(None))
        .options(joinedload(Assignment.inspector))
        .order_by(Assignment.created_at, Assignment.id)
    ):
        found.setdefault(assignment.venue_id, []).append(assignment)
    return found


def assign(
    venues: list[Venue],
    inspector: User,
    due_date: date,
    note: str,
    by: User,
    today: date,
    replacing: Iterable[int] = (),
) -> list[Assignment]:
    """Assign venues of an inspector's own district to them; all or nothing.

    A venue that already has an open assignment (anyone's) is assigned again only when
    that assignment is among `replacing` (the supervisor saw it and chose to reassign):
    it is then closed as reassigned, audited, and the new one made. Otherwise nothing is
    assigned ("already_assigned"): never two open assignments for a venue.
    """
    if inspector.district_id not in by.district_ids or not inspector.is_inspector:
        raise AssignmentRefused("inspector_elsewhere")
    if due_date < today:
        raise AssignmentRefused("due_in_past")
    if not venues:
        raise AssignmentRefused("no_venue")
    # A province supervisor sees several districts; an inspector works in one.
    elsewhere = next((v for v in venues if v.commune.district_id != inspector.district_id), None)
    if elsewhere is not None:
        raise AssignmentRefused("venue_elsewhere", elsewhere)
    closed = next((v for v in venues if not v.is_active), None)
    if closed is not None:
        raise AssignmentRefused("venue_closed", closed)
    replacing = set(replacing)
    _lock_venues([v.id for v in venues])
    open_ones = open_by_venue([v.id for v in venues])
    for venue in venues:
        unseen = [a for a in open_ones.get(venue.id, []) if a.id not in replacing]
        if unseen:
            raise AssignmentRefused("already_assigned", venue, unseen[0])
    now = clock.utcnow()
    created = []
    for venue in venues:
        for old in open_ones.get(venue.id, []):
            old.closed_at = now
            _audit("assignment_reassigned", old, by, to=inspector)
        created.append(
            Assignment(
                venue_id=venue.id,
                inspector_id=inspector.id,
                due_date=due_date,
                note=note.strip()[:300],
                created_by_id=by.id,
                created_at=now,
            )
        )
    db.session.add_all(created)
    db.session.flush()
    for assignment in created:
        assignment.inspector = inspector
        _audit("assignment_created", assignment, by)
    return created


def _lock_venues(venue_ids: list[int]) -> None:
    """Hold the venues' rows until the transaction ends (PostgreSQL; SQLite's writers take
    turns), in id order: two supervisors assigning one venue at once are served one after
    the other, the second sees the first's assignment and is refused, never doubled. FOR
    NO KEY UPDATE, as the findings rollup takes it (`fieldapp/reports/rollups.py`)."""
    db.session.execute(
        select(Venue.id)
        .where(Venue.id.in_(sorted(venue_ids)))
        .order_by(Venue.id)
        .with_for_update(key_share=True)
    ).all()


def cancel(assignment: Assignment, by: User) -> None:
    """Cancel an open assignment (the supervisor confirmed it); audited."""
    _lock_venues([assignment.venue_id])
    db.session.refresh(assignment)  # as it is now: a finding may have closed it meanwhile
    if assignment.closed_at is not None:
        raise AssignmentRefused("not_open", assignment.venue, assignment)
    assignment.closed_at = clock.utcnow()
    _audit("assignment_cancelled", assignment, by)
    db.session.flush()


def cancel_all_of(inspector: User, by: User) -> list[Assignment]:
    """Cancel every open assignment of an inspector who can no longer do them (the account
    was disabled, or given another role; the admin was told which first), each audited."""
    assignments = open_assignments(inspector)
    for assignment in assignments:
        cancel(assignment, by)
    return assignments


def _audit(action: str, assignment: Assignment, by: User, to: User | None = None) -> None:
    """An assignment's event in the venue's audit trail: whom, by when, and to whom now."""
    detail = {
        "assignment": assignment.id,
        "inspector": assignment.inspector.display_name,
        "due_date": assignment.due_date.isoformat(),
    }
    if assignment.note:
        detail["note"] = assignment.note
    if to is not None:
        detail["reassigned_to"] = to.display_name
    # Under the venue's district, whoever assigned it (a province's supervisor too): its
    # admins read it there.
    record_event(
        action,
        by,
        entity="venue",
        entity_id=assignment.venue_id,
        detail=detail,
        district_id=assignment.venue.commune.district_id,
    )


def close_for_inspection(inspection: Inspection) -> int:
    """Close, as done, the recording inspector's own open assignment of the venue now that
    they inspected it. Another inspector's open assignment of the venue stays open (its
    page says someone else visited, `visits_by_others`): never credited with this visit."""
    open_ones = db.session.scalars(
        select(Assignment).where(
            Assignment.venue_id == inspection.venue_id,
            Assignment.inspector_id == inspection.inspector_id,
            Assignment.closed_at.is_(None),
        )
    ).all()
    for assignment in open_ones:
        assignment.closed_at = inspection.server_time or clock.utcnow()
        assignment.inspection_id = inspection.id
    return len(open_ones)


def visits_by_others(assignments: list[Assignment]) -> dict[int, Inspection]:
    """For open assignments, the latest inspection of their venue since each was made by
    someone other than its inspector (shown beside it: someone else visited), by id."""
    if not assignments:
        return {}
    found: dict[int, Inspection] = {}
    by_venue: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        by_venue.setdefault(assignment.venue_id, []).append(assignment)
    earliest = min(a.created_at for a in assignments)
    inspections = db.session.scalars(
        select(Inspection)
        .where(Inspection.venue_id.in_(list(by_venue)), Inspection.server_time >= earliest)
        .options(joinedload(Inspection.inspector))
        .order_by(Inspection.server_time, Inspection.id)
    )
    for inspection in inspections:
        for assignment in by_venue[inspection.venue_id]:
            if (
                inspection.inspector_id != assignment.inspector_id
                and inspection.server_time >= assignment.created_at
            ):
                found[assignment.id] = inspection  # the latest wins: ordered by time
    return found


def _open_of(inspector: User):
    return (Assignment.inspector_id == inspector.id) & Assignment.closed_at.is_(None)


def open_assignments(inspector: User, limit: int | None = None) -> list[Assignment]:
    """An inspector's open assignments, nearest due first; the first `limit` of them (an
    assignment may hold a commune's hundreds of venues: the home page shows ten)."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(_open_of(inspector))
            .options(joinedload(Assignment.venue).joinedload(Venue.commune))
            .order_by(Assignment.due_date, Assignment.id)
            .limit(limit)
        )
    )


def open_assignment_count(inspector: User) -> int:
    """How many open assignments an inspector has."""
    return db.session.scalar(
        select(func.count()).select_from(Assignment).where(_open_of(inspector))
    )


@dataclass
class Progress:
    name: str
    assigned: int
    done: int
    overdue: int


def progress(district_ids: list[int], today: date, by: str) -> list[Progress]:
    """Assigned / done / overdue per inspector or per commune of a district; communes in
    Vietnamese order, each counted apart even where two districts have one of that name.

    Only real work counts: "done" is an assignment closed by its own inspector's
    inspection; one cancelled or reassigned (closed with no inspection) is not counted as
    assigned at all."""
    keys = (User.id, User.display_name) if by == "inspector" else (Commune.id, Commune.name)
    is_open = Assignment.closed_at.is_(None)
    done = Inspection.id.is_not(None)
    stmt = (
        select(
            *keys,
            func.sum(case((is_open | Assignment.inspection_id.is_not(None), 1), else_=0)),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((is_open & (Assignment.due_date < today), 1), else_=0)),
        )
        .select_from(Assignment)
        .join(Assignment.venue)
        .join(Venue.commune)
        .join(User, User.id == Assignment.inspector_id)
        .outerjoin(
            Inspection,
            and_(
                Inspection.id == Assignment.inspection_id,
                Inspection.inspector_id == Assignment.inspector_id,
            ),
        )
        .where(Commune.district_id.in_(district_ids))
        .group_by(*keys)
    )
    rows = [
        Progress(name, assigned or 0, done or 0, overdue or 0)
        for _id, name, assigned, done, overdue in db.session.execute(stmt)
        if assigned
    ]
    return sorted(rows, key=lambda row: (sort_key(row.name), row.name))
