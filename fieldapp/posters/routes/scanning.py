"""Checking a posted code: against the venue being inspected, or to find its venue."""

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldapp.access import venue_or_404
from fieldapp.posters.routes import bp
from fieldapp.posters.service import (
    ScanError,
    decode_codes,
    is_report_url,
    judge_payload,
)

SCAN_MESSAGES = {
    "not_image": lambda: _("The file is not a photo. Take a photo of the posted code."),
    "none": lambda: _("No QR code was found in the photo. Take it closer, square on and in focus."),
    "too_large": lambda: _(
        "The photo has more than %(mp)s megapixels. Take a photo with the phone's camera.",
        mp=current_app.config["MAX_PHOTO_PIXELS"] // 1_000_000,
    ),
    "several": lambda: _("The photo shows more than one QR code. Take a photo of one code only."),
    "report_code": lambda: _(
        "This is the small code for citizens' reports. Scan the large check-in code."
    ),
}


def _scan_payload() -> tuple[str | None, str | None]:
    """The code read by the phone (BarcodeDetector) or decoded here from a photo."""
    if request.form.get("payload"):
        payload = request.form["payload"][:4000]
        return (None, "report_code") if is_report_url(payload) else (payload, None)
    photo = request.files.get("photo")
    if not photo or not photo.filename:
        return None, "none"
    raw = photo.stream.read(current_app.config["MAX_PHOTO_BYTES"] + 1)
    if len(raw) > current_app.config["MAX_PHOTO_BYTES"]:
        return None, "not_image"
    try:
        codes = decode_codes(raw, current_app.config["MAX_PHOTO_PIXELS"])
    except ScanError as error:
        return None, error.args[0]
    if not codes:
        return None, "none"
    # A poster carries a second, small code (citizens' reports): the check-in code is the other.
    check_in = [code for code in codes if not is_report_url(code)]
    if not check_in:
        return None, "report_code"
    codes = check_in
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
        return render_template(
            "posters/_scan_result.html",
            result=None,
            problem=SCAN_MESSAGES[problem](),
            problem_key=problem,
            venue=venue,
        ), 422
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
        return render_template(
            "posters/scan.html", problem=SCAN_MESSAGES[problem](), result=None
        ), 422
    result = judge_payload(current_user.district_ids, None, payload)
    if result.owner is not None:
        return redirect(url_for("venues.show", venue_id=result.owner.id), code=303)
    return render_template("posters/scan.html", problem=None, result=result), 404
