"""The inspection form, its outcome preview, recording and correcting a finding, and
reading one."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldapp import storage
from fieldapp.access import inspection_or_404, inspectors_only, photo_or_404, venue_or_404
from fieldapp.audit import history
from fieldapp.extensions import db
from fieldapp.fragments import id_param, wants_json
from fieldapp.inspections.checklist import answer_lines
from fieldapp.inspections.forms import InspectionForm, correction_data
from fieldapp.inspections.labels import OUTCOME_LABELS
from fieldapp.inspections.outcome import assess
from fieldapp.inspections.photos import read_uploads
from fieldapp.inspections.service import (
    InspectionLocked,
    Position,
    Submission,
    correction_refused,
    gps_check,
    outcome_answers,
    repeats_correction,
    submit_finding,
    waiting_photos,
)
from fieldapp.models import Inspection, Venue
from fieldapp.posters.service import replacement_offer, replacement_reason
from fieldapp.reviews.service import review_version

bp = Blueprint("inspections", __name__)


def _position(form: InspectionForm) -> Position:
    return Position(form.latitude.data, form.longitude.data, form.gps_accuracy.data)


def _submission(form: InspectionForm, sends_all_photos: bool = False) -> Submission:
    """The posted form as the service takes it: answers (None if refused), photos."""
    uploads, upload_errors = read_uploads(
        request.files.getlist(form.photos.name), current_app.config["MAX_PHOTO_BYTES"]
    )
    uuid_ok = form.validate_uuid_only()
    form_ok = form.validate_on_submit()
    return Submission(
        uuid=form.uuid.data if uuid_ok else None,
        answers=form.answers() if form_ok else None,
        position=_position(form),
        device_time=form.device_moment(),
        uploads=uploads,
        upload_errors=upload_errors,
        sends_all_photos=sends_all_photos,
    )


def _render_form(
    venue, form, status=200, editing=None, waiting=(), removing=frozenset(), version="", stale=False
):
    """The form (new, or correcting `editing` as it was at `version`), with the photos
    already kept for it (and, shown again after a refusal, the recorded ones the inspector
    had chosen to remove); `stale` when the finding was corrected since the form opened."""
    return render_template(
        "inspections/new.html",
        venue=venue,
        form=form,
        kept_photos=list(waiting),
        editing=editing,
        removing=removing,
        version=version,
        stale=stale,
    ), status


def _invalid_json(form: InspectionForm):
    """The outbox's answer to refused answers: each question's messages, in the form's order."""
    return jsonify(
        status="invalid",
        message=_(
            "Some answers need fixing: see the messages in red. Nothing you entered was lost."
        ),
        errors={name: [str(e) for e in errors] for name, errors in form.errors.items()},
        problems=form.problems(),
    ), 422


def _closed_venue(venue: Venue):
    message = _("A closed venue cannot be inspected. Ask the office to reopen it.")
    if venue.merged_into_id:
        message = _("This venue was merged into another record: record the finding there.")
    if wants_json():
        return jsonify(
            status="venue_closed", message=message, merged_into=venue.merged_into_id
        ), 409
    return render_template(
        "errors/error.html", status=409, title=_("This venue is closed"), message=message
    ), 409


@bp.route("/venues/<int:venue_id>/inspections/new")
@login_required
@inspectors_only
def new(venue_id: int):
    """The inspection checklist for one venue."""
    venue = venue_or_404(venue_id)
    if not venue.is_active:
        return _closed_venue(venue)
    return _render_form(venue, InspectionForm(venue=venue))


