"""Receiving a citizen's report: the one place a report is created (the public form, the
office's form for telephone and hotline reports, the national system's import), and what
the public form needs around it: the places it offers, the venue and commune it names, the
photo (checked and re-encoded like an inspection's), the tracking code typed back."""

import base64
import hashlib
import io
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from PIL import Image
from sqlalchemy import select

from fieldapp import clock, storage
from fieldapp.audit import record_event
from fieldapp.citizens.deadlines import due_date_for
from fieldapp.extensions import db
from fieldapp.fragments import id_param
from fieldapp.inspections.photos import PhotoError, Upload, photo_jpeg, read_uploads
from fieldapp.models import CitizenReport, CitizenReportJoin, Commune, District, User, Venue
from fieldapp.models.citizen_report import OPEN_STATES
from fieldapp.places import in_vietnamese_order
from fieldapp.uploads import UploadStore

# Tracking codes: no 0/O, 1/I/L, so one read aloud over the telephone is typed right.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 8
# The same venue and problem reported again within this time joins the open report (+1).
JOIN_WITHIN = timedelta(days=1)


# The office enters a report it received (a telephone call) at most this long ago.
RECEIVED_WITHIN = timedelta(days=30)


def received_at_refusal(received_at: datetime, now: datetime) -> str | None:
    """Why the office cannot enter a report as received at this moment (naive UTC): "future"
    or "too_old" (more than RECEIVED_WITHIN before now); None when it can."""
    if received_at > now:
        return "future"
    if received_at < now - RECEIVED_WITHIN:
        return "too_old"
    return None


def new_tracking_code() -> str:
    while True:
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
        if db.session.scalar(select(CitizenReport.id).filter_by(tracking_code=code)) is None:
            return code


def open_report_to_join(venue: Venue, problem: str, at: datetime) -> CitizenReport | None:
    """The open report of the same venue and problem received within a day, if any."""
    return db.session.scalar(
        select(CitizenReport)
        .where(
            CitizenReport.venue_id == venue.id,
            CitizenReport.problem == problem,
            CitizenReport.state.in_(OPEN_STATES),
            # Either side: an import may bring reports older than those already here.
            CitizenReport.received_at.between(at - JOIN_WITHIN, at + JOIN_WITHIN),
        )
        .order_by(CitizenReport.received_at)
        .limit(1)
    )


def receive_report(
    *,
    commune: Commune,
    venue: Venue | None = None,
    place: str = "",
    problem: str,
    details: str = "",
    contact_phone: str = "",
    channel: str = "web",
    photo_path: str = "",
    received_at: datetime | None = None,
    source_ref: str | None = None,
    entered_by: User | None = None,
    recorded_at: datetime | None = None,
) -> tuple[CitizenReport, bool]:
    """Record a report (the caller has checked its fields) and return it, with whether it
    joined an open report of the same venue and problem as "+1" instead of a new one: then
    what this reporter brought (channel, phone, details, photo, reference) is kept with the
    report joined. Either way the report's history records it, at `recorded_at` (when the
    server took it: now, unless demo data backdates it), naming who entered it or, for a
    citizen, only the channel (no address, no phone). The caller commits."""
    recorded_at = recorded_at or clock.utcnow()
    received_at = received_at or recorded_at
    # What this reporter brings: a new report's, or kept with the open report it joins.
    brought = {
        "received_at": received_at,
        "channel": channel,
        "contact_phone": contact_phone,
        "details": details,
        "photo_path": photo_path,
        "source_ref": source_ref,
        "entered_by_id": entered_by.id if entered_by is not None else None,
    }
    if venue is not None:
        joined = open_report_to_join(venue, problem, received_at)
        if joined is not None:
            db.session.add(CitizenReportJoin(report_id=joined.id, **brought))
            changes: dict = {"also_reported": [joined.also_reported, joined.also_reported + 1]}
            joined.also_reported += 1
            _record_receipt(
                "citizen_report_joined",
                joined,
                changes,
                channel,
                entered_by,
                received_at,
                recorded_at,
            )
            db.session.flush()
            return joined, True
    report = CitizenReport(
        tracking_code=new_tracking_code(),
        commune_id=commune.id,
        venue_id=venue.id if venue is not None else None,
        place=place,
        problem=problem,
        due_date=due_date_for(received_at),
        **brought,
    )
    db.session.add(report)
    db.session.flush()
    changes = {"state": [None, "new"], "due_date": [None, report.due_date.isoformat()]}
    if source_ref:
        changes["source_ref"] = [None, source_ref]
    report.commune = commune
    _record_receipt(
        "citizen_report_received", report, changes, channel, entered_by, received_at, recorded_at
    )
    return report, False


