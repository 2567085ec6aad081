"""Supervisors assign venues to inspectors and follow what is done."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldapp import clock
from fieldapp.access import (
    ForeignCommune,
    assigners_only,
    chosen_commune,
    district_venues,
    user_communes,
    venue_or_404,
)
from fieldapp.assignments.service import AssignmentRefused, assign, progress
from fieldapp.extensions import db
from fieldapp.fragments import id_param
from fieldapp.models import VENUE_TYPES, Assignment, Commune, Role, User, Venue
from fieldapp.venues.service import search_venues

bp = Blueprint("assignments", __name__, url_prefix="/assignments")

REFUSALS = {
    "inspector_elsewhere": lambda v: _("Choose an inspector of your district."),
    "venue_elsewhere": lambda v: _("%(name)s is not in the inspector's district.", name=v.name),
    "due_in_past": lambda v: _("The due date is in the past."),
    "no_venue": lambda v: _("No open venue matches this choice."),
    "venue_closed": lambda v: _("%(name)s is closed and cannot be assigned.", name=v.name),
    "bad_date": lambda v: _("Enter the due date."),
}


def district_inspectors() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.district_id.in_(current_user.district_ids),
                User.role == Role.INSPECTOR.value,
                User.is_enabled.is_(True),
            )
            .order_by(User.display_name)
        )
    )


def _page(status=200, error=None, form=None):
    today = clock.today()
    communes = user_communes()
    open_ones = db.session.scalars(
        select(Assignment)
        .join(Assignment.venue)
        .join(Venue.commune)
        .where(Commune.district_id.in_(current_user.district_ids), Assignment.closed_at.is_(None))
        .options(joinedload(Assignment.venue), joinedload(Assignment.inspector))
        .order_by(Assignment.due_date, Assignment.id)
        .limit(100)
    ).all()
    return render_template(
        "assignments/index.html",
        inspectors=district_inspectors(),
        communes=communes,
        by_inspector=progress(current_user.district_ids, today, "inspector"),
        by_commune=progress(current_user.district_ids, today, "commune"),
        open_ones=open_ones,
        today=today,
        error=error,
        form=form or {},
    ), status


@bp.route("")
@login_required
@assigners_only
def index():
    """Assign venues, and see assigned / done / overdue per inspector and commune."""
    return _page(form={"venue": request.args.get("venue", "")})


def _selected_venues(form) -> list[Venue]:
    scope = form.get("scope")
    if scope == "venue":
        venue_id = id_param(form.get("venue"))
        return [venue_or_404(venue_id)] if venue_id else []
    if scope == "commune":
        commune = chosen_commune(form.get("commune"))
        if commune is None:
            return []
        return list(
            db.session.scalars(
                district_venues(current_user.district_ids).where(
                    Venue.commune_id == commune.id, Venue.is_active.is_(True)
                )
            )
        )
    if scope == "search":  # the venues a search with these filters lists
        commune = chosen_commune(form.get("commune"))
        commune_id = commune.id if commune else None
        venue_type = form.get("type") if form.get("type") in VENUE_TYPES else None
        return search_venues(
            current_user.district_ids,
            form.get("q", ""),
            commune_id=commune_id,
            venue_type=venue_type,
            page_size=2000,
        ).venues
    abort(400)


@bp.route("", methods=["POST"])
@login_required
@assigners_only
def create():
    """Assign one venue, a searched selection, or a whole commune, with a due date."""
    form = request.form
    inspector_id = id_param(form.get("inspector"))
    inspector = db.session.get(User, inspector_id) if inspector_id else None
    try:
        due = date.fromisoformat(form.get("due", ""))
    except ValueError:
        return _page(422, REFUSALS["bad_date"](None), form)
    try:
        venues = _selected_venues(form)
    except ForeignCommune as refusal:
        return _page(422, refusal.message, form)
    try:
        if inspector is None:
            raise AssignmentRefused("inspector_elsewhere")
        created = assign(venues, inspector, due, form.get("note", ""), current_user, clock.today())
    except AssignmentRefused as refusal:
        return _page(422, REFUSALS[refusal.reason](refusal.venue), form)
    db.session.commit()
    flash(
        _(
            "%(n)s venues assigned to %(name)s, due %(date)s.",
            n=len(created),
            name=inspector.display_name,
            date=clock.day_text(due),
        ),
        "success",
    )
    if form.get("scope") == "venue":
        return redirect(url_for("venues.show", venue_id=venues[0].id), code=303)
    return redirect(url_for("assignments.index"), code=303)
