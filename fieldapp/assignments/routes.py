"""Supervisors assign venues to inspectors and follow what is done.

The way to assign: filter the venue list, tick venues, "Assign N venues", then the
preview (`preview`) names them, warns about any open assignment, and takes the
inspector, due date and note; confirming posts to `create`."""

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldapp import clock
from fieldapp.access import (
    assigners_only,
    assignment_or_404,
    commune_or_none,
    district_venues,
    picker_communes,
)
from fieldapp.assignments.service import (
    MAX_CHOSEN,
    AssignmentRefused,
    assign,
    cancel,
    open_by_venue,
    progress,
    visits_by_others,
)
from fieldapp.extensions import db
from fieldapp.fragments import id_param
from fieldapp.models import Assignment, Commune, Role, User, Venue
from fieldapp.venues.filters import STATUS_LABELS, VenueFilters, list_url
from fieldapp.venues.service import search_venues

bp = Blueprint("assignments", __name__, url_prefix="/assignments")

# The due date the preview proposes: a week from today.
DEFAULT_DAYS = 7

REFUSALS = {
    "inspector_elsewhere": lambda r: _("Choose an inspector of your district."),
    "venue_elsewhere": lambda r: _(
        "%(name)s is not in the inspector's district.", name=r.venue.name
    ),
    "due_in_past": lambda r: _("The due date is in the past."),
    "no_venue": lambda r: _("Tick at least one venue."),
    "venue_closed": lambda r: _("%(name)s is closed and cannot be assigned.", name=r.venue.name),
    "already_assigned": lambda r: _(
        "%(name)s was assigned meanwhile to %(inspector)s, due %(date)s: leave it out, or tick"
        " it again to reassign it.",
        name=r.venue.name,
        inspector=r.assignment.inspector.display_name,
        date=clock.day_text(r.assignment.due_date),
    ),
    "not_open": lambda r: _("This assignment is no longer open."),
}


def district_inspectors(district_ids) -> list[User]:
    """The enabled inspectors of these districts (of the user's), by name."""
    wanted = set(district_ids) & set(current_user.district_ids)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.district_id.in_(wanted),
                User.role == Role.INSPECTOR.value,
                User.is_enabled.is_(True),
            )
            .order_by(User.display_name)
        )
    )


@bp.route("")
@login_required
@assigners_only
def index():
    """See assigned / done / overdue per inspector and commune, and the open assignments
    (to cancel or reassign); assigning starts from the venue list."""
    venue_id = id_param(request.args.get("venue"))
    if venue_id:  # the venue page's "assign" button: the preview of that one venue
        return redirect(url_for("assignments.preview", venue=venue_id))
    today = clock.today()
    open_ones = db.session.scalars(
        select(Assignment)
        .join(Assignment.venue)
        .join(Venue.commune)
        .where(Commune.district_id.in_(current_user.district_ids), Assignment.closed_at.is_(None))
        .options(
            joinedload(Assignment.venue).joinedload(Venue.commune),
            joinedload(Assignment.inspector),
        )
        .order_by(Assignment.due_date, Assignment.id)
        .limit(100)
    ).all()
    return render_template(
        "assignments/index.html",
        communes=picker_communes(),  # none for a national scope: too many to list
        statuses=STATUS_LABELS,
        by_inspector=progress(current_user.district_ids, today, "inspector"),
        by_commune=progress(current_user.district_ids, today, "commune"),
        open_ones=open_ones,
        visited=visits_by_others(open_ones),
        today=today,
    )


def _ids(values: list[str]) -> list[int]:
    """Ids from a form's repeated field, in order, once each; what is not an id is dropped."""
    ids = []
    for value in values:
        venue_id = id_param(value)
        if venue_id and venue_id not in ids:
            ids.append(venue_id)
    return ids


def _chosen_venues(ids: list[int]) -> list[Venue]:
    """The venues of these ids, in that order; 404 when one is not the user's to see."""
    if len(ids) > MAX_CHOSEN:
        abort(413)
    found = {
        venue.id: venue
        for venue in db.session.scalars(
            district_venues(current_user.district_ids)
            .where(Venue.id.in_(ids))
            .options(joinedload(Venue.commune).joinedload(Commune.district))
        )
    }
    if len(found) != len(ids):
        abort(404)
    return [found[venue_id] for venue_id in ids]


def _listed_venues(list_query: str) -> list[Venue]:
    """Every venue a filtered list shows ("assign all of them"), at most MAX_CHOSEN."""
    filters = VenueFilters.from_query_string(list_query)
    commune = commune_or_none(filters.commune)
    found = search_venues(
        current_user.district_ids,
        filters.q,
        commune_id=commune.id if commune else None,
        venue_type=filters.type or None,
        page_size=MAX_CHOSEN,
        conditions=filters.status_conditions(clock.today()),
    )
    if found.total_capped or found.total > MAX_CHOSEN:
        abort(413)
    return found.venues