@bp.route("/venues/<int:venue_id>/inspections", methods=["POST"])
@login_required
@inspectors_only
def create(venue_id: int):
    """Record a finding once: a replay of its UUID returns the first, a change is a 409.

    Answers a page (the plain form) or JSON (the phone's outbox, Accept: application/json).
    """
    venue = venue_or_404(venue_id)
    if not venue.is_active:
        return _closed_venue(venue)
    form = InspectionForm(venue=venue)
    # The outbox sends all the finding's photos every time.
    result = submit_finding(venue, current_user, _submission(form, sends_all_photos=wants_json()))
    if result.status == "conflict":
        return _conflict(result.inspection)
    if result.status == "invalid":
        form.photos.errors = list(form.photos.errors) + result.photo_errors
        if wants_json():
            return _invalid_json(form)
        return _render_form(venue, form, 422, waiting=result.waiting_photos)
    # The answer is made before the commit: reading the finding after it would ask the
    # database again, and a database lost just then would answer "nothing was recorded".
    answer = _recorded(result.inspection, created=result.status == "created")
    db.session.commit()
    return answer


def _recorded(inspection: Inspection, created: bool):
    """The answer to a successful post: a redirect for the page, JSON for the outbox."""
    outcome = _outcome_label(inspection.outcome)
    message = (
        _("Inspection recorded: %(outcome)s.", outcome=outcome)
        if created
        else _("This finding was already recorded.")
    )
    venue_url = url_for("venues.show", venue_id=inspection.venue_id)
    # A finding that calls for a new poster opens on its own page, which offers the poster.
    next_url = (
        url_for("inspections.show", inspection_id=inspection.id)
        if replacement_reason(inspection)
        else venue_url
    )
    if wants_json():
        if request.headers.get(
            "X-Fieldapp-Flash"
        ):  # the inspector is on the form, going to the venue
            flash(message, "success" if created else "info")
        return jsonify(
            status="created" if created else "exists",
            message=message,
            inspection_id=inspection.id,
            uuid=inspection.uuid,
            outcome=inspection.outcome,
            outcome_label=outcome,
            venue_url=venue_url,
            next_url=next_url,
        ), 201 if created else 200
    flash(message, "success" if created else "info")
    return redirect(next_url, code=303)


def _conflict(inspection: Inspection | None):
    """The UUID is taken by a different finding: refuse, never overwrite."""
    message = _(
        "Another finding was already recorded with this form, with different "
        "answers. Nothing was changed: start a new inspection to record this one."
    )
    if wants_json():
        # The finding holding the UUID is named only to whoever may open it: a UUID copied
        # from another district's photo address must not tell its finding's number.
        seen = inspection is not None and (
            inspection.venue.commune.district_id in current_user.district_ids
        )
        return jsonify(
            status="conflict", message=message, inspection_id=inspection.id if seen else None
        ), 409
    return render_template(
        "errors/error.html", status=409, title=_("Already recorded"), message=message
    ), 409


def _outcome_label(outcome: str) -> str:
    return str(OUTCOME_LABELS[outcome])


@bp.route("/venues/<int:venue_id>/inspections/preview", methods=["POST"])
@login_required
@inspectors_only
def preview(venue_id: int):
    """The outcome the answers so far would get, shown before submitting (htmx)."""
    venue = venue_or_404(venue_id)
    form = InspectionForm(venue=venue)
    assessment = (
        assess(outcome_answers(form.answers()), venue.is_enterprise)
        if form.answered_enough_to_assess()
        else None
    )
    return render_template(
        "inspections/_outcome.html", assessment=assessment, gps=gps_check(venue, _position(form))
    )


@bp.route("/inspections/<int:inspection_id>")
@login_required
def show(inspection_id: int):
    """Every answer of one finding, its photos and GPS position."""
    return render_detail(inspection_or_404(inspection_id))


def render_detail(inspection: Inspection, review_error: str | None = None, comment: str = ""):
    """The detail page, with its review box and audit trail."""
    return render_template(
        "inspections/show.html",
        inspection=inspection,
        venue=inspection.venue,
        answers=answer_lines(inspection),
        replacement=replacement_offer(inspection),
        changes=history(inspection),
        review_error=review_error,
        comment=comment,
    )


