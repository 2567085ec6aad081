"""The office's print queue (issued, printed, delivered posters) and print batches:
made by a job on the queue (posters.tasks) from a commune, a venue type, the flagged
venues or the print queue."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldapp import storage
from fieldapp.access import (
    ForeignCommune,
    batch_or_404,
    chosen_commune,
    office_only,
    picker_communes,
    poster_or_404,
)
from fieldapp.extensions import db
from fieldapp.fragments import wants_fragment
from fieldapp.models import VENUE_TYPES, Commune, Poster, PosterBatch, Venue
from fieldapp.posters.labels import batch_title
from fieldapp.posters.routes import bp, page_size
from fieldapp.posters.service import (
    batch_key,
    chosen_venues,
    create_batch,
    left_out_for_no_code,
    may_retry,
    requeue_batch,
    shown_state,
    waiting_long,
)
from fieldapp.posters.service import mark_delivered as mark_delivered_service
from fieldapp.posters.service import undo_delivered as undo_delivered_service
from fieldapp.posters.tasks import start_batch


def _one_district(district_ids_query) -> int | None:
    """The one district these posters are for; None when they span several.

    A batch belongs to one district, whose supervisors see it: a province supervisor
    makes one per district (or per commune)."""
    found = set(db.session.scalars(district_ids_query.distinct()))
    return found.pop() if len(found) == 1 else None


def _several_districts():
    flash(
        _(
            "These posters are in several districts: choose a commune, so that each batch "
            "belongs to one district."
        ),
        "error",
    )
    return redirect(url_for("posters.queue"), code=303)


@bp.route("/posters/queue")
@login_required
@office_only
def queue():
    """The office's print queue: issued, printed, delivered."""
    return _queue_page()


def _queue_page(status: int = 200):
    posters = db.session.scalars(
        select(Poster)
        .join(Poster.venue)
        .join(Venue.commune)
        .where(Commune.district_id.in_(current_user.district_ids))
        .options(joinedload(Poster.venue).joinedload(Venue.commune), joinedload(Poster.issued_by))
        .order_by(Poster.issued_at.desc(), Poster.id.desc())
        .limit(300)
    ).all()
    by_state = {
        state: [p for p in posters if p.state == state]
        for state in ("queued", "printed", "delivered")
    }
    batches = db.session.scalars(
        select(PosterBatch)
        .where(PosterBatch.district_id.in_(current_user.district_ids))
        .options(joinedload(PosterBatch.commune))
        .order_by(PosterBatch.created_at.desc(), PosterBatch.id.desc())
        .limit(10)
    ).all()
    communes = picker_communes()  # none for a national scope: too many to list
    return render_template(
        "posters/queue.html",
        by_state=by_state,
        batches=batches,
        batch_shown={batch.id: shown_state(batch, _timeout()) for batch in batches},
        batch_titles={batch.id: batch_title(batch) for batch in batches},
        communes=communes,
    ), status


@bp.route("/posters/<int:poster_id>/delivered", methods=["POST"])
@login_required
@office_only
def mark_delivered(poster_id: int):
    """Record that a printed poster reached its venue."""
    poster = poster_or_404(poster_id)
    if poster.state != "printed":
        flash(_("Only a printed poster can be marked delivered."), "error")
        return redirect(url_for("posters.queue"), code=303)
    mark_delivered_service(poster, current_user)
    db.session.commit()
    flash(_("Poster %(serial)s marked delivered.", serial=poster.serial), "success")
    # To its row among the delivered, where "Undo" takes it back.
    return redirect(url_for("posters.queue", _anchor=f"delivered-{poster.id}"), code=303)


@bp.route("/posters/<int:poster_id>/delivered/undo", methods=["POST"])
@login_required
@office_only
def undo_delivered(poster_id: int):
    """Take back "delivered": the poster is printed, to deliver, again."""
    poster = poster_or_404(poster_id)
    if poster.state != "delivered":  # undone already, from another phone
        flash(_("Poster %(serial)s is not marked delivered.", serial=poster.serial), "error")
        return _queue_page(409)
    undo_delivered_service(poster, current_user)
    db.session.commit()
    flash(_("Poster %(serial)s is back among the posters to deliver.", serial=poster.serial))
    return redirect(url_for("posters.queue", _anchor=f"to-deliver-{poster.id}"), code=303)