def _preview(venues: list[Venue], form: dict, ticked: set[int], status=200, error=None):
    """The preview: the chosen venues with their status and open assignment, each ticked
    or not, and the assignment's fields."""
    today = clock.today()
    open_ones = open_by_venue([v.id for v in venues])
    return render_template(
        "assignments/preview.html",
        venues=venues,
        open_ones=open_ones,
        ticked=ticked,
        inspectors=district_inspectors({v.commune.district_id for v in venues}),
        form=form,
        today=today,
        latest_due=clock.latest_planned_day(today),
        error=error,
    ), status


@bp.route("/preview")
@login_required
@assigners_only
def preview():
    """The venues ticked in the list (or one venue from its page), before assigning them:
    a venue already assigned is left out unless the supervisor ticks it to reassign it."""
    if request.args.get("all") == "1":
        venues = _listed_venues(request.args.get("back", ""))
    else:
        venues = _chosen_venues(_ids(request.args.getlist("venue")))
    form = {
        "due": (clock.today() + timedelta(days=DEFAULT_DAYS)).isoformat(),
        "next": request.args.get("next", ""),
    }
    if "back" in request.args:
        form["back"] = request.args.get("back", "")
    if not venues:
        return _preview([], form, set(), 422, _("Tick at least one venue."))
    replacing = id_param(request.args.get("replace"))
    open_ones = open_by_venue([v.id for v in venues])
    ticked = {
        v.id
        for v in venues
        if v.is_active
        and (not open_ones.get(v.id) or any(a.id == replacing for a in open_ones.get(v.id, [])))
    }
    return _preview(venues, form, ticked)


def _after(form, venues: list[Venue]):
    """Where a confirmed assignment or cancellation leads: back to the filtered venue list
    it came from, the venue's page, or the assignments page."""
    if "back" in form:
        return redirect(list_url(form.get("back")), code=303)
    if form.get("next") == "assignments" or len(venues) != 1:
        return redirect(url_for("assignments.index"), code=303)
    return redirect(url_for("venues.show", venue_id=venues[0].id), code=303)


@bp.route("", methods=["POST"])
@login_required
@assigners_only
def create():
    """Assign the ticked venues to an inspector with a due date and a note; an open
    assignment of one of them is replaced only when the preview showed it."""
    form = request.form
    ticked_ids = _ids(form.getlist("venue"))
    shown = _chosen_venues(_ids(form.getlist("shown")) or ticked_ids)
    kept = {name: form.get(name, "") for name in ("inspector", "due", "note", "next")}
    if "back" in form:
        kept["back"] = form.get("back", "")
    ticked = set(ticked_ids)
    if not ticked & {v.id for v in shown}:
        return _preview(shown, kept, ticked, 422, _("Tick at least one venue."))
    due = clock.parse_day(form.get("due"))
    if due is None:
        message = (
            _("Enter the due date as DD/MM/YYYY.") if form.get("due") else _("Enter the due date.")
        )
        return _preview(shown, kept, ticked, 422, message)
    if clock.beyond_planning(due):
        return _preview(shown, kept, ticked, 422, str(clock.planning_refusal()))
    inspector_id = id_param(form.get("inspector"))
    inspector = db.session.get(User, inspector_id) if inspector_id else None
    chosen = [v for v in shown if v.id in ticked]
    try:
        if inspector is None:
            raise AssignmentRefused("inspector_elsewhere")
        created = assign(
            chosen,
            inspector,
            due,
            form.get("note", ""),
            current_user,
            clock.today(),
            replacing=_ids(form.getlist("replaces")),
        )
    except AssignmentRefused as refusal:
        status = 409 if refusal.reason == "already_assigned" else 422
        if refusal.reason == "already_assigned":
            ticked.discard(refusal.venue.id)  # shown again with its warning, not ticked
        return _preview(shown, kept, ticked, status, REFUSALS[refusal.reason](refusal))
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
    return _after(form, chosen)


@bp.route("/<int:assignment_id>/cancel", methods=["POST"])
@login_required
@assigners_only
def cancel_one(assignment_id: int):
    """Cancel an open assignment, once the supervisor confirmed it."""
    assignment = assignment_or_404(assignment_id)
    if request.form.get("confirm") != "yes":
        abort(400)
    try:
        cancel(assignment, current_user)
    except AssignmentRefused as refusal:
        flash(REFUSALS[refusal.reason](refusal), "error")
        return _after(request.form, [assignment.venue])
    db.session.commit()
    flash(
        _(
            "Assignment of %(venue)s to %(name)s cancelled.",
            venue=assignment.venue.name,
            name=assignment.inspector.display_name,
        ),
        "success",
    )
    return _after(request.form, [assignment.venue])


@bp.app_template_global()
def venue_open_assignments(venue: Venue) -> list[Assignment]:
    """A venue's open assignments, for its page (`assignments/_open.html`, included by
    `venues/show.html`). The page loaded the venue through `venue_or_404`: it is the user's."""
    return open_by_venue([venue.id]).get(venue.id, [])


# Beside each open assignment shown: someone else's visit since it was made.
bp.add_app_template_global(visits_by_others, "assignment_visits")
