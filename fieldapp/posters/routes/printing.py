"""Printing a venue's poster, giving a venue an app-issued code, and issuing a replacement
poster from a finding of a missing, damaged or outdated code."""

import io
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldapp.access import inspection_or_404, inspectors_only, poster_or_404, venue_or_404
from fieldapp.extensions import db
from fieldapp.models import Venue
from fieldapp.posters.render import NoPayload, PayloadTooLong, poster_pdf, poster_png
from fieldapp.posters.routes import bp, load_fonts, page_size
from fieldapp.posters.service import (
    VersionTaken,
    give_app_issued_payload,
    issue_for_finding,
    poster_text,
    replacement_reason,
)


def _poster_problem(venue: Venue, error: Exception):
    """A clear page instead of a poster that cannot be made."""
    if isinstance(error, NoPayload):
        return render_template("posters/no_payload.html", venue=venue), 409
    return render_template(
        "errors/error.html",
        status=422,
        title=_("The code cannot be printed"),
        message=_(
            "The venue's registered QR content is too long for a QR "
            "code. Check it in the venue registry."
        ),
    ), 422


def _pdf_response(texts, filename: str, size: str):
    out = io.BytesIO()
    poster_pdf(texts, out, size)
    out.seek(0)
    return send_file(
        out, mimetype="application/pdf", download_name=filename, as_attachment=False, max_age=0
    )


@bp.route("/venues/<int:venue_id>/poster.pdf")
@login_required
def venue_pdf(venue_id: int):
    """The venue's current poster as a print-ready PDF (A4, or ?size=A5 / A6)."""
    venue, size = venue_or_404(venue_id), page_size()
    load_fonts()
    try:
        text = poster_text(venue, current_app.config["POSTER_ISSUER"])
        return _pdf_response([text], f"poster-{text.serial}-{size}.pdf", size)
    except (NoPayload, PayloadTooLong) as error:
        return _poster_problem(venue, error)


@bp.route("/venues/<int:venue_id>/poster.png")
@login_required
def venue_png(venue_id: int):
    """The venue's current poster as a PNG image."""
    venue, size = venue_or_404(venue_id), page_size()
    load_fonts()
    try:
        text = poster_text(venue, current_app.config["POSTER_ISSUER"])
        png = poster_png(text, Path(current_app.config["POSTER_FONT_DIR"]), size)
    except (NoPayload, PayloadTooLong) as error:
        return _poster_problem(venue, error)
    return send_file(
        io.BytesIO(png),
        mimetype="image/png",
        download_name=f"poster-{text.serial}-{size}.png",
        max_age=0,
    )


@bp.route("/posters/<int:poster_id>.pdf")
@login_required
def poster_version_pdf(poster_id: int):
    """One issued poster version as a PDF."""
    poster = poster_or_404(poster_id)
    size = page_size()
    load_fonts()
    try:
        text = poster_text(poster.venue, current_app.config["POSTER_ISSUER"], poster)
        return _pdf_response([text], f"poster-{poster.serial}-{size}.pdf", size)
    except (NoPayload, PayloadTooLong) as error:
        return _poster_problem(poster.venue, error)


@bp.route("/venues/<int:venue_id>/payload", methods=["POST"])
@login_required
@inspectors_only
def generate_payload(venue_id: int):
    """Give a venue with no registered code an app-issued one, so a poster can be made."""
    venue = venue_or_404(venue_id)
    if venue.qr_payload:
        flash(_("This venue already has a registered code; it was kept."), "info")
    else:
        give_app_issued_payload(venue, current_user)
        db.session.commit()
        flash(
            _(
                "An app-issued code was created. It is not registered with PC-Covid: scans "
                "of it are checked by this app only."
            ),
            "success",
        )
    return redirect(url_for("venues.show", venue_id=venue.id), code=303)


@bp.route("/inspections/<int:inspection_id>/replacement", methods=["POST"])
@login_required
@inspectors_only
def issue_replacement(inspection_id: int):
    """Issue the new poster a finding of a missing, damaged or outdated code calls for, once:
    printed now (its PDF opens) or put in the office's print queue."""
    inspection = inspection_or_404(inspection_id)
    venue = inspection.venue
    if replacement_reason(inspection) is None:
        return render_template(
            "errors/error.html",
            status=409,
            title=_("No replacement needed"),
            message=_("This finding does not call for a replacement poster: the code was posted."),
        ), 409
    if not venue.qr_payload:
        return render_template("posters/no_payload.html", venue=venue), 409
    size = page_size()  # checked before anything is written
    how = request.form.get("print", "")
    if how not in ("now", "queue"):
        return render_template(
            "errors/error.html",
            status=400,
            title=_("Nothing was issued"),
            message=_("Choose “Issue and print now” or “Put in the print queue”."),
        ), 400
    print_now = how == "now"
    try:
        poster, new = issue_for_finding(inspection, current_user, printed_now=print_now)
        db.session.commit()
    except VersionTaken:
        return render_template(
            "errors/error.html",
            status=409,
            title=_("Try again"),
            message=_(
                "Another poster was being issued for this venue at "
                "the same moment. Reload the page."
            ),
        ), 409
    finding_page = url_for("inspections.show", inspection_id=inspection_id, _anchor="replacement")
    if not new:  # a double tap, a second person or a replay: the version already issued
        flash(
            _("Poster %(serial)s was already issued for this finding.", serial=poster.serial),
            "info",
        )
        return redirect(finding_page, code=303)
    if print_now:
        return redirect(
            url_for("posters.poster_version_pdf", poster_id=poster.id, size=size), code=303
        )
    flash(
        _("Replacement poster %(serial)s added to the office's print queue.", serial=poster.serial),
        "success",
    )
    return redirect(finding_page, code=303)
