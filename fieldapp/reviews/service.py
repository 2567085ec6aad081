"""Supervisors' review of findings, and the district's inspection log."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from fieldapp import clock
from fieldapp.audit import record_change, snapshot
from fieldapp.counting import count_up_to
from fieldapp.extensions import db
from fieldapp.models import Commune, Inspection, InspectionPhoto, User, Venue
from fieldapp.models.user import Role, Scope


class ReviewRefused(Exception):
    """A review that cannot be done; the code names the reason for the message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def may_review(inspection: Inspection, user: User) -> bool:
    """A supervisor reviews the findings of others, never their own (four eyes)."""
    return user.can_review and inspection.inspector_id != user.id


def review_version(inspection: Inspection) -> str:
    """What a review form carries to say which answers the supervisor saw: it changes with
    each correction (update_inspection sets updated_at), so a finding corrected after its
    page was opened is never approved or returned blindly."""
    return inspection.updated_at.isoformat() if inspection.updated_at else "original"


def _check_version(inspection: Inspection, seen_version: str | None) -> None:
    if seen_version is None:  # a caller that is not a form (the demo, a script)
        return
    if not seen_version:
        raise ReviewRefused("version_missing")
    if seen_version != review_version(inspection):
        raise ReviewRefused("changed")


def check_approval(inspection: Inspection, reviewer: User, seen_version: str | None) -> None:
    """Refuse (ReviewRefused) an approval that may not be done: asked before confirming it."""
    if not may_review(inspection, reviewer):
        raise ReviewRefused("own_finding")
    if inspection.review_state == "approved":
        raise ReviewRefused("already_approved")
    if inspection.review_state == "returned":
        raise ReviewRefused("awaiting_correction")
    _check_version(inspection, seen_version)


def _hold(inspection: Inspection) -> None:
    """Lock the finding's row for the review's transaction and read it as it is now: on
    PostgreSQL another review or a correction of it (submit_finding holds it the same way)
    waits, then sees this one. SQLite's single writer needs no row lock."""
    db.session.refresh(inspection, with_for_update=True)


def approve(inspection: Inspection, reviewer: User, seen_version: str | None = None) -> None:
    """Approve a pending finding, as the supervisor saw it; it can no longer be edited."""
    _hold(inspection)
    check_approval(inspection, reviewer, seen_version)
    _review(inspection, reviewer, "approved", "")


def return_for_correction(
    inspection: Inspection, reviewer: User, comment: str, seen_version: str | None = None
) -> None:
    """Send a pending finding, as the supervisor saw it, back to its inspector with what to
    correct."""
    _hold(inspection)
    if not may_review(inspection, reviewer):
        raise ReviewRefused("own_finding")
    if inspection.review_state != "pending":
        raise ReviewRefused(
            "already_approved" if inspection.review_state == "approved" else "already_returned"
        )
    _check_version(inspection, seen_version)
    comment = (comment or "").strip()
    if not comment:
        raise ReviewRefused("comment_required")
    _review(inspection, reviewer, "returned", comment)


def next_pending(reviewer: User, after: Inspection) -> Inspection | None:
    """The finding the supervisor reviews next: the one after `after` in the review queue
    (the log's pending findings, newest first), or from the queue's top when `after` was its
    last; findings the supervisor recorded are not theirs to review."""
    queue = (
        select(Inspection)
        .join(Inspection.venue)
        .join(Venue.commune)
        .where(
            Commune.district_id.in_(reviewer.district_ids),
            Inspection.review_state == "pending",
            Inspection.inspector_id != reviewer.id,
            Inspection.id != after.id,
        )
        .order_by(*SORTS["newest"])
        .limit(1)
    )
    older = or_(
        Inspection.server_time < after.server_time,
        and_(Inspection.server_time == after.server_time, Inspection.id < after.id),
    )
    return db.session.scalar(queue.where(older)) or db.session.scalar(queue)


def _review(inspection: Inspection, reviewer: User, state: str, comment: str) -> None:
    # The review state is counted (fieldapp/reports/rollups.py's INSPECTION_COUNTED): a
    # returned finding leaves the reports' counts until corrected; the flush moves its cells.
    before = snapshot(inspection)
    inspection.review_state = state
    inspection.review_comment = comment
    inspection.reviewed_by_id = reviewer.id
    inspection.reviewed_at = clock.utcnow()
    record_change(inspection, "review", reviewer, before)
    db.session.flush()


# Each ends on the id: rows equal on the other keys (findings of the same moment) come in
# one order on every page; PostgreSQL, unlike SQLite in practice, may otherwise return
# them in another order for each LIMIT/OFFSET, repeating some and skipping others.
SORTS = {
    "newest": (Inspection.server_time.desc(), Inspection.id.desc()),
    "oldest": (Inspection.server_time.asc(), Inspection.id.asc()),
    "venue": (Venue.search_key.asc(), Inspection.server_time.desc(), Inspection.id.desc()),
    "outcome": (Inspection.outcome.desc(), Inspection.server_time.desc(), Inspection.id.desc()),
}


