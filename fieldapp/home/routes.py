"""The home screen: what the user should do today."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from fieldapp import clock
from fieldapp.access import allowed_if, district_venues
from fieldapp.assignments.service import open_assignment_count, open_assignments
from fieldapp.counting import Count, count_up_to
from fieldapp.extensions import db
from fieldapp.models import Commune, Inspection, Venue
from fieldapp.reports.deadlines import district_due
from fieldapp.reviews.service import COUNT_CAP

bp = Blueprint("home", __name__)

# Each list of the home page shows this many at most, with a link to the rest: the
# findings to correct and the recent ones in the log, assignments and venues due on their
# own pages (which show up to FULL_LIST_COUNT).
LIST_COUNT = 10
RECENT_COUNT = LIST_COUNT
DUE_COUNT = LIST_COUNT
RETURNED_COUNT = LIST_COUNT
ASSIGNMENT_COUNT = LIST_COUNT
FULL_LIST_COUNT = 500


# An inspector's latest findings are read from their own newest first (an index), this many
# at most, before the district is checked: the database cannot know that an inspector's
# findings are nearly all in their district, and would otherwise read the district's.
OWN_LOOKAHEAD = 50


def recent_inspections(user, limit: int = RECENT_COUNT) -> list[Inspection]:
    """An inspector's own latest findings; for the office, the district's."""
    stmt = (
        select(Inspection)
        .join(Inspection.venue)
        .join(Venue.commune)
        .where(Commune.district_id.in_(user.district_ids))
        .options(joinedload(Inspection.venue))
        .order_by(Inspection.server_time.desc(), Inspection.id.desc())
        .limit(limit)
    )
    if not user.is_inspector:
        # The office's list names each finding's inspector.
        return list(db.session.scalars(stmt.options(joinedload(Inspection.inspector))))
    own = list(
        db.session.scalars(
            select(Inspection.id)
            .where(Inspection.inspector_id == user.id)
            .order_by(Inspection.server_time.desc(), Inspection.id.desc())
            .limit(OWN_LOOKAHEAD)
        )
    )
    found = list(db.session.scalars(stmt.where(Inspection.id.in_(own))))
    if len(found) == limit or len(own) < OWN_LOOKAHEAD:
        return found
    # Many of their latest are of venues now in another district: read the long way.
    return list(db.session.scalars(stmt.where(Inspection.inspector_id == user.id)))


def _due_query(user):
    return district_venues(user.district_ids).where(
        Venue.reinspection_due.is_not(None), Venue.is_active.is_(True)
    )


def venues_due(user, limit: int = DUE_COUNT) -> list[Venue]:
    """Venues of the district whose re-inspection date is set, soonest first."""
    stmt = (
        _due_query(user)
        .options(joinedload(Venue.commune).joinedload(Commune.district))
        .order_by(Venue.reinspection_due, Venue.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def venues_due_count(user) -> Count:
    """How many venues of the district are due for re-inspection (up to the log's cap: a
    province or the country has hundreds of thousands)."""
    return count_up_to(_due_query(user).with_only_columns(Venue.id), COUNT_CAP)


def _total(shown: list, limit: int, count) -> Count:
    """How many there are in all: counted only when the list is full."""
    return count() if len(shown) >= limit else Count(len(shown))


@bp.route("/")
@login_required
def index():
    """The user's district, recent inspections and venues due for re-inspection."""
    mine_returned = (Inspection.inspector_id == current_user.id) & (
        Inspection.review_state == "returned"
    )
    returned = list(
        db.session.scalars(
            select(Inspection)
            .where(mine_returned)
            .options(joinedload(Inspection.venue))
            .order_by(Inspection.reviewed_at.desc(), Inspection.id.desc())
            .limit(RETURNED_COUNT)
        )
    )
    returned_total = (
        db.session.scalar(select(func.count()).select_from(Inspection).where(mine_returned))
        if len(returned) == RETURNED_COUNT
        else len(returned)
    )
    awaiting = Count(0)
    if current_user.can_review:
        awaiting = count_up_to(
            select(Inspection.id)
            .join(Inspection.venue)
            .join(Venue.commune)
            .where(
                Commune.district_id.in_(current_user.district_ids),
                Inspection.review_state == "pending",
            ),
            COUNT_CAP,  # the log it leads to counts as far
        )
    assignments = (
        open_assignments(current_user, limit=ASSIGNMENT_COUNT) if current_user.is_inspector else []
    )
    due = venues_due(current_user)
    return render_template(
        "home/index.html",
        recent=recent_inspections(current_user),
        recent_count=RECENT_COUNT,
        assignments=assignments,
        assignments_total=_total(
            assignments, ASSIGNMENT_COUNT, lambda: Count(open_assignment_count(current_user))
        ),
        due=due,
        due_total=_total(due, DUE_COUNT, lambda: venues_due_count(current_user)),
        today=clock.today(),
        returned=returned,
        returned_total=returned_total,
        awaiting_review=awaiting,
        # A district office's next report due date (fieldapp/reports/deadlines.py).
        report_due=(
            district_due(current_user.district, clock.utcnow())
            if current_user.works_in_office and not current_user.sees_province
            else None
        ),
    )


@bp.route("/home/assignments")
@login_required
@allowed_if("is_inspector")
def assignments():
    """All the inspector's open assignments, nearest due first (the home page shows ten)."""
    found = open_assignments(current_user, limit=FULL_LIST_COUNT)
    return render_template(
        "home/list.html",
        kind="assignments",
        assignments=found,
        total=_total(found, FULL_LIST_COUNT, lambda: Count(open_assignment_count(current_user))),
        today=clock.today(),
    )


@bp.route("/home/due")
@login_required
def due():
    """All the district's venues due for re-inspection, soonest first (the home page shows
    ten)."""
    found = venues_due(current_user, FULL_LIST_COUNT)
    return render_template(
        "home/list.html",
        kind="due",
        due=found,
        total=_total(found, FULL_LIST_COUNT, lambda: venues_due_count(current_user)),
        today=clock.today(),
    )