@bp.route("/inspections/<int:inspection_id>/edit", methods=["GET", "POST"])
@login_required
@inspectors_only
def edit(inspection_id: int):
    """The inspector corrects their finding; it goes back to the supervisor.

    Answers a page (the plain form) or JSON (the phone's outbox, Accept: application/json).
    """
    inspection = inspection_or_404(inspection_id)
    venue = inspection.venue
    refused = correction_refused(inspection, current_user)
    if refused == "not_theirs":
        abort(403)
    if refused == "approved":
        return _correction_locked(inspection)
    if request.method == "GET":
        form = InspectionForm(venue=venue, data=correction_data(inspection))
        waiting = waiting_photos(inspection)
        return _render_form(
            venue, form, editing=inspection, waiting=waiting, version=review_version(inspection)
        )
    form = InspectionForm(venue=venue)
    form.uuid.data = inspection.uuid
    submission = _submission(form, sends_all_photos=wants_json())
    submission.removed_photo_ids = {
        photo_id for photo_id in map(id_param, request.form.getlist("remove_photo")) if photo_id
    }
    # What the form showed; a form of an older version of the app sends none and is not checked.
    seen = request.form.get("version")
    seen = seen[:64] if isinstance(seen, str) else None
    try:
        result = submit_finding(
            venue, current_user, submission, correcting=inspection, seen_version=seen
        )
    except InspectionLocked:
        db.session.rollback()
        if correction_refused(inspection, current_user) == "approved":
            return _correction_locked(inspection)
        abort(403)
    if result.status == "stale" and repeats_correction(
        inspection, _recorded_answers(inspection), submission
    ):
        db.session.rollback()  # nothing to write: this correction is the finding already
        return _corrected(inspection)
    if result.status in ("invalid", "stale"):
        # Before either answer: the phone's outbox shows the photo's error too.
        form.photos.errors = list(form.photos.errors) + result.photo_errors
        if wants_json():
            if result.status == "invalid":
                return _invalid_json(form)
            return jsonify(status="stale", message=_stale_message()), 409
        return _render_form(
            venue,
            form,
            409 if result.status == "stale" else 422,
            editing=inspection,
            waiting=result.waiting_photos,
            removing=submission.removed_photo_ids,
            version=seen or "",
            stale=result.status == "stale",
        )
    answer = _corrected(inspection)
    db.session.commit()
    return answer


def _recorded_answers(inspection: Inspection) -> dict:
    """The finding's answers as a post of its correction form would give them."""
    form = InspectionForm(formdata=None, venue=inspection.venue, data=correction_data(inspection))
    return form.answers()


def _stale_message() -> str:
    return _(
        "This finding was corrected after you opened this form (in another tab or on another "
        "phone): nothing was changed. Open the finding, then correct it again."
    )


def _correction_locked(inspection: Inspection):
    message = _("An approved inspection can no longer be edited.")
    if wants_json():
        return jsonify(status="approved", message=message), 409
    flash(message, "error")
    return redirect(url_for("inspections.show", inspection_id=inspection.id), code=303)


def _corrected(inspection: Inspection):
    """The answer to a correction: the finding's page, or JSON for the outbox."""
    message = _("Correction sent for review.")
    next_url = url_for("inspections.show", inspection_id=inspection.id)
    if wants_json():
        if request.headers.get("X-Fieldapp-Flash"):  # the inspector is on the form
            flash(message, "success")
        return jsonify(
            status="updated",
            message=message,
            inspection_id=inspection.id,
            uuid=inspection.uuid,
            outcome=inspection.outcome,
            outcome_label=_outcome_label(inspection.outcome),
            venue_url=url_for("venues.show", venue_id=inspection.venue_id),
            next_url=next_url,
        ), 200
    flash(message, "success")
    return redirect(next_url, code=303)


@bp.route("/photos/<uuid>/<name>")
@login_required
def photo(uuid: str, name: str):
    """A photo of an inspection of the user's district."""
    photo = photo_or_404(f"{uuid}/{name}")
    # Streamed from the store, never a redirect to it: evidence leaves only through this
    # access check, and is not kept by the browser (no-store, fieldapp/headers.py).
    return storage.send(storage.area("photos"), photo.path, "image/jpeg")
