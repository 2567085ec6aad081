"""The district office's side of citizens' reports: the inbox, a report's page, assigning
an inspection, answering and rejecting; and the admin's list of public holidays."""

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from fieldapp import clock, storage
from fieldapp.access import (
    allowed_if,
    citizen_report_or_404,
    commune_or_none,
    office_only,
    picker_communes,
)
from fieldapp.assignments.service import AssignmentRefused, open_by_venue
from fieldapp.citizens.deadlines import (
    HOLIDAY_NAME_MAX,
    HolidayRefused,
    add_holiday,
    age_in_days,
    holiday_range,
    holiday_removal,
    holidays_listed,
    remove_holiday,
    seed_holidays,
)
from fieldapp.citizens.deadlines import is_late as report_is_late
from fieldapp.citizens.labels import (
    CHANNEL_LABELS,
    PROBLEM_LABELS,
    STATE_LABELS,
    commune_with_district,
)
from fieldapp.citizens.service import (
    ANSWER_MAX,
    REASON_MAX,
    REJECTABLE,
    InboxFilter,
    ReportRefused,
    assign_inspection,
    assignment_ending,
    district_inspectors,
    follow_assignment,
    inbox,
    link_venue,
    open_assignment,
    open_count,
    reject,
    report_history,
    resolve,
)
from fieldapp.extensions import db
from fieldapp.fragments import id_param, wants_fragment
from fieldapp.inspections.labels import OUTCOME_LABELS
from fieldapp.models import Assignment, User

bp = Blueprint("citizens", __name__)

handlers_only = allowed_if("handles_citizen_reports")
# The holiday list is national: admins read it, only a national account changes it
# (User.keeps_holidays).
holiday_readers = allowed_if("sees_holidays")
holiday_keepers = allowed_if("keeps_holidays")

REFUSALS = {
    "no_venue": lambda: _("This place is not in the registry: add the venue first."),
    "not_open": lambda: _("This report is already closed: nothing was changed."),
    "already_checking": lambda: _("An inspection of this report is already assigned."),
    "answer_required": lambda: _("Write the answer the citizen will read."),
    "answer_too_long": lambda: _(
        "The answer is too long (at most %(n)s characters).", n=ANSWER_MAX
    ),
    "not_rejectable": lambda: _("Only a report not yet inspected can be rejected."),
    "reason_required": lambda: _("Say why the report is rejected."),
    "reason_too_long": lambda: _(
        "The reason is too long (at most %(n)s characters).", n=REASON_MAX
    ),
    "venue_not_found": lambda: _("No venue of this report's commune has this code."),
    "assignment_gone": lambda: _("That assignment is no longer open: assign the inspection."),
    "due_too_far": lambda: str(clock.planning_refusal()),
    "assignment_open": lambda: _(
        "The inspection is not recorded yet: choose whether to cancel its assignment or"
        " keep it, then confirm."
    ),
    "finding_arrived": lambda: _(
        "The inspection was recorded meanwhile: nothing was closed. Read its finding, then answer."
    ),
}
# Refusals that the page changed under the user (409), not what they typed (422).
CONFLICTS = ("not_open", "not_rejectable", "finding_arrived")
ASSIGN_REFUSALS = {
    "inspector_elsewhere": lambda r: _("Choose an inspector of your district."),
    "due_in_past": lambda r: _("The due date is in the past."),
    "venue_closed": lambda r: _("%(name)s is closed and cannot be assigned.", name=r.venue.name),
    "venue_elsewhere": lambda r: _(
        "%(name)s is not in the inspector's district.", name=r.venue.name
    ),
    "no_venue": lambda r: _("This place is not in the registry: add the venue first."),
    "already_assigned": lambda r: _(
        "%(name)s is already assigned to %(inspector)s, due %(date)s: follow that assignment"
        " or cancel it first.",
        name=r.venue.name,
        inspector=r.assignment.inspector.display_name,
        date=clock.day_text(r.assignment.due_date),
    ),
}


