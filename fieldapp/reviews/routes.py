"""The inspection log and supervisors' review of findings."""

import io
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldapp import clock, storage
from fieldapp.access import (
    inspection_or_404,
    office_only,
    picker_communes,
    reviewers_only,
)
from fieldapp.extensions import db
from fieldapp.fragments import id_param, wants_fragment
from fieldapp.inspections.offences import (
    ESCALATIONS_LISTED,
    REPORTS_WITHIN,
    offence_counts,
    venues_to_escalate,
)
from fieldapp.inspections.routes import render_detail
from fieldapp.models import OUTCOMES_ALL, REVIEW_STATES, VENUE_TYPES
from fieldapp.reviews.report import inspection_pdf
from fieldapp.reviews.service import (
    LogFilter,
    ReviewRefused,
    approve,
    check_approval,
    inspection_log,
    log_inspectors,
    next_pending,
    return_for_correction,
)

bp = Blueprint("reviews", __name__)

REFUSALS = {
    "already_approved": lambda: _("This inspection was already approved: nothing was changed."),
    "already_returned": lambda: _("This inspection was already returned to its inspector."),
    "awaiting_correction": lambda: _(
        "This inspection is back with its inspector for correction: "
        "it can be approved once corrected."
    ),
    "comment_required": lambda: _("Say what the inspector must correct."),
    "own_finding": lambda: _("You recorded this finding: another supervisor must review it."),
    "changed": lambda: _(
        "This finding was corrected after you opened it: nothing was changed. "
        "Read the new answers below, then review it again."
    ),
    "version_missing": lambda: _(
        "This form did not say which answers you saw: nothing was changed. "
        "Read the answers below, then review it again."
    ),
}


def _int(name):
    return id_param(request.args.get(name))


def _date(name):
    return clock.parse_day(request.args.get(name))


def _choice(name, allowed):
    value = request.args.get(name, "")
    return value if value in allowed else None


def _filters() -> LogFilter:
    return LogFilter(
        date_from=_date("from"),
        date_to=_date("to"),
        commune_id=_int("commune"),
        venue_type=_choice("type", VENUE_TYPES),
        inspector_id=_int("inspector"),
        outcome=_choice("outcome", OUTCOMES_ALL),
        review_state=_choice("review", REVIEW_STATES),
        has_photos=_choice("photos", ("yes", "no")),
        sort=_choice("sort", ("newest", "oldest", "venue", "outcome")) or "newest",
        page=_int("page") or 1,
    )


def _active_filters(filters: LogFilter) -> int:
    """How many filters narrow the log (its order and page do not), for the "Lọc" button."""
    narrowing = (
        filters.date_from,
        filters.date_to,
        filters.commune_id,
        filters.venue_type,
        filters.inspector_id,
        filters.outcome,
        filters.review_state,
        filters.has_photos,
    )
    return sum(value is not None for value in narrowing)


@bp.route("/inspections")
@login_required
def log():
    """The inspection log: filter, sort and page; the URL keeps the filter."""
    filters = _filters()
    log_page = inspection_log(current_user, filters)
    active_filters = _active_filters(filters)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    offences = offence_counts(list({i.venue_id for i in log_page.inspections}))
    threshold = current_app.config["ESCALATION_THRESHOLD"]
    if wants_fragment():
        return render_template(
            "reviews/_log.html",
            log=log_page,
            args=args,
            offences=offences,
            threshold=threshold,
            active_filters=active_filters,
            oob=True,
        )
    communes = picker_communes()
    inspectors = [] if current_user.is_inspector else log_inspectors(current_user)
    return render_template(
        "reviews/log.html",
        log=log_page,
        args=args,
        communes=communes,
        inspectors=inspectors,
        offences=offences,
        threshold=threshold,
        active_filters=active_filters,
    )


@bp.route("/inspections/<int:inspection_id>.pdf")
@login_required
def inspection_pdf_view(inspection_id: int):
    """One inspection as a printable PDF."""
    inspection = inspection_or_404(inspection_id)
    out = io.BytesIO()
    inspection_pdf(
        inspection,
        out,
        Path(current_app.config["POSTER_FONT_DIR"]),
        storage.area("photos"),
    )
    out.seek(0)
    return send_file(
        out,
        mimetype="application/pdf",
        max_age=0,
        download_name=f"kiem-tra-{inspection.venue.code}-{inspection.id}.pdf",
    )