@dataclass
class LogFilter:
    """What the log is narrowed to; every field comes from the URL, so it can be shared."""

    date_from: date | None = None
    date_to: date | None = None
    commune_id: int | None = None
    venue_type: str | None = None
    inspector_id: int | None = None
    outcome: str | None = None
    review_state: str | None = None
    has_photos: str | None = None  # "yes" / "no"
    sort: str = "newest"
    page: int = 1
    page_size: int = 30


# The log counts its findings up to this many: counting a province's year of findings for
# "page 1 of 20,000" costs more than the page itself (bench/national.py). Past it, the log
# says "more than 3,000" and pages on.
COUNT_CAP = 3_000


@dataclass
class LogPage:
    inspections: list[Inspection]
    total: int  # exact up to COUNT_CAP; COUNT_CAP when there are more (total_capped)
    filters: LogFilter
    photo_counts: dict[int, int] = field(default_factory=dict)
    total_capped: bool = False
    has_next: bool = False

    @property
    def pages(self) -> int | None:
        """How many pages, or None when there are more findings than the log counts."""
        if self.total_capped:
            return None
        return max(1, -(-self.total // self.filters.page_size))


def inspection_log(user: User, filters: LogFilter) -> LogPage:
    """One page of the district's inspections (an inspector's own only, for inspectors)."""
    stmt = (
        select(Inspection)
        .join(Inspection.venue)
        .join(Venue.commune)
        .where(Commune.district_id.in_(user.district_ids))
    )
    if user.is_inspector:
        stmt = stmt.where(Inspection.inspector_id == user.id)
    # Dates typed in the log are Vietnamese days; the database keeps UTC.
    if filters.date_from:
        stmt = stmt.where(Inspection.server_time >= clock.day_start(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(Inspection.server_time < clock.day_end(filters.date_to))
    if filters.commune_id:
        stmt = stmt.where(Venue.commune_id == filters.commune_id)
    if filters.venue_type:
        stmt = stmt.where(Venue.venue_type == filters.venue_type)
    if filters.inspector_id:
        stmt = stmt.where(Inspection.inspector_id == filters.inspector_id)
    if filters.outcome:
        stmt = stmt.where(Inspection.outcome == filters.outcome)
    if filters.review_state:
        stmt = stmt.where(Inspection.review_state == filters.review_state)
    if filters.has_photos in ("yes", "no"):
        with_photo = (
            select(InspectionPhoto.id)
            .where(InspectionPhoto.inspection_id == Inspection.id)
            .exists()
        )
        stmt = stmt.where(with_photo if filters.has_photos == "yes" else ~with_photo)
    counted = count_up_to(stmt.with_only_columns(Inspection.id), COUNT_CAP)
    total, capped = counted.number, counted.more
    page = max(filters.page, 1)
    if not capped:  # a page past the last one shows the last one
        page = min(page, max(1, -(-total // filters.page_size)))
    filters.page = page
    order = SORTS.get(filters.sort, SORTS["newest"])
    # Pick the page's ids first (narrow rows, sorted in an index), then load those rows:
    # sorting a district's full rows to keep 30 is what makes a big log slow. One more id
    # than a page says whether a next page exists.
    ids = list(
        db.session.scalars(
            stmt.with_only_columns(Inspection.id)
            .order_by(*order)
            .limit(filters.page_size + 1)
            .offset((page - 1) * filters.page_size)
        )
    )
    has_next = len(ids) > filters.page_size
    ids = ids[: filters.page_size]
    rows = (
        db.session.scalars(
            select(Inspection)
            .join(Inspection.venue)
            .join(Venue.commune)
            .where(Inspection.id.in_(ids))
            .options(
                contains_eager(Inspection.venue).contains_eager(Venue.commune),
                joinedload(Inspection.inspector),
            )
            .order_by(*order)
        )
        .unique()
        .all()
        if ids
        else []
    )
    counts = (
        dict(
            db.session.execute(
                select(InspectionPhoto.inspection_id, func.count())
                .where(InspectionPhoto.inspection_id.in_([i.id for i in rows]))
                .group_by(InspectionPhoto.inspection_id)
            ).all()
        )
        if rows
        else {}
    )
    return LogPage(list(rows), total, filters, counts, total_capped=capped, has_next=has_next)


def log_inspectors(user: User) -> list[User]:
    """Whom the log's "Inspector" filter offers: the enabled inspectors of the user's
    districts, and anyone who recorded a finding there (a supervisor of a small office who
    inspects). Supervisors who never inspected there, and province or national accounts
    whose office sits in the district, are not offered."""
    recorded_here = (
        select(Inspection.id)
        .join(Venue, Venue.id == Inspection.venue_id)
        .join(Commune, Commune.id == Venue.commune_id)
        .where(Inspection.inspector_id == User.id, Commune.district_id.in_(user.district_ids))
        .exists()
    )
    inspects_here = and_(
        User.role == Role.INSPECTOR.value,
        User.is_enabled.is_(True),
        User.scope == Scope.DISTRICT.value,
        User.district_id.in_(user.district_ids),
    )
    return list(
        db.session.scalars(
            select(User).where(or_(inspects_here, recorded_here)).order_by(User.display_name)
        )
    )
