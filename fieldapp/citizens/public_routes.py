"""Receiving citizens' reports: the public form (/phan-anh, /p/<venue code>), the tracking
page (/phan-anh/<tracking code>), and the office's form for reports that arrive by
telephone, hotline or the national system (/citizen-reports/new).

The public pages need no log-in and show only public facts (a venue's name and address, a
report's state and public answer). Their posts are limited per client address and per
venue (Flask-Limiter; the limits in config.py), carry a CSRF token and a honeypot."""

from dataclasses import dataclass

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from fieldapp import clock
from fieldapp.access import ForeignCommune, chosen_commune, office_only, picker_communes
from fieldapp.auth import limits
from fieldapp.citizens import intake
from fieldapp.citizens.intake_forms import RECEIVED_AT_INPUT, OfficeReportForm, ReportForm
from fieldapp.citizens.labels import PROBLEM_LABELS
from fieldapp.citizens.public_labels import PUBLIC_STATE_LABELS
from fieldapp.extensions import db, limiter
from fieldapp.fragments import id_param, wants_fragment
from fieldapp.inspections.photos import PhotoError
from fieldapp.venues.service import search_venues

bp = Blueprint("intake", __name__)

# Venues the picker lists for the words typed (the venue search's matching).
VENUE_CHOICES = 10
NO_PLACE = _l("Choose the venue from the list, or describe the place if it is not listed.")
NO_COMMUNE = _l("Choose the district and the commune first.")


def _reported_venue() -> str:
    """The per-venue limit's key: the venue a public report names (by its code in the URL
    or its id in the form), or else the commune of a place not in the registry."""
    code = (request.view_args or {}).get("code")
    if code:
        venue = intake.venue_by_code(code)
        return f"venue:{venue.id}" if venue else "venue:unknown"
    # As numbers, the way the form reads them (id_param): "0315" is venue 315 too, so a
    # padded id cannot open a budget of its own.
    venue_id = id_param(request.form.get("venue"))
    if venue_id is not None:
        return f"venue:{venue_id}"
    return f"commune:{id_param(request.form.get('commune')) or 'none'}"


def _received(response) -> bool:
    """Only reports taken (or a robot answered like one) count towards a venue's limit: a
    refused post is redirected too (to the form shown again), and does not count."""
    return response.status_code == 303 and g.get("report_taken", False)


def _public_limits(view):
    """Flask-Limiter's limits on a public form's posts: every post per client address, and
    the reports received per venue, shared by /phan-anh and /p/<code>."""
    view = limiter.shared_limit(
        lambda: current_app.config["PUBLIC_REPORT_LIMITS_PER_VENUE"],
        scope="citizen-report-venue",
        key_func=_reported_venue,
        methods=["POST"],
        deduct_when=_received,
    )(view)
    view = limiter.shared_limit(
        lambda: current_app.config["PUBLIC_REPORT_LIMITS_PER_ADDRESS"],
        scope="citizen-report-address",
        key_func=get_remote_address,
        methods=["POST"],
    )(view)
    # The pages and the venue search as typed (a query each time): generous, but not endless.
    return limiter.shared_limit(
        lambda: current_app.config["PUBLIC_SEARCH_LIMITS_PER_ADDRESS"],
        scope="citizen-report-pages",
        key_func=get_remote_address,
        methods=["GET"],
    )(view)


