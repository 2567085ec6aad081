"""Venue search, venue page, registering a venue on the spot, importing the registry."""

from dataclasses import replace
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldapp import clock
from fieldapp.access import (
    admins_only,
    asked_district_or_404,
    commune_or_none,
    commune_picker,
    district_or_none,
    import_run_or_404,
    picker_communes,
    user_districts,
    venue_or_404,
)
from fieldapp.assignments.service import MAX_CHOSEN, cancel, open_by_venue
from fieldapp.audit import history as audit_history
from fieldapp.extensions import db
from fieldapp.fragments import id_param, wants_fragment
from fieldapp.import_samples import venue_registry_sample
from fieldapp.inspections.offences import Offences, offence_counts
from fieldapp.models import District, Poster, Venue
from fieldapp.text import fold
from fieldapp.uploads import UploadRefused, UploadStore
from fieldapp.venues.duplicates import (
    MergeRefused,
    dismiss,
    is_listed_pair,
    likely_duplicates,
    merge,
    merge_effects,
    merge_refusal,
    summaries,
)
from fieldapp.venues.filters import (
    ASSIGNED_LABELS,
    OUTCOMES,
    STATUS_LABELS,
    VenueFilters,
    list_url,
)
from fieldapp.venues.forms import CloseVenueForm, VenueEditForm, VenueForm, offer_places
from fieldapp.venues.history import inspection_history
from fieldapp.venues.import_runs import create_run, pending_run, shown_state
from fieldapp.venues.importer import check_venues
from fieldapp.venues.service import (
    CodeTaken,
    DuplicateVenue,
    VenueStateRefused,
    close_venue,
    code_refusal,
    edit_venue,
    name_from_search,
    register_venue,
    reopen_venue,
    search_venues,
)
from fieldapp.venues.tasks import start_import

bp = Blueprint("venues", __name__, url_prefix="/venues")
bp.add_app_template_global(list_url)


def _int_arg(name: str) -> int | None:
    return id_param(request.args.get(name))


# The venue list's filters as last used (a query string), for the way back to the list
# from a venue's page: its links stay plain so the phone keeps one copy of each venue page.
LIST_FILTERS = "venue_list"


@bp.route("")
@login_required
def search():
    """Venue search: the page, or only the result list for htmx as the user types; filtered
    by commune, type and status (never inspected, overdue, last outcome, assigned)."""
    asked = VenueFilters.from_args(request.args)
    commune = commune_or_none(asked.commune)
    if commune is None and "commune" not in request.args and current_user.commune_id:
        commune = current_user.commune  # a commune officer starts in their commune
    filters = replace(asked, commune=commune.id if commune else None)
    page = _int_arg("page") or 1
    results = search_venues(
        current_user.district_ids,
        filters.q,
        commune_id=filters.commune,
        venue_type=filters.type or None,
        page=page,
        page_size=current_app.config["SEARCH_PAGE_SIZE"],
        conditions=filters.status_conditions(clock.today()),
    )
    query = urlencode(filters.params())
    if session.get(LIST_FILTERS) != query:
        session[LIST_FILTERS] = query
    shown = {
        "results": results,
        "filters": filters,
        "list_query": query,
        "open_ones": open_by_venue([venue.id for venue in results.venues]),
        "all_at_most": MAX_CHOSEN,
        "today": clock.today(),
    }
    if wants_fragment():
        if page > 1:
            return render_template("venues/_rows.html", **shown)
        response = make_response(render_template("venues/_results.html", **shown))
        # The address bar gets the filters without the empty ones (the form sends them all).
        response.headers["HX-Push-Url"] = list_url(query)
        return response
    return render_template(
        "venues/search.html",
        communes=picker_communes(),
        statuses=STATUS_LABELS,
        assigned_labels=ASSIGNED_LABELS,
        outcomes=OUTCOMES,
        **shown,
    )


@bp.app_template_global()
def venue_list_url() -> str:
    """The way back to the venue list as the user last filtered it ("← Venues")."""
    return list_url(session.get(LIST_FILTERS))


