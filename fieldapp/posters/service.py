"""Posters: what a venue's poster says, issuing replacements, print batches, and
checking a scanned code against the registry."""

import secrets
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pikepdf
import zxingcpp
from sqlalchemy import func, select

from fieldapp import clock, storage
from fieldapp.access import district_venues
from fieldapp.audit import record_event
from fieldapp.extensions import db
from fieldapp.models import Inspection, Poster, PosterBatch, User, Venue
from fieldapp.places import official_name
from fieldapp.posters.render import PosterText, poster_pdf
from fieldapp.uploads import NotAnImage, TooManyPixels, open_photo

REPLACEABLE_FINDINGS = ("missing", "damaged", "outdated")
BATCH_CHUNK = 100  # pages rendered together before they go to disk


def issuer_for(venue: Venue, template: str) -> str:
    district = venue.commune.district
    return template.format(district=district.name, province=district.province.name)


def latest_poster(venue: Venue) -> Poster | None:
    return db.session.scalar(
        select(Poster).where(Poster.venue_id == venue.id).order_by(Poster.version.desc()).limit(1)
    )


def serial_for(venue: Venue, version: int) -> str:
    return f"{venue.code}-v{version}"


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
        commune=official_name(commune.name, commune.kind, capitalised=True),
        district=official_name(commune.district.name, "district"),
        province=commune.district.province.name,
        issuer=issuer_for(venue, issuer_template),
        serial=poster.serial if poster else serial_for(venue, 1),
        print_date=today or clock.today(),
    )


def replacement_reason(inspection: Inspection) -> str | None:
    """The finding that calls for a replacement poster, if any."""
    return inspection.qr_posted if inspection.qr_posted in REPLACEABLE_FINDINGS else None


def flagged_for_replacement():
    """Condition on Venue: its latest inspection found the code missing, damaged or outdated."""
    return (
        select(Inspection.id)
        .where(
            Inspection.venue_id == Venue.id,
            Inspection.server_time == Venue.last_inspected_at,
            Inspection.qr_posted.in_(REPLACEABLE_FINDINGS),
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


def render_batch(
    texts: Iterable[PosterText],
    out_path: Path,
    page: str,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write posters into one PDF, a chunk at a time, so a long batch never holds all
    its pages in memory: chunks go to temporary files, then qpdf joins them."""
    count = 0
    with tempfile.TemporaryDirectory(dir=out_path.parent) as work:
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
            if len(chunk) == BATCH_CHUNK:
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


def create_batch(
    district_id: int, user: User, title: str, *, venue_ids=(), poster_ids=(), page: str = "A4"
) -> PosterBatch:
    """Record a batch to make; run_batch() makes it."""
    batch = PosterBatch(
        district_id=district_id,
        requested_by_id=user.id,
        title=title,
        page_size=page,
        venue_ids=",".join(map(str, venue_ids)),
        poster_ids=",".join(map(str, poster_ids)),
        total=len(venue_ids) + len(poster_ids),
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def run_batch(batch_id: int, folder: str, issuer_template: str) -> None:
    """Make a batch's PDF, recording progress in the database as it goes."""
    batch = db.session.get(PosterBatch, batch_id)
    batch.state = "running"
    db.session.commit()
    try:
        poster_ids = [int(i) for i in batch.poster_ids.split(",") if i]
        venue_ids = [int(i) for i in batch.venue_ids.split(",") if i]

        def texts():
            for poster_id in poster_ids:
                poster = db.session.get(Poster, poster_id)
                yield poster_text(poster.venue, issuer_template, poster)
            for venue_id in venue_ids:
                yield poster_text(db.session.get(Venue, venue_id), issuer_template)

        def progress(done):
            batch.done = done
            db.session.commit()

        # Made in a local work folder, then handed over (the store may be another machine's).
        Path(folder).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder, prefix=storage.WORK_PREFIX) as work:
            made = Path(work) / "batch.pdf"
            render_batch(texts(), made, batch.page_size, progress)
            hand_over(made, batch)
        for poster_id in poster_ids:
            poster = db.session.get(Poster, poster_id)
            if poster.state == "queued":
                poster.state, poster.printed_at = "printed", clock.utcnow()
                record_poster_event("poster_printed", poster, batch.requested_by, batch=batch.id)
        batch.state, batch.finished_at = "done", clock.utcnow()
    except Exception as error:  # the batch page shows it; nothing else is changed
        db.session.rollback()
        batch = db.session.get(PosterBatch, batch_id)
        batch.state, batch.error = "failed", str(error)[:300]
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