def _filters() -> InboxFilter:
    """The inbox's filters from the URL; a commune not the user's is dropped."""
    args = request.args
    commune = commune_or_none(id_param(args.get("commune")))
    return InboxFilter(
        tab=args.get("tab", "open"),
        commune_id=commune.id if commune else None,
        venue=args.get("venue", ""),
        problem=args.get("problem", ""),
        channel=args.get("channel", ""),
        page=id_param(args.get("page")) or 1,
    )


@bp.route("/citizen-reports")
@login_required
@office_only
def index():
    """The office's inbox of citizens' reports: a tab per state, filters, oldest due first."""
    filters = _filters()
    found = inbox(current_user.district_ids, filters)
    context = {
        "filters": filters,
        "found": found,
        "today": clock.today(),
        "communes": picker_communes(),
        "name_districts": len(current_user.district_ids) > 1,
        "problem_labels": PROBLEM_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "state_labels": STATE_LABELS,
    }
    if wants_fragment():
        response = render_template("citizens/_inbox_results.html", **context)
    else:
        response = render_template("citizens/inbox.html", **context)
    return response, 200, {"Vary": "HX-Request"}


def _page(report, status=200, **context):
    """A report's page: all it holds, its assignment and finding, its history."""
    return render_template(
        "citizens/report.html",
        report=report,
        today=clock.today(),
        history=report_history(report),
        problem_labels=PROBLEM_LABELS,
        channel_labels=CHANNEL_LABELS,
        state_labels=STATE_LABELS,
        outcome_labels=OUTCOME_LABELS,
        rejectable=REJECTABLE,
        **context,
    ), status


@bp.route("/citizen-reports/<int:report_id>")
@login_required
@office_only
def show(report_id: int):
    """A report: what the citizen said, where, its deadline, what was done, its history."""
    return _page(citizen_report_or_404(report_id))


@bp.route("/citizen-reports/<int:report_id>/photo")
@login_required
@office_only
def photo(report_id: int):
    """The report's photo, streamed through this access check only."""
    report = citizen_report_or_404(report_id)
    if not report.photo_path:
        abort(404)
    return storage.send(storage.area("photos"), report.photo_path, "image/jpeg")


@bp.route("/citizen-reports/<int:report_id>/joins/<int:join_id>/photo")
@login_required
@office_only
def join_photo(report_id: int, join_id: int):
    """The photo of someone who reported the same again (+1), through the report's access
    check: only a +1 of this report."""
    report = citizen_report_or_404(report_id)
    join = next((join for join in report.joins if join.id == join_id), None)
    if join is None or not join.photo_path:
        abort(404)
    return storage.send(storage.area("photos"), join.photo_path, "image/jpeg")


def _assign_form(report, form: dict, status=200, error=None):
    """The assignment's form; the venue's open assignment, if any, offered to follow."""
    open_ones = open_by_venue([report.venue_id]).get(report.venue_id, []) if report.venue else []
    return render_template(
        "citizens/assign.html",
        report=report,
        open_ones=open_ones,
        inspectors=district_inspectors(report.commune.district_id),
        form=form,
        error=error,
        today=clock.today(),
        latest=clock.today() + timedelta(days=clock.PLANNED_DAYS_AHEAD),
    ), status