@bp.after_request
def not_kept_in_caches(response):
    """A form carries the session's CSRF token, a tracking page the state of one person's
    report: no cache keeps either."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(429)
def limited(error):
    """Too many reports: the public page says when to try again (nothing was kept)."""
    seconds = limits.wait_seconds()
    minutes = max(1, round(seconds / 60))
    message = (
        ngettext(
            "Too many reports were sent from here or about this place. "
            "Try again in %(num)s minute.",
            "Too many reports were sent from here or about this place. "
            "Try again in %(num)s minutes.",
            minutes,
        )
        if request.method == "POST"
        else limits.wait_message(seconds)
    )
    page = render_template("citizens/public_message.html", title=_("Please wait"), message=message)
    return page, 429, {"Retry-After": str(seconds)}


def _place_choice(source, district_ids: list[int] | None = None) -> dict:
    """Where a report is about, as the picker chose it so far: the district, the commune of
    that district, the words typed and the venues they find, the venue chosen."""
    commune = intake.commune_by_id(source.get("commune"), district_ids)
    district = intake.district_by_id(source.get("district"))
    if district is None and commune is not None:
        district = commune.district
    if commune is not None and district is not None and commune.district_id != district.id:
        commune = None  # another district was chosen since
    query = (source.get("q") or "").strip()[:100]
    venue = intake.venue_in_commune(source.get("venue"), commune) if commune else None
    return {"district": district, "commune": commune, "q": query, "venue": venue}


def _with_venues(where: dict) -> dict:
    """The choice with the venues its words find in its commune (the one chosen first)."""
    venues, nothing_to_match = [], False
    if where["commune"] is not None:
        found = search_venues(
            where["commune"].district_id,
            where["q"],
            commune_id=where["commune"].id,
            page_size=VENUE_CHOICES,
        )
        venues, nothing_to_match = found.venues, found.nothing_to_match
        if where["venue"] is not None and where["venue"] not in venues:
            venues.insert(0, where["venue"])
    return {**where, "venues": venues, "nothing_to_match": nothing_to_match}


def _check_place(form: ReportForm, where: dict, venue_fixed: bool = False) -> dict:
    """The form's place errors: a commune, and a venue or a described place."""
    errors = {}
    if not venue_fixed:
        if where["commune"] is None:
            errors["commune"] = str(NO_COMMUNE)
        elif where["venue"] is None and not (form.place.data or "").strip():
            errors["venue"] = str(NO_PLACE)
    return errors


@dataclass
class HeldPhoto:
    """The photo the form shown again holds: the token it carries, and a small preview."""

    token: str
    preview: str
    width: int
    height: int


def _photo_holder() -> int:
    """Whose held photos a form may take: the office user's, or 0 for the public."""
    return current_user.id if current_user.is_authenticated else 0


def _form_photo(form: ReportForm) -> tuple[intake.ReportPhoto | None, str]:
    """The report's photo and the token it is held under ("" when not held yet): a photo
    chosen now (checked; a refusal goes to the photo's errors) replaces the one held since
    the form was shown again, and "Do not send this photo" drops it."""
    holder = _photo_holder()
    token = (request.form.get("photo_token") or "")[:64]
    held = intake.held_report_photo(token, holder) if token else None
    if held is None:
        token = ""
    if form.photo.data and form.photo.data.filename:
        try:
            chosen = intake.check_report_photo(form.photo.data)
        except PhotoError as refused:
            form.photo.errors = [*form.photo.errors, str(refused)]
            return held, token
        if chosen is not None:
            intake.release_report_photo(token, holder)
            return chosen, ""
    if held is not None and request.form.get("photo_drop"):
        intake.release_report_photo(token, holder)
        return None, ""
    return held, token


def _hold(form: ReportForm, photo: intake.ReportPhoto | None, token: str) -> None:
    """The form is shown again: its photo waits for the next post, and the form says so."""
    if photo is None:
        return
    token = token or intake.hold_report_photo(photo, _photo_holder())
    form.held_photo = HeldPhoto(token, *intake.photo_preview(photo))


def _receive(form: ReportForm, where: dict, **extra):
    """Validate and receive a report: ((report, joined), {}), or (None, the place's errors)
    with the fields' errors on the form and its photo held for the form shown again."""
    valid = form.validate()
    place_errors = _check_place(form, where, venue_fixed=extra.pop("venue_fixed", False))
    photo, token = _form_photo(form)
    if not valid or place_errors or form.photo.errors:
        _hold(form, photo, token)
        return None, place_errors
    venue = where["venue"]
    received = intake.receive_with_photo(
        photo,
        commune=where["commune"] if venue is None else venue.commune,
        venue=venue,
        place="" if venue is not None else form.place.data.strip(),
        problem=form.problem.data,
        details=(form.details.data or "").strip(),
        contact_phone=form.contact_phone.data or "",
        received_at=form.received_moment,
        **extra,
    )
    db.session.commit()
    intake.release_report_photo(token, _photo_holder())
    return received, {}


# The session's one draft of the public form shown again (its token; the draft itself is
# kept server-side, intake.hold_report_draft): only this browser refills it.
DRAFT_KEY = "citizen_report_draft"
DRAFT_FIELD_MAX = 4000  # characters kept of a field (the form's own limits are lower)


