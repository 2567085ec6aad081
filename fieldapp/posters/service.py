"""Posters: what a venue's poster says, issuing replacements, print batches, and
checking a scanned code against the registry."""

import contextlib
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pikepdf
import zxingcpp
from flask import current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from fieldapp import clock, storage
from fieldapp.access import district_venues
from fieldapp.audit import record_event
from fieldapp.extensions import db
from fieldapp.models import Inspection, Poster, PosterBatch, User, Venue
from fieldapp.places import official_name
from fieldapp.posters.render import PosterText, poster_pdf
from fieldapp.uploads import NotAnImage, TooManyPixels, open_photo

REPLACEABLE_FINDINGS = ("missing", "damaged", "outdated")
# A poster's reason when the code posted was not the venue's own.
NOT_OWN_CODE = "not_own"
BATCH_CHUNK = 100  # pages rendered together before they go to disk


def issuer_for(venue: Venue, template: str) -> str:
    """The issuing office as the setting writes it, its placeholders filled: {district} and
    {province} the names, {district_unit} and {province_unit} the units by their kinds
    ("quận Ba Đình", "thành phố Hà Nội")."""
    district = venue.commune.district
    province = district.province
    return template.format(
        district=district.name,
        province=province.name,
        district_unit=official_name(district.name, district.kind),
        province_unit=official_name(province.name, province.kind),
    )


def latest_poster(venue: Venue) -> Poster | None:
    return db.session.scalar(
        select(Poster).where(Poster.venue_id == venue.id).order_by(Poster.version.desc()).limit(1)
    )


def serial_for(venue: Venue, version: int) -> str:
    return f"{venue.code}-v{version}"


def venue_report_url(venue_code: str) -> str:
    """Where a poster's small second code leads: the public report form of the venue."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/p/{quote(venue_code, safe='')}"


def is_report_url(payload: str) -> bool:
    """Whether a scanned code is a poster's second code (the report form), not a check-in."""
    return payload.strip().startswith(venue_report_url(""))


def poster_text(
    venue: Venue, issuer_template: str, poster: Poster | None = None, today: date | None = None
) -> PosterText:
    """The words on a venue's poster: its current version unless one is given."""
    poster = poster or latest_poster(venue)
    commune = venue.commune
    return PosterText(
        payload=poster.payload if poster else venue.qr_payload,
        venue_name=venue.name,
        venue_code=venue.code,
        address=venue.address,
        commune=official_name(commune.name, commune.kind),
        district=official_name(commune.district.name, commune.district.kind),
        province=official_name(commune.district.province.name, commune.district.province.kind),
        issuer=issuer_for(venue, issuer_template),
        serial=poster.serial if poster else serial_for(venue, 1),
        print_date=today or clock.today(),
        report_url=venue_report_url(venue.code),
    )


# The rule "this finding calls for a new poster" lives here and only here: the finding's
# page offers one (replacement_offer), the issuing route refuses one otherwise, and the print
# queue's "flagged" filter asks the same of the database (flagged_for_replacement).
def replacement_reason(inspection: Inspection) -> str | None:
    """The finding that calls for a replacement poster, if any: the code missing, damaged or
    outdated, or the posted code not the venue's own (the inspector said so, or the scan
    read another venue's)."""
    if inspection.qr_posted in REPLACEABLE_FINDINGS:
        return inspection.qr_posted
    if inspection.qr_matches == "no" or inspection.scan_verdict == "other_venue":
        return NOT_OWN_CODE
    return None


def poster_for_finding(inspection: Inspection) -> Poster | None:
    """The poster issued for this finding, if one was (at most one: a unique column)."""
    return db.session.scalar(select(Poster).where(Poster.inspection_id == inspection.id))


@dataclass(frozen=True)
class ReplacementOffer:
    """What a finding's page says about a new poster: why one is needed, and the version
    issued for the finding once there is one (then nothing more is offered)."""

    reason: str
    poster: Poster | None


def replacement_offer(inspection: Inspection) -> ReplacementOffer | None:
    """The new poster a finding calls for, or None when its code was found posted."""
    reason = replacement_reason(inspection)
    if reason is None:
        return None
    return ReplacementOffer(reason, poster_for_finding(inspection))


class VersionTaken(Exception):
    """Another finding's poster of the same venue took the next version at the same moment."""


