"""Assigning venues to inspectors, closing assignments, and counting them."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import Assignment, Commune, Inspection, User, Venue
from fieldapp.places import sort_key


class AssignmentRefused(Exception):
    """Nothing was assigned; the reason names the message to show."""

    def __init__(self, reason: str, venue: Venue | None = None):
        super().__init__(reason)
        self.reason = reason
        self.venue = venue


def assign(
    venues: list[Venue], inspector: User, due_date: date, note: str, by: User, today: date
) -> list[Assignment]:
    """Assign venues of an inspector's own district to them; all or nothing.

    A venue the inspector already has an open assignment for is not assigned twice.
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
    already = set(
        db.session.scalars(
            select(Assignment.venue_id).where(
                Assignment.inspector_id == inspector.id,
                Assignment.closed_at.is_(None),
                Assignment.venue_id.in_([v.id for v in venues]),
            )
        )
    )
    created = [
        Assignment(
            venue_id=v.id,
            inspector_id=inspector.id,
            due_date=due_date,
            note=note.strip()[:300],
            created_by_id=by.id,
        )
        for v in venues
        if v.id not in already
    ]
    db.session.add_all(created)
    db.session.flush()
    return created


def close_for_inspection(inspection: Inspection) -> int:
    """Close the venue's open assignments now that it has been inspected."""
    open_ones = db.session.scalars(
        select(Assignment).where(
            Assignment.venue_id == inspection.venue_id, Assignment.closed_at.is_(None)
        )
    ).all()
    for assignment in open_ones:
        assignment.closed_at = inspection.server_time or clock.utcnow()
        assignment.inspection_id = inspection.id
    return len(open_ones)


def open_assignments(inspector: User) -> list[Assignment]:
    """An inspector's open assignments, nearest due first."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.inspector_id == inspector.id, Assignment.closed_at.is_(None))
            .options(joinedload(Assignment.venue).joinedload(Venue.commune))
            .order_by(Assignment.due_date, Assignment.id)
        )
    )


@dataclass
class Progress:
    name: str
    assigned: int
    done: int
    overdue: int


def progress(district_ids: list[int], today: date, by: str) -> list[Progress]:
    """Assigned / done / overdue per inspector or per commune of a district; communes in
    Vietnamese order, each counted apart even where two districts have one of that name."""
    keys = (User.id, User.display_name) if by == "inspector" else (Commune.id, Commune.name)
    stmt = (
        select(
            *keys,
            func.count(Assignment.id),
            func.sum(case((Assignment.closed_at.is_not(None), 1), else_=0)),
            func.sum(
                case(((Assignment.closed_at.is_(None)) & (Assignment.due_date < today), 1), else_=0)
            ),
        )
        .select_from(Assignment)
        .join(Assignment.venue)
        .join(Venue.commune)
        .join(User, User.id == Assignment.inspector_id)
        .where(Commune.district_id.in_(district_ids))
        .group_by(*keys)
    )
    rows = [
        Progress(name, assigned, done or 0, overdue or 0)
        for _id, name, assigned, done, overdue in db.session.execute(stmt)
    ]
    return sorted(rows, key=lambda row: (sort_key(row.name), row.name))