def _record_receipt(
    action: str,
    report: CitizenReport,
    changes: dict,
    channel: str,
    entered_by: User | None,
    received_at: datetime,
    recorded_at: datetime,
) -> None:
    """A report received (or a +1 joined) in its history, dated when the server took it:
    who entered it, or the channel alone for a citizen (no address kept, never a phone).
    A report received earlier (a telephone call typed later, an import) says when."""
    if abs(recorded_at - received_at) >= timedelta(minutes=1):
        changes["received_at"] = [None, received_at.isoformat(timespec="minutes")]
    record_event(
        action,
        entered_by,
        entity="citizen_report",
        entity_id=report.id,
        changes={"channel": [None, channel], **changes},
        detail={"tracking_code": report.tracking_code, "channel": channel},
        district_id=report.commune.district_id,
        at=recorded_at,
        keep_address=entered_by is not None,
    )


# Reports' photos live in the photos' store under their own prefix (never a finding's UUID
# folder, so the orphan clean-up of inspection photos never sees them), one month a folder.
PHOTO_PREFIX = "citizen-reports/"


@dataclass
class ReportPhoto:
    """A report's photo checked and re-encoded as a JPEG (no EXIF), not yet stored."""

    key: str
    jpeg: bytes


def check_report_photo(file) -> ReportPhoto | None:
    """The uploaded photo (or None without one) checked as inspection photos are: at most
    MAX_PHOTO_BYTES, JPEG, PNG or WebP by its content, at most MAX_PHOTO_PIXELS by its
    header, turned upright and re-encoded at most PHOTO_MAX_SIDE pixels. Raises PhotoError
    with a message for the citizen."""
    config = current_app.config
    uploads, errors = read_uploads([file], config["MAX_PHOTO_BYTES"])
    if errors:
        raise PhotoError(errors[0])
    if not uploads:
        return None
    upload: Upload = uploads[0]
    image = photo_jpeg(upload, config["PHOTO_MAX_SIDE"], config["MAX_PHOTO_PIXELS"])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    month = clock.today().strftime("%Y-%m")
    return ReportPhoto(f"{PHOTO_PREFIX}{month}/{upload.fingerprint}.jpg", out.getvalue())


def keep_report_photo(photo: ReportPhoto) -> str:
    """Store a checked photo (the same photo twice lands on the same key); its key."""
    store = storage.area("photos")
    if not store.exists(photo.key):
        store.put(photo.key, photo.jpeg)
    return photo.key


# A checked photo waits, while its form is shown again to fix another field, as a previewed
# spreadsheet waits for its import (fieldapp/uploads.py: kept a day at most, found only by
# its holder and the token the form carries). The holder: the office user's id, else 0.
HELD_PHOTO_NAME = "photo.jpg"
PREVIEW_SIDE = 160  # pixels of the held photo's preview on the form


def hold_report_photo(photo: ReportPhoto, holder: int) -> str:
    """Keep a checked photo for the form shown again; the token the form carries."""
    token, _name = UploadStore().keep(holder, HELD_PHOTO_NAME, photo.jpeg)
    return token


def held_report_photo(token: str | None, holder: int) -> ReportPhoto | None:
    """The photo held for a form under this token, or None (none held, expired, another
    holder's, or a kept file that is not a held photo)."""
    uploads = UploadStore()
    name = uploads.find(holder, token)
    if name is None or not name.endswith(".jpg"):
        return None
    try:
        jpeg = uploads.read(name)
    except FileNotFoundError:
        return None
    fingerprint = hashlib.sha256(jpeg).hexdigest()[:32]
    month = clock.today().strftime("%Y-%m")
    return ReportPhoto(f"{PHOTO_PREFIX}{month}/{fingerprint}.jpg", jpeg)


def release_report_photo(token: str | None, holder: int) -> None:
    """Drop a held photo: sent with its report, replaced, or taken off the form."""
    uploads = UploadStore()
    name = uploads.find(holder, token)
    if name is not None and name.endswith(".jpg"):
        uploads.forget(name)


# A refused public post is shown again through a GET (post/redirect/get: Back never asks to
# send it again): what was typed waits under a token, like the held photo, for a day at most.
HELD_DRAFT_NAME = "draft.json"
DRAFT_FIELDS = ("problem", "details", "place", "contact_phone", "district", "commune", "q", "venue")