def issue_for_finding(
    inspection: Inspection, issued_by: User, *, printed_now: bool
) -> tuple[Poster, bool]:
    """Issue the poster a finding calls for, once: (the poster, whether it is new).

    A second request for the same finding (a double tap, two people, a replay) gets the
    poster already issued. Two requests at the same moment both pass the look-up; the
    unique poster.inspection_id (or the venue's version number) lets one insert, the other
    fails, rolls back (nothing else is written before it in a request) and finds the first
    one's poster, committed by then: READ COMMITTED on PostgreSQL, one writer on SQLite.
    The caller checks replacement_reason() first and commits."""
    issued = poster_for_finding(inspection)
    if issued is not None:
        return issued, False
    inspection_id = inspection.id
    reason = replacement_reason(inspection)
    try:
        poster = issue_poster(
            inspection.venue, issued_by, reason, inspection=inspection, printed_now=printed_now
        )
    except IntegrityError:
        db.session.rollback()
        issued = db.session.scalar(select(Poster).where(Poster.inspection_id == inspection_id))
        if issued is None:  # the version number went to another finding of the venue
            raise VersionTaken() from None
        return issued, False
    return poster, True


def chosen_venues(district_ids, commune_id=None, venue_type: str = "", flagged: bool = False):
    """The open venues a batch's choice names (a commune or the whole district, a venue type
    or all, only those needing a new poster or all), with or without a registered code."""
    stmt = district_venues(district_ids).where(Venue.is_active.is_(True))
    if commune_id:
        stmt = stmt.where(Venue.commune_id == commune_id)
    if venue_type:
        stmt = stmt.where(Venue.venue_type == venue_type)
    if flagged:
        stmt = stmt.where(flagged_for_replacement())
    return stmt


def left_out_for_no_code(batch: PosterBatch, shown: int = 20) -> tuple[list[Venue], int]:
    """The venues of a batch's choice that have no registered code (so no poster in it),
    the first `shown` of them by name, and how many; none for a batch of the print queue."""
    if batch.poster_ids:
        return [], 0
    stmt = chosen_venues(
        batch.district_id, batch.commune_id, batch.venue_type, batch.flagged
    ).where(Venue.qr_payload == "")
    count = db.session.scalar(stmt.with_only_columns(func.count(Venue.id)))
    venues = db.session.scalars(stmt.order_by(Venue.search_key).limit(shown)).all() if count else []
    return list(venues), count


def flagged_for_replacement():
    """Condition on Venue: its latest inspection found the code missing, damaged or outdated."""
    return (
        select(Inspection.id)
        .where(
            Inspection.venue_id == Venue.id,
            Inspection.server_time == Venue.last_inspected_at,
            or_(
                Inspection.qr_posted.in_(REPLACEABLE_FINDINGS),
                Inspection.qr_matches == "no",
                Inspection.scan_verdict == "other_venue",
            ),
        )
        .exists()
    )


def issue_poster(
    venue: Venue,
    issued_by: User,
    reason: str,
    *,
    inspection=None,
    note="",
    printed_now: bool = False,
) -> Poster:
    """Issue the venue's next poster version: printed on the spot, or queued at the office."""
    current = db.session.scalar(select(func.max(Poster.version)).where(Poster.venue_id == venue.id))
    version = (current or 1) + 1  # version 1 is the poster the venue printed itself
    poster = Poster(
        venue_id=venue.id,
        version=version,
        serial=serial_for(venue, version),
        payload=venue.qr_payload,
        reason=reason,
        note=note.strip(),
        inspection_id=inspection.id if inspection else None,
        issued_by_id=issued_by.id,
        state="printed" if printed_now else "queued",
        printed_at=clock.utcnow() if printed_now else None,
    )
    db.session.add(poster)
    db.session.flush()
    record_poster_event("poster_issued", poster, issued_by, reason=reason, printed=printed_now)
    return poster


def record_poster_event(action: str, poster: Poster, user: User | None, **detail) -> None:
    """Audit a poster issued, printed or delivered, under its venue's district."""
    record_event(
        action,
        user,
        entity="poster",
        entity_id=poster.id,
        detail={"serial": poster.serial, "venue": poster.venue.code, **detail},
        district_id=poster.venue.commune.district_id,
    )