@bp.route("/citizen-reports/<int:report_id>/assign", methods=["GET", "POST"])
@login_required
@handlers_only
def assign(report_id: int):
    """Assign an inspection of the report's venue: pick the inspector and due date."""
    report = citizen_report_or_404(report_id)
    if request.method == "GET":
        due = max(report.due_date, clock.today())
        return _assign_form(report, {"due": due.isoformat(), "note": ""})
    form = {name: request.form.get(name, "") for name in ("inspector", "due", "note")}
    follow = id_param(request.form.get("follow"))
    if follow:  # the venue's open assignment answers the report
        assignment = db.session.get(Assignment, follow)
        try:
            if assignment is None:
                raise ReportRefused("assignment_gone")
            follow_assignment(report, assignment, current_user)
        except ReportRefused as refusal:
            return _assign_form(report, form, 409, REFUSALS[refusal.reason]())
        db.session.commit()
        flash(
            _(
                "The report follows the assignment to %(name)s, due %(date)s.",
                name=assignment.inspector.display_name,
                date=clock.day_text(assignment.due_date),
            ),
            "success",
        )
        return redirect(url_for("citizens.show", report_id=report.id), code=303)
    due = clock.parse_day(form["due"])
    if due is None:
        message = (
            _("Enter the due date as DD/MM/YYYY.") if form["due"] else _("Enter the due date.")
        )
        return _assign_form(report, form, 422, message)
    inspector_id = id_param(form["inspector"])
    inspector = db.session.get(User, inspector_id) if inspector_id else None
    if inspector is None:
        return _assign_form(report, form, 422, _("Choose an inspector of your district."))
    try:
        assignment = assign_inspection(
            report, inspector, due, form["note"][:300], current_user, clock.today()
        )
    except ReportRefused as refusal:
        status = 422 if refusal.reason == "due_too_far" else 409
        return _assign_form(report, form, status, REFUSALS[refusal.reason]())
    except AssignmentRefused as refusal:
        status = 409 if refusal.reason == "already_assigned" else 422
        return _assign_form(report, form, status, ASSIGN_REFUSALS[refusal.reason](refusal))
    db.session.commit()
    flash(
        _(
            "Inspection assigned to %(name)s, due %(date)s.",
            name=assignment.inspector.display_name,
            date=clock.day_text(assignment.due_date),
        ),
        "success",
    )
    return redirect(url_for("citizens.show", report_id=report.id), code=303)


@bp.route("/citizen-reports/<int:report_id>/venue", methods=["POST"])
@login_required
@handlers_only
def venue(report_id: int):
    """Link a report of a place not in the registry to a venue of its commune, by code
    (after "Thêm địa điểm")."""
    report = citizen_report_or_404(report_id)
    code = request.form.get("code", "").strip()[:40]
    try:
        link_venue(report, code, current_user)
    except ReportRefused as refusal:
        return _page(report, 422, venue_error=REFUSALS[refusal.reason](), venue_code=code)
    db.session.commit()
    flash(_("The report now names %(name)s.", name=report.venue.name), "success")
    return redirect(url_for("citizens.show", report_id=report.id), code=303)


def _closing(report, action: str, text: str, status=200, error=None, choice="", error_at="text"):
    """The confirmation page of a closing action (resolve or reject), with its text; while
    the report's inspection is assigned and not recorded, what becomes of the assignment."""
    return render_template(
        "citizens/close.html",
        report=report,
        action=action,
        text=text,
        error=error,
        assignment=open_assignment(report),
        choice=choice,
        error_at=error_at,
        problem_labels=PROBLEM_LABELS,
        answer_max=ANSWER_MAX,
        reason_max=REASON_MAX,
    ), status


def _close_one(report_id: int, action: str):
    """Resolve or reject: GET asks for the text and confirmation, POST closes."""
    report = citizen_report_or_404(report_id)
    name = "answer" if action == "resolve" else "reason"
    if request.method == "GET":
        return _closing(report, action, report.public_answer if action == "resolve" else "")
    text = request.form.get(name, "")
    choice = request.form.get("assignment", "")
    close = resolve if action == "resolve" else reject
    try:
        close(report, text, current_user, choice)
    except ReportRefused as refusal:
        status = 409 if refusal.reason in CONFLICTS else 422
        message = REFUSALS[refusal.reason]()
        at = "assignment" if refusal.reason == "assignment_open" else "text"
        return _closing(report, action, text, status, message, choice, at)
    db.session.commit()
    if action == "resolve":
        flash(_("Report %(code)s answered and closed.", code=report.tracking_code), "success")
    else:
        flash(_("Report %(code)s rejected.", code=report.tracking_code), "success")
    return redirect(url_for("citizens.show", report_id=report.id), code=303)


@bp.route("/citizen-reports/<int:report_id>/resolve", methods=["GET", "POST"])
@login_required
@handlers_only
def resolve_one(report_id: int):
    """Close the report with a public answer: GET asks for it and confirmation, POST closes."""
    return _close_one(report_id, "resolve")