@bp.route("/posters/queue/print", methods=["POST"])
@login_required
@office_only
def print_queue():
    """Print every queued poster as one batch; they are marked printed when it is made."""
    queued = (
        select(Poster.id)
        .join(Poster.venue)
        .join(Venue.commune)
        .where(Commune.district_id.in_(current_user.district_ids), Poster.state == "queued")
    )
    poster_ids = db.session.scalars(queued.order_by(Poster.issued_at, Poster.id)).all()
    if not poster_ids:
        flash(_("The print queue is empty."), "info")
        return redirect(url_for("posters.queue"), code=303)
    district_id = _one_district(
        select(Commune.district_id)
        .join(Venue.commune)
        .join(Poster, Poster.venue_id == Venue.id)
        .where(Poster.id.in_(queued))  # the query, not its ids: see new_batch
    )
    if district_id is None:
        return _several_districts()
    batch = create_batch(district_id, current_user, poster_ids=poster_ids, page=page_size())
    db.session.commit()
    start_batch(batch.id)
    return redirect(url_for("posters.batch", batch_id=batch.id), code=303)


@bp.route("/posters/batches", methods=["POST"])
@login_required
@office_only
def new_batch():
    """A batch of posters for a commune, a venue type, or the venues that need one."""
    try:
        commune = chosen_commune(request.form.get("commune"))
    except ForeignCommune as refusal:
        return render_template(
            "errors/error.html", status=422, title=_("Print batch"), message=refusal.message
        ), 422
    venue_type = request.form.get("type") if request.form.get("type") in VENUE_TYPES else None
    stmt = chosen_venues(
        current_user.district_ids,
        commune.id if commune else None,
        venue_type or "",
        bool(request.form.get("flagged")),
    ).where(Venue.qr_payload != "")
    venue_ids = db.session.scalars(
        stmt.with_only_columns(Venue.id).order_by(Venue.search_key)
    ).all()
    if not venue_ids:
        flash(_("No venue with a registered code matches this choice."), "error")
        return redirect(url_for("posters.queue"), code=303)
    # Asked of the same query, not of its ids: a province's venues are more ids than a
    # statement may carry (PostgreSQL takes at most 65,535 parameters).
    district_id = _one_district(stmt.with_only_columns(Commune.district_id))
    if district_id is None:
        return _several_districts()
    batch = create_batch(
        district_id,
        current_user,
        venue_ids=venue_ids,
        commune_id=commune.id if commune else None,
        venue_type=venue_type or "",
        flagged=bool(request.form.get("flagged")),
        page=page_size(),
    )
    db.session.commit()
    start_batch(batch.id)
    return redirect(url_for("posters.batch", batch_id=batch.id), code=303)


def _timeout() -> float:
    return current_app.config["BATCH_TIMEOUT_MINUTES"]


@bp.route("/posters/batches/<int:batch_id>")
@login_required
@office_only
def batch(batch_id: int):
    """A batch's progress (polled by htmx while it waits or runs, never once it is done,
    failed or stuck) and its download when done."""
    batch = batch_or_404(batch_id)
    shown = {
        "batch": batch,
        "title": batch_title(batch),
        "left_out": left_out_for_no_code(batch) if not wants_fragment() else ([], 0),
        "state": shown_state(batch, _timeout()),
        "timeout": _timeout(),
        "waiting_long": waiting_long(batch, current_app.config["BATCH_LEASE_SECONDS"]),
    }
    if wants_fragment():
        return render_template("posters/_batch.html", **shown)
    return render_template("posters/batch.html", **shown)


@bp.route("/posters/batches/<int:batch_id>/retry", methods=["POST"])
@login_required
@office_only
def retry_batch(batch_id: int):
    """Queue a failed or stuck batch again, from its first page."""
    batch = batch_or_404(batch_id)
    if not may_retry(batch, _timeout()):
        flash(_("This batch is not stuck: it is being made or ready."), "info")
        return redirect(url_for("posters.batch", batch_id=batch.id), code=303)
    requeue_batch(batch)
    db.session.commit()
    start_batch(batch_id)
    return redirect(url_for("posters.batch", batch_id=batch_id), code=303)


@bp.route("/posters/batches/<int:batch_id>/download")
@login_required
@office_only
def download_batch(batch_id: int):
    """The finished batch PDF."""
    batch = batch_or_404(batch_id)
    if batch.state != "done":
        abort(404)
    return storage.send(
        storage.area("posters"),
        batch_key(batch),
        "application/pdf",
        download_name=f"posters-batch-{batch.id}.pdf",
    )