def mark_delivered(poster: Poster, user: User) -> None:
    """A printed poster reached its venue; the caller commits."""
    poster.state, poster.delivered_at = "delivered", clock.utcnow()
    record_poster_event("poster_delivered", poster, user)


def undo_delivered(poster: Poster, user: User) -> None:
    """Take back "delivered" (a tap on the wrong row): the poster is printed, to deliver,
    again; audited like the mark, with the moment it had been marked. The caller commits."""
    marked = poster.delivered_at
    poster.state, poster.delivered_at = "printed", None
    record_poster_event(
        "poster_delivery_undone",
        poster,
        user,
        delivered_at=marked.isoformat() if marked else None,
    )


def app_issued_payload(venue: Venue) -> str:
    """A payload the app makes for a venue the national registry has none for."""
    return f"FIELDAPP:{venue.code}:{secrets.token_hex(4).upper()}"


def give_app_issued_payload(venue: Venue, user: User) -> None:
    """Give the venue an app-issued payload, audited; the caller commits."""
    venue.qr_payload = app_issued_payload(venue)
    record_event(
        "payload_issued",
        user,
        entity="venue",
        entity_id=venue.id,
        detail={"venue": venue.code, "payload": venue.qr_payload},
        district_id=venue.commune.district_id,
    )


# --- print batches -------------------------------------------------------------------
# A batch is recorded (create_batch), then made by a job on the queue (posters.tasks) that
# calls run_batch. A run first claims the batch; it saves its progress every chunk of
# pages; it writes the PDF to a file of its own and hands it over only when complete, in
# the same transaction that marks the batch done and its posters printed. A run that lost
# its claim (it was presumed dead and another run took the batch) changes nothing.

MAX_BATCH_RUNS = 3  # runs of one batch (the first, then after lost workers) before it is left
STUCK = "stuck"  # the error of a batch that stopped making progress
UNQUEUED = "unqueued"  # the error of a batch whose job the queue refused


class LostBatch(Exception):
    """Another run holds the batch now: this one stops and changes nothing."""


@dataclass(frozen=True)
class BatchSettings:
    folder: str  # the local work folder where a run writes its PDF before hand_over
    issuer_template: str
    lease_seconds: int = 120  # silent this long: the run is presumed dead
    chunk: int = BATCH_CHUNK
    page_delay: float = 0.0  # tests only: seconds to wait after each page


def render_batch(
    texts: Iterable[PosterText],
    out_path: Path,
    page: str,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = BATCH_CHUNK,
) -> int:
    """Write posters into one PDF, a chunk at a time, so a long batch never holds all
    its pages in memory: chunks go to temporary files, then qpdf joins them."""
    count = 0
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=f"{out_path.name}-") as work:
        chunk_paths: list[Path] = []
        chunk: list[PosterText] = []

        def flush_chunk():
            path = Path(work) / f"chunk-{len(chunk_paths):05d}.pdf"
            poster_pdf(chunk, path, page)
            chunk_paths.append(path)
            chunk.clear()

        for text in texts:
            chunk.append(text)
            count += 1
            if len(chunk) == chunk_size:
                flush_chunk()
                if progress:
                    progress(count)
        if chunk:
            flush_chunk()
        with pikepdf.Pdf.new() as merged:
            sources = [pikepdf.Pdf.open(path) for path in chunk_paths]
            try:
                for source in sources:
                    merged.pages.extend(source.pages)
                merged.save(out_path)
            finally:
                for source in sources:
                    source.close()
    if progress:
        progress(count)
    return count


def batch_key(batch: PosterBatch) -> str:
    """The finished batch PDF's key in the posters' store (fieldapp/storage.py)."""
    return f"batch-{batch.id}.pdf"


def hand_over(made: Path, batch: PosterBatch) -> None:
    """The one place a finished batch PDF, made in a local file, becomes the batch's
    download: stored whole where every server can serve it (fieldapp/storage.py)."""
    storage.area("posters").put_file(batch_key(batch), made)