@bp.route("/citizen-reports/<int:report_id>/reject", methods=["GET", "POST"])
@login_required
@handlers_only
def reject_one(report_id: int):
    """Reject the report with a reason: GET asks for it and confirmation, POST rejects."""
    return _close_one(report_id, "reject")


@bp.app_template_global()
def open_citizen_reports() -> int:
    """The open reports of the current user's districts, for the office's menu."""
    return open_count(current_user)


bp.add_app_template_global(report_is_late, "citizen_report_is_late")
bp.add_app_template_global(age_in_days, "citizen_report_age")
bp.add_app_template_global(commune_with_district)
bp.add_app_template_global(assignment_ending, "citizen_assignment_ending")

HOLIDAY_REFUSALS = {
    "day_required": lambda: _("Enter the day as DD/MM/YYYY."),
    "day_out_of_range": lambda: _(
        "Enter a day from %(first)s to %(last)s.",
        first=clock.day_text(holiday_range()[0]),
        last=clock.day_text(holiday_range()[1]),
    ),
    "name_required": lambda: _("Name the holiday."),
    "name_too_long": lambda: _(
        "The name is too long (at most %(n)s characters).", n=HOLIDAY_NAME_MAX
    ),
    "exists": lambda: _("This day is already a holiday."),
    "not_found": lambda: _("This day is not in the list."),
}


def _flash_moved(moved: int) -> None:
    if moved:
        flash(
            ngettext(
                "The due date of %(num)s open report was counted again.",
                "The due dates of %(num)s open reports were counted again.",
                moved,
            ),
            "info",
        )


def _holidays(form: dict, status=200, error=None):
    today = clock.today()
    return render_template(
        "citizens/holidays.html",
        holidays=holidays_listed(holiday_range(today)[0]),
        form=form,
        error=error,
        name_max=HOLIDAY_NAME_MAX,
        day_range=holiday_range(today),
    ), status


@bp.route("/holidays")
@login_required
@holiday_readers
def holidays():
    """The public holidays a report's deadline skips: the list, and (for who keeps it) a
    day added to it."""
    return _holidays({"day": "", "name": ""})


@bp.route("/holidays", methods=["POST"])
@login_required
@holiday_keepers
def add_holiday_one():
    """Add a day to the holiday list; the open reports it concerns are due again."""
    form = {"day": request.form.get("day", ""), "name": request.form.get("name", "")}
    try:
        moved = add_holiday(clock.parse_day(form["day"]), form["name"], current_user)
    except HolidayRefused as refusal:
        return _holidays(form, 422, HOLIDAY_REFUSALS[refusal.reason]())
    db.session.commit()
    flash(_("Holiday added."), "success")
    _flash_moved(moved)
    return redirect(url_for("citizens.holidays"), code=303)


@bp.route("/holidays/remove", methods=["GET", "POST"])
@login_required
@holiday_keepers
def remove_holiday_one():
    """Remove a holiday: GET asks for confirmation, POST removes it."""
    source = request.args if request.method == "GET" else request.form
    day = clock.parse_day(source.get("day", ""))
    if day is None:
        abort(400)
    found = holidays_listed(day, day)
    if not found:
        # Back after removing it, or a second tap: say so, rather than "another district".
        removal = holiday_removal(day)
        return render_template(
            "citizens/holiday_gone.html",
            day=day,
            removal=removal,
            name=removal.details.get("name", "") if removal else "",
            removed_on=clock.vietnam_date(removal.at) if removal else None,
        ), 404
    if request.method == "GET":
        return render_template("citizens/holiday_remove.html", holiday=found[0])
    moved = remove_holiday(found[0], current_user)
    db.session.commit()
    flash(_("Holiday removed."), "success")
    _flash_moved(moved)
    return redirect(url_for("citizens.holidays"), code=303)


@bp.route("/holidays/seed", methods=["POST"])
@login_required
@holiday_keepers
def seed():
    """Add Vietnam's public holidays of 2026 and 2027 that the list lacks."""
    added = seed_holidays(current_user)
    db.session.commit()
    flash(_("%(n)s holidays added.", n=added), "success")
    return redirect(url_for("citizens.holidays"), code=303)
