"""The inspection form, its outcome preview, recording, and reading a finding."""
from flask import (
    Blueprint, abort, current_app, flash, redirect, render_template, request,
    send_from_directory, url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldapp.access import inspection_or_404, inspectors_only, venue_or_404
from fieldapp.extensions import db
from fieldapp.inspections.forms import InspectionForm
from fieldapp.inspections.outcome import assess
from fieldapp.inspections.photos import PhotoError, keep_photo, kept_photos
from fieldapp.inspections.service import (
    Position, UuidTaken, check_position, existing_inspection, record_inspection,
)
from fieldapp.models import Commune, Inspection, InspectionPhoto, Venue

bp = Blueprint("inspections", __name__)


def _position(form: InspectionForm) -> Position:
    return Position(form.latitude.data, form.longitude.data, form.gps_accuracy.data)


def _gps_check(venue: Venue, form: InspectionForm):
    return check_position(venue, _position(form), current_app.config["GPS_MAX_ACCURACY_M"],
                          current_app.config["GPS_MAX_DISTANCE_M"])


def _render_form(venue, form, status=200):
    kept = kept_photos(current_app.config["UPLOAD_FOLDER"], form.uuid.data) \
        if not form.uuid.errors else []
    return render_template("inspections/new.html", venue=venue, form=form,
                           kept_photos=kept), status


def _closed_venue(venue: Venue):
    return render_template(
        "errors/error.html", status=409, title=_("This venue is closed"),
        message=_("A closed venue cannot be inspected. Ask the office to reopen it.")), 409


@bp.route("/venues/<int:venue_id>/inspections/new")
@login_required
@inspectors_only
def new(venue_id: int):
    """The inspection checklist for one venue."""
    venue = venue_or_404(venue_id)
    if not venue.is_active:
        return _closed_venue(venue)
    return _render_form(venue, InspectionForm(is_enterprise=venue.is_enterprise))


@bp.route("/venues/<int:venue_id>/inspections", methods=["POST"])
@login_required
@inspectors_only
def create(venue_id: int):
    """Record a finding; a re-post of the same form UUID returns the first one."""
    venue = venue_or_404(venue_id)
    if not venue.is_active:
        return _closed_venue(venue)
    form = InspectionForm(is_enterprise=venue.is_enterprise)
    config = current_app.config

    uuid_ok = form.validate_uuid_only()
    if uuid_ok:
        found = existing_inspection(form.uuid.data)
        if found is not None:
            if found.venue_id != venue.id or found.inspector_id != current_user.id:
                abort(409)
            flash(_("This finding was already recorded."), "info")
            return redirect(url_for("venues.show", venue_id=venue.id), code=303)

    photo_errors = []
    if uuid_ok:
        for upload in request.files.getlist(form.photos.name):
            if not upload or not upload.filename:
                continue
            try:
                keep_photo(config["UPLOAD_FOLDER"], form.uuid.data, upload.stream,
                           upload.filename, config["MAX_PHOTO_BYTES"], config["PHOTO_MAX_SIDE"])
            except PhotoError as error:
                photo_errors.append(str(error))
    photos = kept_photos(config["UPLOAD_FOLDER"], form.uuid.data) if uuid_ok else []
    if not photos and not photo_errors:
        photo_errors.append(_("Take at least one photo of the poster or the entrance."))
    if len(photos) > config["MAX_PHOTOS"]:
        photo_errors.append(_("At most %(n)s photos per inspection.", n=config["MAX_PHOTOS"]))

    form_ok = form.validate_on_submit()
    if not (form_ok and not photo_errors):
        form.photos.errors = list(form.photos.errors) + photo_errors
        return _render_form(venue, form, 422)

    try:
        inspection, created = record_inspection(
            venue, current_user, form.uuid.data, form.checklist(), _position(form),
            _gps_check(venue, form), photos)
    except UuidTaken:
        abort(409)
    db.session.commit()
    if created:
        flash(_("Inspection recorded: %(outcome)s.",
                outcome=_outcome_label(inspection.outcome)), "success")
    else:
        flash(_("This finding was already recorded."), "info")
    return redirect(url_for("venues.show", venue_id=venue.id), code=303)


def _outcome_label(outcome: str) -> str:
    from fieldapp.inspections.labels import OUTCOME_LABELS
    return str(OUTCOME_LABELS[outcome])


@bp.route("/venues/<int:venue_id>/inspections/preview", methods=["POST"])
@login_required
@inspectors_only
def preview(venue_id: int):
    """The outcome the answers so far would get, shown before submitting (htmx)."""
    venue = venue_or_404(venue_id)
    form = InspectionForm(is_enterprise=venue.is_enterprise)
    assessment = assess(form.checklist(), venue.is_enterprise) \
        if form.answered_enough_to_assess() else None
    return render_template("inspections/_outcome.html", assessment=assessment,
                           gps=_gps_check(venue, form))


@bp.route("/inspections/<int:inspection_id>")
@login_required
def show(inspection_id: int):
    """Every answer of one finding, its photos and GPS position."""
    inspection = inspection_or_404(inspection_id)
    return render_template("inspections/show.html", inspection=inspection,
                           venue=inspection.venue)


@bp.route("/photos/<uuid>/<name>")
@login_required
def photo(uuid: str, name: str):
    """A photo of an inspection of the user's district."""
    path = f"{uuid}/{name}"
    found = db.session.scalar(
        select(InspectionPhoto.id).join(InspectionPhoto.inspection).join(Inspection.venue)
        .join(Venue.commune)
        .where(InspectionPhoto.path == path, Commune.district_id == current_user.district_id))
    if found is None:
        abort(404)
    response = send_from_directory(current_app.config["UPLOAD_FOLDER"], path,
                                   mimetype="image/jpeg", max_age=86400)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