@bp.route("/escalations")
@login_required
@office_only
def escalations():
    """Venues found non-compliant again and again, for the supervisor to escalate."""
    threshold = current_app.config["ESCALATION_THRESHOLD"]
    return render_template(
        "reviews/escalations.html",
        threshold=threshold,
        escalations=venues_to_escalate(
            current_user.district_ids, threshold, limit=ESCALATIONS_LISTED
        ),
        report_days=REPORTS_WITHIN.days,
    )


def _changed(inspection, refusal: ReviewRefused, comment: str = ""):
    """The finding as it is now, with why the review was not done: it changed since the
    supervisor opened it (or the form said nothing of what was seen)."""
    flash(REFUSALS[refusal.reason](), "error")
    return render_detail(inspection, comment=comment), 409


def _confirm_approval(inspection):
    """Ask the supervisor to confirm the approval of the finding as they saw it."""
    seen = request.args.get("version", "")[:64]
    try:
        check_approval(inspection, current_user, seen)
    except ReviewRefused as refusal:
        if refusal.reason in ("changed", "version_missing"):
            return _changed(inspection, refusal)
        flash(REFUSALS[refusal.reason](), "error")
        return redirect(url_for("inspections.show", inspection_id=inspection.id), code=303)
    return render_template("reviews/approve.html", inspection=inspection, version=seen)


# One rule for both methods: two rules of one path would answer an id out of range with 405.
@bp.route("/inspections/<int:inspection_id>/approve", methods=["GET", "POST"])
@login_required
@reviewers_only
def approve_inspection(inspection_id: int):
    """GET: the confirmation. POST: approve the finding as the supervisor saw it, then open
    the next one awaiting review."""
    inspection = inspection_or_404(inspection_id)
    if request.method == "GET":
        return _confirm_approval(inspection)
    try:
        approve(inspection, current_user, request.form.get("version", "")[:64])
    except ReviewRefused as refusal:
        if refusal.reason in ("changed", "version_missing"):
            return _changed(inspection, refusal)
        flash(REFUSALS[refusal.reason](), "error")
        return redirect(url_for("inspections.show", inspection_id=inspection.id), code=303)
    db.session.commit()
    return _on_to_the_next(
        inspection,
        _("Inspection approved. Here is the next finding awaiting review."),
        _("Inspection approved. No other finding awaits your review."),
    )


def _on_to_the_next(inspection, said_with_next: str, said_with_none: str):
    """After a review (approved or returned): the next finding awaiting it, or the log's
    pending list when none is left, saying which."""
    following = next_pending(current_user, inspection)
    if following is None:
        flash(said_with_none, "success")
        return redirect(url_for("reviews.log", review="pending"), code=303)
    flash(said_with_next, "success")
    return redirect(url_for("inspections.show", inspection_id=following.id), code=303)


@bp.route("/inspections/<int:inspection_id>/return", methods=["POST"])
@login_required
@reviewers_only
def return_inspection(inspection_id: int):
    """Return a finding, as the supervisor saw it, to its inspector with a comment."""
    inspection = inspection_or_404(inspection_id)
    comment = request.form.get("comment", "")[:2000]
    try:
        return_for_correction(
            inspection, current_user, comment, request.form.get("version", "")[:64]
        )
    except ReviewRefused as refusal:
        if refusal.reason == "comment_required":
            return render_detail(
                inspection, review_error=REFUSALS[refusal.reason](), comment=comment
            ), 422
        if refusal.reason in ("changed", "version_missing"):
            return _changed(inspection, refusal, comment)
        flash(REFUSALS[refusal.reason](), "error")
        return redirect(url_for("inspections.show", inspection_id=inspection.id), code=303)
    db.session.commit()
    name = inspection.inspector.display_name
    return _on_to_the_next(
        inspection,
        _(
            "Returned to %(name)s for correction. Here is the next finding awaiting review.",
            name=name,
        ),
        _("Returned to %(name)s for correction. No other finding awaits your review.", name=name),
    )