def hold_report_draft(typed: dict, holder: int) -> str:
    """Keep what a refused form held (`typed`: its fields as sent, the held photo's token,
    the photo's refusals); the token the page shown again is found by."""
    content = json.dumps(typed, ensure_ascii=False).encode()
    token, _name = UploadStore().keep(holder, HELD_DRAFT_NAME, content)
    return token


def held_report_draft(token: str | None, holder: int) -> dict | None:
    """The draft kept under this token, or None (none, expired, another holder's, not a
    draft)."""
    uploads = UploadStore()
    name = uploads.find(holder, token)
    if name is None or not name.endswith(".json"):
        return None
    try:
        typed = json.loads(uploads.read(name))
    except (FileNotFoundError, ValueError):
        return None
    return typed if isinstance(typed, dict) else None


def release_report_draft(token: str | None, holder: int) -> None:
    """Drop a kept draft: its report was sent."""
    uploads = UploadStore()
    name = uploads.find(holder, token)
    if name is not None and name.endswith(".json"):
        uploads.forget(name)


def photo_preview(photo: ReportPhoto) -> tuple[str, int, int]:
    """A small preview of a checked photo for the form (a data: URI), and its size."""
    with Image.open(io.BytesIO(photo.jpeg), formats=["JPEG"]) as image:
        image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=70)
        width, height = image.size
    return f"data:image/jpeg;base64,{base64.b64encode(out.getvalue()).decode()}", width, height


def receive_with_photo(photo: ReportPhoto | None, **fields) -> tuple[CitizenReport, bool]:
    """`receive_report` with the form's photo, stored first: a new report's, or this
    reporter's own on the open report it joins (every joined photo is kept)."""
    photo_path = keep_report_photo(photo) if photo is not None else ""
    return receive_report(photo_path=photo_path, **fields)


def tracking_code_typed(typed: str | None) -> str:
    """A tracking code as a citizen may type it (spaces, dashes, lower case) made canonical."""
    return re.sub(r"[\s-]", "", typed or "").upper()[:16]


def report_by_tracking_code(typed: str | None) -> CitizenReport | None:
    """The report a typed tracking code names, or None."""
    code = tracking_code_typed(typed)
    if not code or any(char not in TRACKING_ALPHABET for char in code):
        return None
    return db.session.scalar(select(CitizenReport).filter_by(tracking_code=code))


def report_with_source_ref(source_ref: str) -> CitizenReport | None:
    """The report entered or imported with this national reference, or the one it joined
    as +1, if any."""
    report = db.session.scalar(select(CitizenReport).filter_by(source_ref=source_ref))
    if report is None:
        report = db.session.scalar(
            select(CitizenReport)
            .join(CitizenReportJoin, CitizenReportJoin.report_id == CitizenReport.id)
            .where(CitizenReportJoin.source_ref == source_ref)
        )
    return report


def venue_by_code(code: str) -> Venue | None:
    """An active venue by the code its poster carries (/p/<code>), typed in any case (a
    phone's keyboard types "qs-sh-0008"), or None. The code as stored wins; else its upper
    or lower case (the app's codes are upper case): lookups on the code's unique index."""
    if not code or len(code) > 40:
        return None
    spellings = list(dict.fromkeys((code, code.upper(), code.lower())))
    found = {
        venue.code: venue
        for venue in db.session.scalars(select(Venue).where(Venue.code.in_(spellings)))
    }
    venue = next((found[spelling] for spelling in spellings if spelling in found), None)
    return venue if venue is not None and venue.is_active else None


def public_districts() -> list[District]:
    """Every district, for the public form's first choice (public facts)."""
    return in_vietnamese_order(db.session.scalars(select(District)))


def district_by_id(value: str | None) -> District | None:
    district_id = id_param(value)
    return db.session.get(District, district_id) if district_id else None


def communes_of(district: District | None) -> list[Commune]:
    """A district's communes in Vietnamese order, for the public form's second choice."""
    if district is None:
        return []
    return in_vietnamese_order(
        db.session.scalars(select(Commune).filter_by(district_id=district.id))
    )


def commune_by_id(value: str | None, district_ids: list[int] | None = None) -> Commune | None:
    """A commune chosen by its id (of `district_ids` only, when given), or None."""
    commune_id = id_param(value)
    commune = db.session.get(Commune, commune_id) if commune_id else None
    if commune is None or (district_ids is not None and commune.district_id not in district_ids):
        return None
    return commune


def venue_in_commune(value: str | None, commune: Commune) -> Venue | None:
    """An active venue of the commune chosen by its id, or None."""
    venue_id = id_param(value)
    venue = db.session.get(Venue, venue_id) if venue_id else None
    if venue is None or venue.commune_id != commune.id or not venue.is_active:
        return None
    return venue
