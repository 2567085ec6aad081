"""Importing citizens' reports from the national system's export: upload, preview, confirm."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from fieldapp.access import (
    asked_district_or_404,
    district_or_none,
    office_only,
    user_districts,
)
from fieldapp.citizens.importer import apply_import, check_reports
from fieldapp.extensions import db
from fieldapp.fragments import id_param
from fieldapp.import_samples import citizen_reports_sample
from fieldapp.uploads import UploadRefused, UploadStore

bp = Blueprint("citizen_imports", __name__, url_prefix="/citizen-reports")

PREVIEW_ROWS_SHOWN = 300  # besides every refused row


def _page(status=200, **context):
    context.setdefault("form", {})
    return render_template("citizens/import.html", districts=user_districts(), **context), status


def _preview(report, received, district, status=200):
    shown = [
        row
        for index, row in enumerate(report.rows)
        if row.action == "refuse" or index < PREVIEW_ROWS_SHOWN
    ]
    return _page(
        status,
        report=report,
        shown=shown,
        token=received.token,
        source=received.source,
        district=district,
    )


@bp.route("/import", methods=["GET", "POST"])
@login_required
@office_only
def import_reports():
    """Upload the national system's reports (CSV or XLSX), see what each row will do, then
    receive them all in one transaction."""
    if request.method == "GET":
        return _page()
    form = request.form
    district = district_or_none(id_param(form.get("district")) or current_user.district_id)
    if district is None:
        return _page(422, error=_("Choose one of your districts."), form=form)
    uploads = UploadStore()
    try:
        received = uploads.receive(current_user.id, form, request.files)
    except UploadRefused as refusal:
        return _page(422, error=str(refusal), form=form)
    report = check_reports(received.content, district, received.name)
    if report.refused is not None:
        uploads.discard(received)
        return _page(422, error=str(report.refused), form=form)
    if form.get("action") != "apply":
        return _preview(report, received, district)
    if not report.can_apply:
        return _preview(report, received, district, 422)
    try:
        apply_import(report, current_user, district, received.source)
        db.session.commit()
    except IntegrityError:
        # Another confirmation of the same references won the race: nothing of this one kept.
        db.session.rollback()
        report = check_reports(received.content, district, received.name)
        return _preview(report, received, district, 409)
    uploads.discard(received)
    flash(
        _(
            "Reports imported: %(created)s new, %(joined)s joined an open report as +1, "
            "%(known)s imported before, %(refused)s refused.",
            created=len(report.created),
            joined=len(report.joined),
            known=len(report.rows_to("known")),
            refused=len(report.rows_to("refuse")),
        ),
        "success",
    )
    return redirect(url_for("citizen_imports.import_reports"), code=303)


@bp.route("/import/sample")
@login_required
@office_only
def import_sample():
    """The reports' sample file: the columns the import reads, and example reports of the
    user's district (or of the district chosen)."""
    district = asked_district_or_404(request.args.get("district"))
    return citizen_reports_sample(district).download()