def _run_files(folder: str, batch_id: int, run_id: str = "*") -> list[Path]:
    """A run's unfinished PDF and its folder of chunks (all runs' with "*")."""
    return sorted(Path(folder).glob(f"batch-{batch_id}.{run_id}.part*"))


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def create_batch(
    district_id: int,
    user: User,
    *,
    venue_ids=(),
    poster_ids=(),
    commune_id: int | None = None,
    venue_type: str = "",
    flagged: bool = False,
    page: str = "A4",
) -> PosterBatch:
    """Record a batch to make (the queued posters, or the venues chosen by commune, type and
    whether they need a new poster: its title is worded from them when shown,
    posters.labels.batch_title); run_batch() makes it."""
    batch = PosterBatch(
        district_id=district_id,
        requested_by_id=user.id,
        commune_id=commune_id,
        venue_type=venue_type,
        flagged=flagged,
        page_size=page,
        venue_ids=",".join(map(str, venue_ids)),
        poster_ids=",".join(map(str, poster_ids)),
        total=len(venue_ids) + len(poster_ids),
        progress_at=clock.utcnow(),
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def _silent_since(seconds: float):
    """Condition on PosterBatch: no sign of life for this many seconds."""
    return PosterBatch.progress_at < clock.utcnow() - timedelta(seconds=seconds)


def _claim(batch_id: int, lease_seconds: int) -> str | None:
    """Take a waiting batch, or one whose run went silent for the lease (runs left): the
    new run's id, or None when the batch is done, failed or held by a live run."""
    run_id = secrets.token_hex(16)
    lost = and_(
        PosterBatch.state == "running",
        _silent_since(lease_seconds),
        PosterBatch.runs < MAX_BATCH_RUNS,
    )
    claimed = db.session.execute(
        update(PosterBatch)
        .where(PosterBatch.id == batch_id, or_(PosterBatch.state == "waiting", lost))
        .values(
            state="running",
            run_id=run_id,
            runs=PosterBatch.runs + 1,
            progress_at=clock.utcnow(),
            done=0,
            error="",
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return run_id if claimed == 1 else None


def _update_held(batch_id: int, run_id: str, **values) -> None:
    """Update the batch while this run holds it; LostBatch (nothing changed) otherwise."""
    held = db.session.execute(
        update(PosterBatch)
        .where(
            PosterBatch.id == batch_id,
            PosterBatch.run_id == run_id,
            PosterBatch.state == "running",
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if held != 1:
        db.session.rollback()
        raise LostBatch


def run_batch(batch_id: int, settings: BatchSettings) -> None:
    """Make a batch's PDF if no live run holds it, recording progress as it goes."""
    run_id = _claim(batch_id, settings.lease_seconds)
    if run_id is None:
        return
    folder = Path(settings.folder)
    folder.mkdir(parents=True, exist_ok=True)
    _remove(_run_files(settings.folder, batch_id))  # what runs that lost it left behind
    made = folder / f"batch-{batch_id}.{run_id}.part"
    try:
        batch = db.session.get(PosterBatch, batch_id)
        poster_ids = [int(i) for i in batch.poster_ids.split(",") if i]
        venue_ids = [int(i) for i in batch.venue_ids.split(",") if i]
        page_size, requested_by = batch.page_size, batch.requested_by

        def texts():
            for poster_id in poster_ids:
                poster = db.session.get(Poster, poster_id)
                yield poster_text(poster.venue, settings.issuer_template, poster)
                time.sleep(settings.page_delay)
            for venue_id in venue_ids:
                yield poster_text(db.session.get(Venue, venue_id), settings.issuer_template)
                time.sleep(settings.page_delay)

        def progress(done):
            _update_held(batch_id, run_id, done=done, progress_at=clock.utcnow())
            db.session.commit()

        render_batch(texts(), made, page_size, progress, settings.chunk)
        # One transaction: the batch done, its file in place, its posters printed (once).
        now = clock.utcnow()
        _update_held(batch_id, run_id, state="done", finished_at=now, progress_at=now)
        batch = db.session.get(PosterBatch, batch_id)
        hand_over(made, batch)
        for poster_id in poster_ids:
            poster = db.session.get(Poster, poster_id)
            if poster.state == "queued":
                poster.state, poster.printed_at = "printed", now
                record_poster_event("poster_printed", poster, requested_by, batch=batch_id)
        db.session.commit()
    except LostBatch:
        pass
    except Exception as error:  # the batch page shows it; nothing else is changed
        db.session.rollback()
        with contextlib.suppress(LostBatch):
            _update_held(batch_id, run_id, state="failed", error=str(error)[:300])
            db.session.commit()
    finally:
        _remove(_run_files(settings.folder, batch_id, run_id))


def batch_stuck(batch: PosterBatch, timeout_minutes: float) -> bool:
    """A batch waiting or being made that gave no sign of life for the timeout."""
    last = batch.progress_at or batch.created_at
    return batch.state in ("waiting", "running") and last < clock.utcnow() - timedelta(
        minutes=timeout_minutes
    )


def shown_state(batch: PosterBatch, timeout_minutes: float) -> str:
    """The state the office sees: a stuck batch is "stuck" (failed, may be tried again)."""
    if batch_stuck(batch, timeout_minutes) or batch.error == STUCK:
        return STUCK
    return batch.state


def waiting_long(batch: PosterBatch, lease_seconds: int) -> bool:
    """A batch still waiting for a worker after the lease: perhaps no consumer runs."""
    last = batch.progress_at or batch.created_at
    return batch.state == "waiting" and last < clock.utcnow() - timedelta(seconds=lease_seconds)


def may_retry(batch: PosterBatch, timeout_minutes: float) -> bool:
    return batch.state == "failed" or batch_stuck(batch, timeout_minutes)


def requeue_batch(batch: PosterBatch) -> None:
    """Make a failed or stuck batch wait again, from its first page; the caller commits and
    queues its job. A run still holding it (thought stuck) changes nothing from now on."""
    batch.state, batch.run_id, batch.runs, batch.done, batch.error = "waiting", "", 0, 0, ""
    batch.progress_at, batch.finished_at = clock.utcnow(), None


def lost_batches(lease_seconds: int) -> list[int]:
    """Batches being made whose run went silent for the lease (its worker vanished) and
    that may run again: their jobs are queued again."""
    return list(
        db.session.scalars(
            select(PosterBatch.id).where(
                PosterBatch.state == "running",
                _silent_since(lease_seconds),
                PosterBatch.runs < MAX_BATCH_RUNS,
            )
        )
    )


def fail_stuck_batches(timeout_minutes: float) -> None:
    """Batches silent past the timeout are failed (stuck); the caller commits."""
    db.session.execute(
        update(PosterBatch)
        .where(
            PosterBatch.state.in_(("waiting", "running")),
            _silent_since(timeout_minutes * 60),
        )
        .values(state="failed", error=STUCK, run_id="")
        .execution_options(synchronize_session=False)
    )


def fail_unqueued_batch(batch_id: int) -> None:
    """A batch whose job the queue refused: failed at once (it may be tried again)."""
    db.session.execute(
        update(PosterBatch)
        .where(PosterBatch.id == batch_id, PosterBatch.state == "waiting")
        .values(state="failed", error=UNQUEUED)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


# --- checking a posted code ------------------------------------------------------------


@dataclass
class ScanResult:
    verdict: str  # own / other_venue / unknown / unreadable
    payload: str = ""
    owner: Venue | None = None


class ScanError(Exception):
    """A photo that cannot be read for a code; the message is for the user."""


def decode_codes(raw: bytes, max_pixels: int) -> list[str]:
    """The QR codes zxing-cpp finds in a photo (JPEG, PNG or WebP of at most `max_pixels`)."""
    try:
        image = open_photo(raw, max_pixels)
    except TooManyPixels:
        raise ScanError("too_large") from None
    except NotAnImage:
        raise ScanError("not_image") from None
    image = image.convert("L")
    image.thumbnail((2000, 2000))
    return [
        result.text
        for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ]


def judge_payload(district_ids: int | list[int], venue: Venue | None, payload: str) -> ScanResult:
    """Whose code this is: the venue's own, another venue's of the district, or unknown."""
    payload = payload.strip()
    if not payload:
        return ScanResult("unreadable")
    if venue is not None and venue.qr_payload and payload == venue.qr_payload.strip():
        return ScanResult("own", payload, venue)
    owner = db.session.scalar(district_venues(district_ids).where(Venue.qr_payload == payload))
    if owner is None:
        owner = db.session.scalar(
            district_venues(district_ids)
            .join(Poster, Poster.venue_id == Venue.id)
            .where(Poster.payload == payload)
        )
    if owner is not None and (venue is None or owner.id != venue.id):
        return ScanResult("other_venue", payload, owner)
    if owner is not None:
        return ScanResult("own", payload, owner)
    return ScanResult("unknown", payload)