@bp.route("/<int:venue_id>")
@login_required
def show(venue_id: int):
    """A venue's details, current status and inspection history."""
    venue = venue_or_404(venue_id)
    posters = list(
        db.session.scalars(
            select(Poster)
            .where(Poster.venue_id == venue.id)
            .options(joinedload(Poster.issued_by))
            .order_by(Poster.version.desc())
        )
    )
    offences = offence_counts([venue.id]).get(venue.id, Offences())
    return render_template(
        "venues/show.html",
        venue=venue,
        history=inspection_history(venue.id),
        today=clock.today(),
        posters=posters,
        offences=offences,
        threshold=current_app.config["ESCALATION_THRESHOLD"],
        changes=audit_history(venue),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Register a venue found on the spot that is not in the list."""
    form = VenueForm()
    chosen = id_param(request.values.get("district_id"))
    offer_places(form, commune_picker(chosen or current_user.district_id))
    if request.htmx and request.htmx.trigger_name == "district_id":
        # A district chosen first (a wide area): its communes, in place of the list.
        return render_template("venues/_commune_field.html", form=form)
    if request.method == "GET":
        form.name.data = name_from_search(request.args.get("name", ""))
        if current_user.commune_id:
            form.commune_id.data = current_user.commune_id
    duplicate = None
    if form.validate_on_submit():
        commune = commune_or_none(form.commune_id.data)
        refusal = (
            code_refusal(form.code.data, current_user.district_ids) if form.code.data else None
        )
        if refusal == "here":
            form.code.errors.append(_("Another venue already has this code."))
        elif refusal == "unavailable":
            form.code.errors.append(
                _(
                    "This code cannot be used in your district. Check it against the national"
                    " registry, or leave it empty and the app gives one."
                )
            )
        else:
            try:
                venue = register_venue(
                    commune,
                    current_user,
                    name=form.name.data,
                    venue_type=form.venue_type.data,
                    address=form.address.data,
                    code=form.code.data or "",
                    contact_name=form.contact_name.data,
                    contact_phone=form.contact_phone.data or "",
                    qr_payload=form.qr_payload.data,
                    latitude=form.latitude.data,
                    longitude=form.longitude.data,
                )
            except DuplicateVenue as exc:
                duplicate = exc.venue
            except CodeTaken:
                form.code.errors.append(_("Another venue already has this code."))
            else:
                db.session.commit()
                return redirect(url_for("venues.registered", venue_id=venue.id), code=303)
    status = 422 if request.method == "POST" else 200
    typed_without_accents = bool(form.name.data) and fold(form.name.data) == form.name.data.lower()
    return render_template(
        "venues/new.html",
        form=form,
        duplicate=duplicate,
        typed_without_accents=typed_without_accents,
    ), status


@bp.route("/duplicates")
@login_required
@admins_only
def duplicates():
    """Likely duplicate venues for the admin to keep apart or merge."""
    pairs = likely_duplicates(current_user.district_ids)
    return render_template("venues/duplicates.html", pairs=pairs, summaries=summaries(pairs))


def _pair_from(values) -> tuple[Venue, Venue]:
    keep, drop = (id_param(values.get(name)) for name in ("keep", "drop"))
    if keep is None or drop is None or keep == drop:
        abort(400)
    return venue_or_404(keep), venue_or_404(drop)


MERGE_REFUSALS = {
    "drop_closed": lambda keep, drop: _("%(name)s was already merged or closed.", name=drop.name),
    "keep_closed": lambda keep, drop: _(
        "%(name)s is closed: a venue cannot be merged into a closed one. Reopen it first,"
        " or keep the other venue.",
        name=keep.name,
    ),
    "other_district": lambda keep, drop: _(
        "These venues are in different districts: they cannot be merged."
    ),
    "outside_area": lambda keep, drop: _("Both venues must be in your area to be merged."),
}


def _merge_page(keep: Venue, drop: Venue, status=200, refusal: str | None = None):
    """The merge's confirmation: both venues (commune, state), what moves, and whether the
    duplicates screen offers this pair; or why it is refused, with no merge button."""
    return render_template(
        "venues/merge_confirm.html",
        keep=keep,
        drop=drop,
        effects=merge_effects(drop),
        listed=is_listed_pair(keep, drop),
        refusal=MERGE_REFUSALS[refusal](keep, drop) if refusal else None,
    ), status


@bp.route("/duplicates/merge")
@login_required
@admins_only
def confirm_merge():
    """What merging one venue into another does, asked before anything moves."""
    keep, drop = _pair_from(request.args)
    refusal = merge_refusal(keep, drop, current_user.district_ids)
    return _merge_page(keep, drop, 409 if refusal else 200, refusal)


@bp.route("/duplicates/merge", methods=["POST"])
@login_required
@admins_only
def merge_duplicates():
    """Merge the second venue into the first, once confirmed."""
    keep, drop = _pair_from(request.form)
    refusal = merge_refusal(keep, drop, current_user.district_ids)
    if refusal:
        return _merge_page(keep, drop, 409, refusal)
    if request.form.get("confirmed") != "yes":  # an old page's one-tap button: ask first
        return _merge_page(keep, drop, 409)
    try:
        moved = merge(keep, drop, current_user)
    except MergeRefused as refused:
        return _merge_page(keep, drop, 409, refused.reason)
    db.session.commit()
    flash(
        _(
            "%(drop)s merged into %(keep)s (%(n)s inspections moved).",
            drop=drop.name,
            keep=keep.name,
            n=moved,
        ),
        "success",
    )
    return redirect(url_for("venues.duplicates"), code=303)


@bp.route("/duplicates/dismiss", methods=["POST"])
@login_required
@admins_only
def dismiss_duplicates():
    """Record that the two venues are different places: the pair is not listed again."""
    first, second = _pair_from(request.form)
    dismiss(first, second, current_user)
    db.session.commit()
    flash(_("Kept apart: %(a)s and %(b)s.", a=first.name, b=second.name), "success")
    return redirect(url_for("venues.duplicates"), code=303)


# Importing the venue registry -----------------------------------------------------------------

PREVIEW_ROWS_SHOWN = 300  # besides every refused row: a registry can have 10,000 venues


def _import_district(form) -> District | None:
    """The district the registry is imported into: one of the user's."""
    return district_or_none(id_param(form.get("district")) or current_user.district_id)


def _import_page(status=200, **context):
    context.setdefault("form", {"update": "1"})
    return render_template("venues/import.html", districts=user_districts(), **context), status


@bp.route("/import", methods=["GET", "POST"])
@login_required
@admins_only
def import_registry():
    """Upload the venue registry (CSV or XLSX), see what each row will do, then import."""
    if request.method == "GET":
        return _import_page()
    form = request.form
    district = _import_district(form)
    if district is None:
        return _import_page(422, error=_("Choose one of your districts."), form=form)
    try:
        uploads = UploadStore()
        received = uploads.receive(current_user.id, form, request.files)
    except UploadRefused as refusal:
        return _import_page(422, error=str(refusal), form=form)
    token, source = received.token, received.source
    update = form.get("update") == "1"
    report = check_venues(received.content, district, received.name, update)
    if report.refused is not None:
        uploads.discard(received)
        return _import_page(422, error=str(report.refused), form=form)
    if form.get("action") == "apply":
        if not report.can_apply:
            return _import_page(
                422,
                report=report,
                token=token,
                source=source,
                district=district,
                update=update,
                shown=_shown(report),
            )
        # The import itself is a job: the run's page shows it waiting, running, then done.
        run = pending_run(received.name)
        if run is None:
            run = create_run(district, current_user, received.name, source, update)
            db.session.commit()
            start_import(run.id)
        return redirect(url_for("venues.import_run", run_id=run.id), code=303)
    return _import_page(
        report=report,
        token=token,
        source=source,
        district=district,
        update=update,
        shown=_shown(report),
    )


@bp.route("/import/sample")
@login_required
@admins_only
def import_sample():
    """The registry's sample file: the columns the import reads, and example venues of the
    user's district (or of the district chosen)."""
    district = asked_district_or_404(request.args.get("district"))
    return venue_registry_sample(district).download()


def _shown(report) -> list:
    """The rows the preview lists: every refused one, and the first few others."""
    return [
        row
        for index, row in enumerate(report.rows)
        if row.action == "refuse" or index < PREVIEW_ROWS_SHOWN
    ]


@bp.route("/import/runs/<int:run_id>")
@login_required
@admins_only
def import_run(run_id: int):
    """A confirmed import: polled by htmx while it waits or runs (never once it is done,
    failed or stuck), then what it created, updated, left unchanged and refused."""
    run = import_run_or_404(run_id)
    timeout = current_app.config["IMPORT_TIMEOUT_MINUTES"]
    shown = {"run": run, "state": shown_state(run, timeout), "timeout": timeout}
    if wants_fragment():
        return render_template("venues/_import_run.html", **shown)
    return render_template("venues/import_run.html", **shown)


@bp.route("/<int:venue_id>/history")
@login_required
def history(venue_id: int):
    """The venue's findings older than `older_than`: the page's next rows for htmx, a page
    of their own otherwise."""
    venue = venue_or_404(venue_id)
    page = inspection_history(venue.id, older_than=id_param(request.args.get("older_than")))
    template = "venues/_history_rows.html" if wants_fragment() else "venues/history.html"
    return render_template(template, venue=venue, page=page)


# A venue registered, edited, closed and reopened (venue helper, issue 15) ---------------------


@bp.route("/<int:venue_id>/registered")
@login_required
def registered(venue_id: int):
    """The confirmation after registering a venue: a start button for whoever may inspect,
    a link to the venue for the others."""
    return render_template("venues/registered.html", venue=venue_or_404(venue_id))


@bp.route("/<int:venue_id>/edit", methods=["GET", "POST"])
@login_required
@admins_only
def edit(venue_id: int):
    """An admin changes a venue's details; each change is audited."""
    venue = venue_or_404(venue_id)
    form = VenueEditForm(obj=venue) if request.method == "GET" else VenueEditForm()
    form.registered_qr = venue.qr_payload or ""
    chosen = id_param(request.form.get("district_id")) or venue.commune.district_id
    offer_places(form, commune_picker(chosen))
    duplicate = None
    if form.validate_on_submit():
        commune = commune_or_none(form.commune_id.data)
        if not (form.name.data or "").strip():
            form.name.errors.append(_("Enter the venue's name."))
        elif commune is None:
            form.commune_id.errors.append(_("Choose a commune of your district."))
        else:
            try:
                changes = edit_venue(
                    venue,
                    current_user,
                    name=form.name.data,
                    venue_type=form.venue_type.data,
                    address=form.address.data or "",
                    commune_id=commune.id,
                    contact_name=form.contact_name.data or "",
                    contact_phone=form.contact_phone.data or "",
                    qr_payload=form.qr_payload_kept,
                    latitude=form.latitude.data,
                    longitude=form.longitude.data,
                )
            except DuplicateVenue as exc:
                duplicate = exc.venue
            else:
                db.session.commit()
                flash(
                    _("Venue details saved.") if changes else _("No detail was changed."),
                    "success" if changes else "info",
                )
                return redirect(url_for("venues.show", venue_id=venue.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("venues/edit.html", venue=venue, form=form, duplicate=duplicate), status


@bp.route("/<int:venue_id>/close", methods=["GET", "POST"])
@login_required
@admins_only
def close(venue_id: int):
    """Close a venue with a reason: the page says what closing does and asks for the reason
    (the confirmation), the post closes it."""
    venue = venue_or_404(venue_id)
    form = CloseVenueForm()
    if not venue.is_active:
        flash(_("This venue is closed."), "info")
        return redirect(url_for("venues.show", venue_id=venue.id), code=303)
    assigned = open_by_venue([venue.id]).get(venue.id, [])
    if form.validate_on_submit():
        close_venue(venue, current_user, form.reason.data)
        # Nobody is sent to a closed venue: its open assignments end with it (the page said so).
        for assignment in assigned:
            cancel(assignment, current_user)
        db.session.commit()
        flash(_("%(name)s is closed.", name=venue.name), "success")
        return redirect(url_for("venues.show", venue_id=venue.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("venues/close.html", venue=venue, form=form, assigned=assigned), status


@bp.route("/<int:venue_id>/reopen", methods=["POST"])
@login_required
@admins_only
def reopen(venue_id: int):
    """Open a closed venue again (nothing is lost: a one-tap action that can be undone)."""
    venue = venue_or_404(venue_id)
    try:
        reopen_venue(venue, current_user)
    except VenueStateRefused as refusal:
        message = (
            _("A venue merged into another cannot be reopened.")
            if str(refusal) == "merged"
            else _("This venue is open.")
        )
        flash(message, "error")
        return redirect(url_for("venues.show", venue_id=venue.id), code=303)
    db.session.commit()
    flash(_("%(name)s is open again.", name=venue.name), "success")
    return redirect(url_for("venues.show", venue_id=venue.id), code=303)