def _refused(form: ReportForm, endpoint: str, **values):
    """A refused public post: what was typed (and the held photo) kept under a token, then
    the form shown again by a GET, so Back never asks to send the post again."""
    holder = _photo_holder()
    typed = {
        "fields": {
            name: (request.form.get(name) or "")[:DRAFT_FIELD_MAX] for name in intake.DRAFT_FIELDS
        },
        "photo_token": form.held_photo.token if getattr(form, "held_photo", None) else "",
        "photo_errors": [str(error) for error in form.photo.errors],
    }
    intake.release_report_draft(session.get(DRAFT_KEY), holder)
    token = intake.hold_report_draft(typed, holder)
    session[DRAFT_KEY] = token
    return redirect(url_for(endpoint, draft=token, **values), code=303)


def _draft_shown() -> dict | None:
    """The draft the page's address names, when it is this browser's own; None otherwise
    (none, sent since, expired, or someone else's link)."""
    token = (request.args.get("draft") or "")[:64]
    if not token or session.get(DRAFT_KEY) != token:
        return None
    return intake.held_report_draft(token, _photo_holder())


def _draft_form(draft: dict) -> ReportForm:
    """The public form refilled from a draft, with the errors the post was refused for (the
    fields checked again; the photo's own refusals as they were)."""
    fields = draft.get("fields") or {}
    form = ReportForm(formdata=MultiDict({k: str(v) for k, v in fields.items()}))
    form.validate()
    if getattr(form, "csrf_token", None) is not None:
        form.csrf_token.errors = []  # a fresh token is on the page; the draft carries none
    form.photo.errors = [str(error) for error in draft.get("photo_errors") or []]
    token = str(draft.get("photo_token") or "")
    photo = intake.held_report_photo(token, _photo_holder()) if token else None
    if photo is not None:
        form.held_photo = HeldPhoto(token, *intake.photo_preview(photo))
    return form


def _taken() -> None:
    """A report was taken (or a robot answered like one): it counts towards the venue's
    limit, and the session's draft is dropped."""
    g.report_taken = True
    intake.release_report_draft(session.pop(DRAFT_KEY, None), _photo_holder())


def _told(report, joined: bool, office: bool = False) -> None:
    """What the citizen (or the office, for the caller) is told once a report is taken."""
    if office:
        code = report.tracking_code
        message = (
            _(
                "Joined an open report about the same place and problem: tracking code %(code)s.",
                code=code,
            )
            if joined
            else _("Report received: tracking code %(code)s.", code=code)
        )
        flash(message, "success")
    elif joined:
        flash(
            _(
                "Your report joined an open one about the same place and problem: "
                "tracking code %(code)s.",
                code=report.tracking_code,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Your report was received. Its tracking code is %(code)s: keep it to "
                "follow the answer.",
                code=report.tracking_code,
            ),
            "success",
        )


def _answered_robot():
    """A filled honeypot: answered as a report taken, nothing kept."""
    g.report_taken = True
    flash(_("Your report was received."), "success")
    return redirect(url_for("intake.new"), code=303)


@bp.route("/phan-anh", methods=["GET", "POST"])
@_public_limits
def new():
    """The public report form: district, commune, then the venue found by its name (or a
    place not in the registry); the venue list alone for htmx as the citizen types."""
    source = request.form if request.method == "POST" else request.args
    where = _place_choice(source)
    if wants_fragment():
        return render_template("citizens/_public_venues.html", where=_with_venues(where))
    if request.method == "POST":
        form = ReportForm()
        if form.is_robot:
            return _answered_robot()
        (received, place_errors) = _receive(form, where)
        if received is None:
            return _refused(form, "intake.new")
        _taken()
        _told(*received)
        return redirect(url_for("intake.track", code=received[0].tracking_code), code=303)
    draft = _draft_shown()
    if draft is None:
        form, place_errors, status = ReportForm(), {}, 200
    else:  # a refused post, shown again (422: the report was not taken)
        where = _place_choice(draft.get("fields") or {})
        form = _draft_form(draft)
        place_errors, status = _check_place(form, where), 422
    return render_template(
        "citizens/public_form.html",
        form=form,
        where=_with_venues(where),
        place_errors=place_errors,
        districts=intake.public_districts(),
        communes=intake.communes_of(where["district"]),
        problems=PROBLEM_LABELS,
    ), status


