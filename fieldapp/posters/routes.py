"""Posters: print one, issue a replacement, the office's print queue, batches, scans."""
import io
import threading
from datetime import datetime
from pathlib import Path

from flask import (
    Blueprint, abort, current_app, flash, redirect, render_template, request, send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from fieldapp.access import (
    commune_or_none, district_venues, inspection_or_404, inspectors_only, office_only,
    user_communes, venue_or_404,
)
from fieldapp.extensions import db
from fieldapp.fragments import id_param, wants_fragment
from fieldapp.models import Commune, Poster, PosterBatch, Venue, VENUE_TYPES
from fieldapp.posters.render import (
    PAGE_SIZES, NoPayload, PayloadTooLong, poster_pdf, poster_png, register_fonts,
)
from fieldapp.posters.service import (
    ScanError, app_issued_payload, batch_path, create_batch, decode_codes,
    flagged_for_replacement, issue_poster,
    judge_payload, poster_text, replacement_reason, run_batch,
)

bp = Blueprint("posters", __name__)



def _one_district(district_ids_query) -> int | None:
    """The one district these posters are for; None when they span several.

    A batch belongs to one district, whose supervisors see it: a province supervisor
    makes one per district (or per commune)."""
    found = set(db.session.scalars(district_ids_query.distinct()))
    return found.pop() if len(found) == 1 else None


def _several_districts():
    flash(_("These posters are in several districts: choose a commune, so that each batch "
            "belongs to one district."), "error")
    return redirect(url_for("posters.queue"), code=303)


def _page_size() -> str:
    size = request.values.get("size", "A4").upper()
    if size not in PAGE_SIZES:
        abort(400)
    return size


def _fonts():
    register_fonts(Path(current_app.config["POSTER_FONT_DIR"]))


def _poster_problem(venue: Venue, error: Exception):
    """A clear page instead of a poster that cannot be made."""
    if isinstance(error, NoPayload):
        return render_template("posters/no_payload.html", venue=venue), 409
    return render_template("errors/error.html", status=422, title=_("The code cannot be printed"),
                           message=_("The venue's registered QR content is too long for a QR "
                                     "code. Check it in the venue registry.")), 422


def _pdf_response(texts, filename: str, size: str):
    out = io.BytesIO()
    poster_pdf(texts, out, size)
    out.seek(0)
    return send_file(out, mimetype="application/pdf", download_name=filename,
                     as_attachment=False, max_age=0)


@bp.route("/venues/<int:venue_id>/poster.pdf")
@login_required
def venue_pdf(venue_id: int):
    """The venue's current poster as a print-ready PDF (A4, or ?size=A5 / A6)."""
    venue, size = venue_or_404(venue_id), _page_size()
    _fonts()
    try:
        text = poster_text(venue, current_app.config["POSTER_ISSUER"])
        return _pdf_response([text], f"poster-{text.serial}-{size}.pdf", size)
    except (NoPayload, PayloadTooLong) as error:
        return _poster_problem(venue, error)


@bp.route("/venues/<int:venue_id>/poster.png")
@login_required
def venue_png(venue_id: int):
    """The venue's current poster as a PNG image."""
    venue, size = venue_or_404(venue_id), _page_size()
    _fonts()
    try:
        text = poster_text(venue, current_app.config["POSTER_ISSUER"])
        png = poster_png(text, Path(current_app.config["POSTER_FONT_DIR"]), size)
    except (NoPayload, PayloadTooLong) as error:
        return _poster_problem(venue, error)
    return send_file(io.BytesIO(png), mimetype="image/png",
                     download_name=f"poster-{text.serial}-{size}.png", max_age=0)


@bp.route("/posters/<int:poster_id>.pdf")
@login_required
def poster_version_pdf(poster_id: int):
    """One issued poster version as a PDF."""
    poster = _poster_or_404(poster_id)
    size = _page_size()
    _fonts()
    try:
        text = poster_text(poster.venue, current_app.config["POSTER_ISSUER"], poster)
        return _pdf_response([text], f"poster-{poster.serial}-{size}.pdf", size)
    except (NoPayload, PayloadTooLong) as error:
        return _poster_problem(poster.venue, error)


def _poster_or_404(poster_id: int) -> Poster:
    poster = db.session.scalar(
        select(Poster).join(Poster.venue).join(Venue.commune)
        .where(Poster.id == poster_id, Commune.district_id.in_(current_user.district_ids)))
    if poster is None:
        abort(404)
    return poster


@bp.route("/venues/<int:venue_id>/payload", methods=["POST"])
@login_required
@inspectors_only
def generate_payload(venue_id: int):
    """Give a venue with no registered code an app-issued one, so a poster can be made."""
    venue = venue_or_404(venue_id)
    if venue.qr_payload:
        flash(_("This venue already has a registered code; it was kept."), "info")
    else:
        venue.qr_payload = app_issued_payload(venue)
        db.session.commit()
        flash(_("An app-issued code was created. It is not registered with PC-Covid: scans "
                "of it are checked by this app only."), "success")
    return redirect(url_for("venues.show", venue_id=venue.id), code=303)


@bp.route("/inspections/<int:inspection_id>/replacement", methods=["POST"])
@login_required
@inspectors_only
def issue_replacement(inspection_id: int):
    """Issue a replacement poster from a finding of a missing, damaged or outdated code."""
    inspection = inspection_or_404(inspection_id)
    venue = inspection.venue
    reason = replacement_reason(inspection)
    if reason is None:
        return render_template("errors/error.html", status=409, title=_("No replacement needed"),
                               message=_("This finding does not call for a replacement poster: "
                                         "the code was posted.")), 409
    if not venue.qr_payload:
        return render_template("posters/no_payload.html", venue=venue), 409
    size = _page_size()  # checked before anything is written
    print_now = request.form.get("print") == "now"
    issued = db.session.scalar(select(Poster).where(Poster.inspection_id == inspection.id))
    if issued is not None:  # a double tap or a second visit: one finding, one poster
        flash(_("Poster %(serial)s was already issued for this finding.", serial=issued.serial),
              "info")
        if print_now:
            return redirect(url_for("posters.poster_version_pdf", poster_id=issued.id,
                                    size=size), code=303)
        return redirect(url_for("venues.show", venue_id=venue.id), code=303)
    try:
        poster = issue_poster(venue, current_user, reason, inspection=inspection,
                              printed_now=print_now)
        db.session.commit()
    except IntegrityError:  # another request took this version number at the same moment
        db.session.rollback()
        return render_template("errors/error.html", status=409, title=_("Try again"),
                               message=_("Another poster was being issued for this venue at "
                                         "the same moment. Reload the page.")), 409
    if print_now:
        return redirect(url_for("posters.poster_version_pdf", poster_id=poster.id,
                                size=size), code=303)
    flash(_("Replacement poster %(serial)s added to the office's print queue.",
            serial=poster.serial), "success")
    return redirect(url_for("venues.show", venue_id=venue.id), code=303)


@bp.route("/posters/queue")
@login_required
@office_only
def queue():
    """The office's print queue: issued, printed, delivered."""
    posters = db.session.scalars(
        select(Poster).join(Poster.venue).join(Venue.commune)
        .where(Commune.district_id.in_(current_user.district_ids))
        .options(joinedload(Poster.venue).joinedload(Venue.commune),
                 joinedload(Poster.issued_by))
        .order_by(Poster.issued_at.desc()).limit(300)).all()
    by_state = {state: [p for p in posters if p.state == state]
                for state in ("queued", "printed", "delivered")}
    batches = db.session.scalars(
        select(PosterBatch).where(PosterBatch.district_id.in_(current_user.district_ids))
        .order_by(PosterBatch.created_at.desc()).limit(10)).all()
    communes = user_communes()
    return render_template("posters/queue.html", by_state=by_state, batches=batches,
                           communes=communes)


@bp.route("/posters/<int:poster_id>/delivered", methods=["POST"])
@login_required
@office_only
def mark_delivered(poster_id: int):
    """Record that a printed poster reached its venue."""
    poster = _poster_or_404(poster_id)
    if poster.state != "printed":
        flash(_("Only a printed poster can be marked delivered."), "error")
        return redirect(url_for("posters.queue"), code=303)
    poster.state, poster.delivered_at = "delivered", datetime.utcnow()
    db.session.commit()
    flash(_("Poster %(serial)s marked delivered.", serial=poster.serial), "success")
    return redirect(url_for("posters.queue"), code=303)


def _start(batch: PosterBatch):
    config = current_app.config
    args = (batch.id, config["POSTER_FOLDER"], config["POSTER_ISSUER"])
    _fonts()
    if not config["POSTER_BATCHES_IN_BACKGROUND"]:
        run_batch(*args)
        return
    app = current_app._get_current_object()

    def work():
        with app.app_context():
            run_batch(*args)
    threading.Thread(target=work, name=f"poster-batch-{batch.id}", daemon=True).start()


@bp.route("/posters/queue/print", methods=["POST"])
@login_required
@office_only
def print_queue():
    """Print every queued poster as one batch; they are marked printed when it is made."""
    poster_ids = db.session.scalars(
        select(Poster.id).join(Poster.venue).join(Venue.commune)
        .where(Commune.district_id.in_(current_user.district_ids), Poster.state == "queued")
        .order_by(Poster.issued_at)).all()
    if not poster_ids:
        flash(_("The print queue is empty."), "info")
        return redirect(url_for("posters.queue"), code=303)
    district_id = _one_district(select(Commune.district_id).join(Venue.commune).join(
        Poster, Poster.venue_id == Venue.id).where(Poster.id.in_(poster_ids)))
    if district_id is None:
        return _several_districts()
    batch = create_batch(district_id, current_user,
                         _("Print queue (%(n)s posters)", n=len(poster_ids)),
                         poster_ids=poster_ids, page=_page_size())
    db.session.commit()
    _start(batch)
    return redirect(url_for("posters.batch", batch_id=batch.id), code=303)


@bp.route("/posters/batches", methods=["POST"])
@login_required
@office_only
def new_batch():
    """A batch of posters for a commune, a venue type, or the venues that need one."""
    stmt = district_venues(current_user.district_ids).where(
        Venue.is_active.is_(True), Venue.qr_payload != "")
    commune = commune_or_none(id_param(request.form.get("commune")))
    venue_type = request.form.get("type") if request.form.get("type") in VENUE_TYPES else None
    if commune:
        stmt = stmt.where(Venue.commune_id == commune.id)
    if venue_type:
        stmt = stmt.where(Venue.venue_type == venue_type)
    if request.form.get("flagged"):
        stmt = stmt.where(flagged_for_replacement())
    venue_ids = db.session.scalars(stmt.with_only_columns(Venue.id).order_by(Venue.search_key)).all()
    if not venue_ids:
        flash(_("No venue with a registered code matches this choice."), "error")
        return redirect(url_for("posters.queue"), code=303)
    district_id = _one_district(select(Commune.district_id).join(Venue.commune)
                                .where(Venue.id.in_(venue_ids)))
    if district_id is None:
        return _several_districts()
    title = _("Posters: %(what)s (%(n)s)", what=commune.name if commune else _("whole district"),
              n=len(venue_ids))
    batch = create_batch(district_id, current_user, title, venue_ids=venue_ids,
                         page=_page_size())
    db.session.commit()
    _start(batch)
    return redirect(url_for("posters.batch", batch_id=batch.id), code=303)


def _batch_or_404(batch_id: int) -> PosterBatch:
    batch = db.session.scalar(select(PosterBatch).where(
        PosterBatch.id == batch_id, PosterBatch.district_id.in_(current_user.district_ids)))
    if batch is None:
        abort(404)
    return batch


@bp.route("/posters/batches/<int:batch_id>")
@login_required
@office_only
def batch(batch_id: int):
    """A batch's progress (polled by htmx while it runs) and its download when done."""
    batch = _batch_or_404(batch_id)
    if wants_fragment():
        return render_template("posters/_batch.html", batch=batch)
    return render_template("posters/batch.html", batch=batch)


@bp.route("/posters/batches/<int:batch_id>/download")
@login_required
@office_only
def download_batch(batch_id: int):
    """The finished batch PDF."""
    batch = _batch_or_404(batch_id)
    path = batch_path(current_app.config["POSTER_FOLDER"], batch)
    if batch.state != "done" or not path.is_file():
        abort(404)
    return send_file(path, mimetype="application/pdf",
                     download_name=f"posters-batch-{batch.id}.pdf", max_age=0)


SCAN_MESSAGES = {
    "not_image": lambda: _("The file is not a photo. Take a photo of the posted code."),
    "none": lambda: _("No QR code was found in the photo. Take it closer, square on and in focus."),
    "several": lambda: _("The photo shows more than one QR code. Take a photo of one code only."),
}


def _scan_payload() -> tuple[str | None, str | None]:
    """The code read by the phone (BarcodeDetector) or decoded here from a photo."""
    if request.form.get("payload"):
        return request.form["payload"][:4000], None
    photo = request.files.get("photo")
    if not photo or not photo.filename:
        return None, "none"
    raw = photo.stream.read(current_app.config["MAX_PHOTO_BYTES"] + 1)
    if len(raw) > current_app.config["MAX_PHOTO_BYTES"]:
        return None, "not_image"
    try:
        codes = decode_codes(raw)
    except ScanError:
        return None, "not_image"
    if not codes:
        return None, "none"
    if len(set(codes)) > 1:
        return None, "several"
    return codes[0], None


@bp.route("/venues/<int:venue_id>/scan", methods=["POST"])
@login_required
def scan_for_venue(venue_id: int):
    """Check the posted code against the venue: its own, another venue's, unknown."""
    venue = venue_or_404(venue_id)
    payload, problem = _scan_payload()
    if problem:
        return render_template("posters/_scan_result.html", result=None,
                               problem=SCAN_MESSAGES[problem](), venue=venue), 422
    result = judge_payload(current_user.district_ids, venue, payload)
    return render_template("posters/_scan_result.html", result=result, problem=None, venue=venue)


@bp.route("/scan", methods=["GET", "POST"])
@login_required
def scan():
    """Find a venue by scanning its posted code."""
    if request.method == "GET":
        return render_template("posters/scan.html", problem=None, result=None)
    payload, problem = _scan_payload()
    if problem:
        return render_template("posters/scan.html", problem=SCAN_MESSAGES[problem](),
                               result=None), 422
    result = judge_payload(current_user.district_ids, None, payload)
    if result.owner is not None:
        return redirect(url_for("venues.show", venue_id=result.owner.id), code=303)
    return render_template("posters/scan.html", problem=None, result=result), 404