@bp.route("/p/<code>", methods=["GET", "POST"])
@_public_limits
def venue_report(code: str):
    """The report form of one venue (the poster's second code leads here): its name and
    address, and the form; an unknown code is a page that offers the general form."""
    venue = intake.venue_by_code(code)
    if venue is None:
        return render_template("citizens/public_not_found.html", kind="venue"), 404
    if venue.code != code and request.method == "GET":
        # The code typed in another case: the page's one address is the poster's.
        return redirect(url_for("intake.venue_report", code=venue.code), code=301)
    if request.method == "POST":
        form = ReportForm()
        if form.is_robot:
            return _answered_robot()
        where = {"commune": venue.commune, "venue": venue}
        received, _errors = _receive(form, where, venue_fixed=True)
        if received is None:
            return _refused(form, "intake.venue_report", code=venue.code)
        _taken()
        _told(*received)
        return redirect(url_for("intake.track", code=received[0].tracking_code), code=303)
    draft = _draft_shown()
    form = ReportForm() if draft is None else _draft_form(draft)
    status = 200 if draft is None else 422  # a refused post, shown again
    return render_template(
        "citizens/public_venue.html", form=form, venue=venue, problems=PROBLEM_LABELS
    ), status


@bp.route("/phan-anh/tra-cuu")
def lookup():
    """A typed tracking code: to its page, or the form again saying it was not found."""
    if not (request.args.get("code") or "").strip():
        return render_template("citizens/public_lookup.html")
    report = intake.report_by_tracking_code(request.args.get("code"))
    if report is None:
        typed = (request.args.get("code") or "")[:30]
        return render_template("citizens/public_not_found.html", kind="report", typed=typed), 404
    return redirect(url_for("intake.track", code=report.tracking_code), code=303)


@bp.route("/phan-anh/<code>")
def track(code: str):
    """A report's tracking page: its state in plain words, when it was received, when it is
    due, and the office's public answer with the day it was given; nothing else."""
    report = intake.report_by_tracking_code(code)
    if report is None:
        return render_template(
            "citizens/public_not_found.html", kind="report", typed=code[:30]
        ), 404
    if report.tracking_code != code:
        return redirect(url_for("intake.track", code=report.tracking_code), code=303)
    return render_template(
        "citizens/public_track.html",
        code=report.tracking_code,
        state=report.state,
        state_text=PUBLIC_STATE_LABELS[report.state],
        received_on=clock.vietnam_date(report.received_at),
        due_date=report.due_date,
        answer=report.answer_to_citizen,
        answered_on=(
            clock.vietnam_date(report.closed_at)
            if report.closed_at and not report.is_open
            else None
        ),
    )


@bp.route("/citizen-reports/new", methods=["GET", "POST"])
@login_required
@office_only
def office_new():
    """The office enters a report that arrived by telephone, hotline or the national system,
    with the public form's fields and its channel; communes of the user's district only."""
    source = request.form if request.method == "POST" else request.args
    foreign = None
    try:
        commune = chosen_commune(source.get("commune"))
    except ForeignCommune as refused:
        commune, foreign = None, refused
    picked = {"commune": str(commune.id) if commune else "", "venue": source.get("venue")}
    picked["q"] = source.get("q", "")
    where = _place_choice(picked, list(current_user.district_ids))
    if wants_fragment():
        return render_template("citizens/_public_venues.html", where=_with_venues(where))
    form = OfficeReportForm()
    place_errors = {}
    if request.method == "POST":
        received, place_errors = _receive(
            form,
            where,
            channel=form.channel.data,
            entered_by=current_user,
            source_ref=form.source_ref.data or None,
        )
        if received is not None:
            _told(*received, office=True)
            return redirect(url_for("intake.office_new"), code=303)
    if foreign is not None:
        place_errors["commune"] = str(foreign.message)
    status = 422 if request.method == "POST" or foreign is not None else 200
    now = clock.now()
    return render_template(
        "citizens/enter.html",
        form=form,
        where=_with_venues(where),
        place_errors=place_errors,
        communes=picker_communes(),
        name_districts=len(current_user.district_ids) > 1,
        problems=PROBLEM_LABELS,
        received_at_max=now.strftime(RECEIVED_AT_INPUT),
        received_at_min=(now - intake.RECEIVED_WITHIN).strftime(RECEIVED_AT_INPUT),
    ), status
