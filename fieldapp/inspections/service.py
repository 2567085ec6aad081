"""Submitting a finding, new or corrected: the one way answers and photos become an
inspection."""

import hashlib
import json
import uuid as uuid_module
from dataclasses import dataclass, field, fields
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from fieldapp import clock, storage
from fieldapp.assignments.service import close_for_inspection
from fieldapp.audit import record_change, snapshot
from fieldapp.citizens.service import finding_recorded
from fieldapp.extensions import db
from fieldapp.geo import distance_m
from fieldapp.inspections.checklist import KEEP_ANSWER, QUESTIONS, complete, stored_value
from fieldapp.inspections.outcome import Assessment, Checklist, assess
from fieldapp.inspections.photos import (
    PhotoError,
    StoredPhoto,
    Upload,
    keep_only,
    keep_photo,
    kept_photos,
    photo_fingerprint,
    photo_prefix,
)
from fieldapp.models import Inspection, InspectionClaim, InspectionPhoto, User, Venue
from fieldapp.posters.service import judge_payload
from fieldapp.reviews.service import review_version


@dataclass
class Position:
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None

    @property
    def has_fix(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass
class GpsCheck:
    distance_m: float | None
    warnings: list[str]


def check_position(
    venue: Venue, position: Position, max_accuracy_m: float, max_distance_m: float
) -> GpsCheck:
    """Warn when the fix is missing, imprecise, or far from the venue's registered spot."""
    if not position.has_fix:
        return GpsCheck(None, ["no_fix"])
    warnings = []
    if position.accuracy_m is None or position.accuracy_m > max_accuracy_m:
        warnings.append("low_accuracy")
    distance = None
    if venue.has_position:
        distance = distance_m(
            position.latitude, position.longitude, venue.latitude, venue.longitude
        )
        if distance > max_distance_m:
            warnings.append("far_from_venue")
    return GpsCheck(distance, warnings)


def gps_check(venue: Venue, position: Position) -> GpsCheck:
    """The position checked against the settings' limits (FIELDAPP_GPS_MAX_ACCURACY_M and
    FIELDAPP_GPS_MAX_DISTANCE_M)."""
    config = current_app.config
    return check_position(
        venue, position, config["GPS_MAX_ACCURACY_M"], config["GPS_MAX_DISTANCE_M"]
    )


class UuidTaken(Exception):
    """The UUID belongs to another venue's or another inspector's inspection."""


class InspectionLocked(Exception):
    """An approved inspection, or someone else's: it cannot be edited."""


def outcome_answers(answers: dict, device_time: datetime | None = None) -> Checklist:
    """The answers the outcome rule reads, out of all the checklist's answers."""
    names = {f.name for f in fields(Checklist)}
    return Checklist(
        **{name: value for name, value in answers.items() if name in names}, device_time=device_time
    )


def content_fingerprint(answers: dict, position: Position) -> str:
    """A hash of everything the inspector answered, the same for every retry of a form.

    The phone's clock is left out: two tabs sending one draft differ only there.
    """
    canonical_answers = complete(answers)
    canonical_answers["position"] = [position.latitude, position.longitude, position.accuracy_m]
    canonical = json.dumps(canonical_answers, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def is_same_finding(
    inspection: Inspection,
    venue: Venue,
    inspector: User,
    answers: dict,
    position: Position,
    photo_fingerprints: list[str],
) -> bool:
    """True when a post repeats the stored finding: same venue and inspector, same answers,
    no photo it lacks. Every "already recorded" answer asks this."""
    stored = {photo_fingerprint(photo.path) for photo in inspection.photos}
    return (
        inspection.venue_id == venue.id
        and inspection.inspector_id == inspector.id
        and inspection.content_hash == content_fingerprint(answers, position)
        and set(photo_fingerprints) <= stored
    )


def repeats_correction(inspection: Inspection, recorded_answers: dict, submission) -> bool:
    """True when a correction refused as stale is the one already applied: its answers are
    the finding's (`recorded_answers`, the stored finding read back through the form), it
    adds no photo the finding lacks and removes none it still has. The outbox sends again a
    correction whose answer was lost (the page closed, the signal dropped)."""
    if submission.answers is None:
        return False
    stored = Position(inspection.latitude, inspection.longitude, inspection.gps_accuracy_m)
    photos = {photo_fingerprint(photo.path) for photo in inspection.photos}
    return (
        content_fingerprint(submission.answers, submission.position)
        == content_fingerprint(recorded_answers, stored)
        and {upload.fingerprint for upload in submission.uploads} <= photos
        and not submission.removed_photo_ids & {photo.id for photo in inspection.photos}
    )


def existing_inspection(inspection_uuid: str) -> Inspection | None:
    return db.session.scalar(select(Inspection).where(Inspection.uuid == inspection_uuid))


@dataclass
class Submission:
    """One post of the inspection form, as the route parsed it.

    `answers` is None when the form refused them (its messages are the route's to show);
    `uuid` is None when the form's UUID is damaged.
    """

    uuid: str | None
    answers: dict | None
    position: Position
    device_time: datetime | None = None
    uploads: list[Upload] = field(default_factory=list)
    upload_errors: list[str] = field(default_factory=list)
    # A correction's recorded photos the inspector chose to remove (InspectionPhoto ids).
    removed_photo_ids: set[int] = field(default_factory=set)
    # The phone's outbox sends every photo of the finding each time; the plain form sends
    # only new ones, and photos kept from an earlier, refused post still count.
    sends_all_photos: bool = False


@dataclass
class SubmissionResult:
    """What came of a submission: created, exists (a replay), updated (a correction),
    conflict (the UUID holds a different finding), stale (a correction of answers that were
    corrected meanwhile) or invalid."""

    status: str
    inspection: Inspection | None = None
    photo_errors: list[str] = field(default_factory=list)
    # Photos kept under the form's UUID and not yet part of a recorded finding.
    waiting_photos: list[StoredPhoto] = field(default_factory=list)


def correction_refused(inspection: Inspection, user: User) -> str | None:
    """Why `user` may not correct this finding ("not_theirs", "approved"), or None: only its
    own inspector corrects it, until a supervisor approves it."""
    if inspection.inspector_id != user.id:
        return "not_theirs"
    if inspection.review_state == "approved":
        return "approved"
    return None


def waiting_photos(inspection: Inspection) -> list[StoredPhoto]:
    """Photos received for a correction that was refused, not yet part of the finding: the
    next correction attaches them, so its form shows them."""
    attached = {photo.path for photo in inspection.photos}
    return [
        photo
        for photo in kept_photos(storage.area("photos"), inspection.uuid)
        if photo.path not in attached
    ]


def submit_finding(
    venue: Venue,
    inspector: User,
    submission: Submission,
    *,
    correcting: Inspection | None = None,
    photos_required: bool = True,
    received_at: datetime | None = None,
    seen_version: str | None = None,
) -> SubmissionResult:
    """Record a new finding, or correct a returned one: the one way answers and photos
    become an inspection.

    Decides replay or conflict (same UUID: same content is the stored finding, different
    content is refused, never overwritten), keeps the photos within the settings' limits,
    checks the GPS position against the settings, computes the outcome and the
    posted-code verdict, closes the venue's assignments and writes the audit entry.
    The demo passes photos_required=False and the time its finding reached the server.
    A correction's form passes `seen_version`, the review_version of the answers it showed:
    corrected since (another tab, another phone), it is refused as "stale", never
    overwriting that correction, as a supervisor's review of a stale page is.
    """
    config = current_app.config
    if correcting is not None:
        if correction_refused(correcting, inspector):
            raise InspectionLocked()
        submission.uuid = correcting.uuid
    if submission.uuid is not None and not claim_uuid(submission.uuid, inspector):
        return SubmissionResult("conflict", existing_inspection(submission.uuid))
    if correcting is not None:
        # Held as a review holds it (reviews/service.py): approved meanwhile, it stays so.
        db.session.refresh(correcting, with_for_update=True)
        if correction_refused(correcting, inspector):
            raise InspectionLocked()
        if seen_version is not None and seen_version != review_version(correcting):
            return SubmissionResult("stale", correcting)
    if correcting is None and submission.uuid is not None:
        found = existing_inspection(submission.uuid)
        if found is not None:
            same = submission.answers is not None and is_same_finding(
                found,
                venue,
                inspector,
                submission.answers,
                submission.position,
                [upload.fingerprint for upload in submission.uploads],
            )
            return SubmissionResult("exists" if same else "conflict", found)

    attached = {photo.path for photo in correcting.photos} if correcting is not None else set()
    photos, photo_errors = _keep_photos(submission, config, attached)
    if photos_required and correcting is None and not photos and not photo_errors:
        photo_errors.append(_l("Take at least one photo of the poster or the entrance."))
    if correcting is not None and not photo_errors:
        removed = {p.path for p in correcting.photos if p.id in submission.removed_photo_ids}
        added = {p.path for p in photos} - attached
        if removed and not (attached - removed) | added:
            photo_errors.append(_l("Keep at least one photo, or take a new one."))
    if submission.answers is None or photo_errors or submission.uuid is None:
        return SubmissionResult(
            "invalid",
            photo_errors=[str(e) for e in photo_errors],
            waiting_photos=[p for p in photos if p.path not in attached],
        )

    gps = gps_check(venue, submission.position)
    if correcting is not None:
        update_inspection(
            correcting,
            inspector,
            submission.answers,
            submission.position,
            gps,
            [p for p in photos if p.path not in attached],
            removed_photo_ids=submission.removed_photo_ids,
        )
        return SubmissionResult("updated", correcting)
    try:
        inspection, created = record_inspection(
            venue,
            inspector,
            submission.uuid,
            submission.answers,
            submission.device_time,
            submission.position,
            gps,
            photos,
            received_at=received_at,
        )
    except UuidTaken:
        return SubmissionResult("conflict", existing_inspection(submission.uuid))
    return SubmissionResult("created" if created else "exists", inspection)


def claim_uuid(inspection_uuid: str, inspector: User) -> bool:
    """Take the form's UUID for this request's transaction, before any file is stored;
    False when another inspector claimed it.

    The claim's row is updated (or inserted), which holds it until the transaction ends
    (a row lock on PostgreSQL, the write lock on SQLite): a post of the same UUID racing this
    one waits here, then finds what this one recorded.

    On PostgreSQL this relies on READ COMMITTED, its default: a racing UPDATE waits for
    the row lock and then sees the committed row; a racing INSERT waits for the other
    transaction's uncommitted row and fails as a duplicate once it is committed, and the
    UPDATE of the next attempt takes the claim. Each statement sees what was committed
    before it, so the look-ups after the claim find the other post's finding. Nothing is
    written before the claim in a request, so the rollback after a duplicate loses nothing.
    tests/test_outbox_api.py races posts on both engines.
    """
    now = clock.utcnow()
    for _attempt in range(3):
        updated = db.session.execute(
            update(InspectionClaim)
            .where(InspectionClaim.uuid == inspection_uuid)
            .values(claimed_at=now)
        )
        if updated.rowcount:
            claim = db.session.get(InspectionClaim, inspection_uuid, populate_existing=True)
            return claim.inspector_id == inspector.id
        db.session.add(InspectionClaim(uuid=inspection_uuid, inspector_id=inspector.id))
        try:
            db.session.flush()
            return True
        except IntegrityError:
            # Another request inserted the claim first; take it in turn once it is done.
            db.session.rollback()
    raise RuntimeError(f"the claim of {inspection_uuid} could not be taken")


def _keep_photos(
    submission: Submission, config, attached: set[str]
) -> tuple[list[StoredPhoto], list]:
    """Keep the uploads under the form's UUID; the finding's photos and the refusals.

    Photos are kept even when the answers are refused, so that the inspector does not
    take them again. Called with the UUID claimed; a file in `attached` (the recorded
    finding's) is never deleted.
    """
    errors = list(submission.upload_errors)
    if submission.uuid is None:
        return [], errors
    store = storage.area("photos")
    earlier = {photo.path for photo in kept_photos(store, submission.uuid)}
    if len(submission.uploads) > config["MAX_PHOTOS"]:
        # Refused before any is opened: decoding is the cost (a 40-megapixel image takes
        # most of a second), and no more than the limit could be kept anyway.
        photos = kept_photos(store, submission.uuid)
        errors.append(_too_many_photos(submission, config, len(submission.uploads), photos))
        return photos, errors
    for upload in submission.uploads:
        try:
            keep_photo(
                store,
                submission.uuid,
                upload,
                config["PHOTO_MAX_SIDE"],
                config["MAX_PHOTO_PIXELS"],
            )
        except PhotoError as error:
            errors.append(str(error))
    if submission.sends_all_photos:
        photos = keep_only(
            store,
            submission.uuid,
            {upload.fingerprint for upload in submission.uploads},
            protected=attached,
        )
    else:
        photos = kept_photos(store, submission.uuid)
    if len(photos) > config["MAX_PHOTOS"]:
        dropped = []
        if not submission.sends_all_photos:
            # The plain form cannot take a photo back: this post's are dropped (and the
            # inspector told so), the earlier ones stay.
            dropped = [photo for photo in photos if photo.path not in earlier]
            for photo in dropped:
                if photo.path not in attached:
                    store.delete(photo.path)
            photos = [photo for photo in photos if photo.path in earlier]
        errors.append(_too_many_photos(submission, config, len(dropped), photos))
    return photos, errors


def _too_many_photos(submission: Submission, config, sent: int, kept: list) -> str:
    """The refusal of photos past the limit: the outbox sends all a finding's photos each
    time; the plain form is told how many it may still add to those it kept."""
    if submission.sends_all_photos:
        return _l("At most %(n)s photos per inspection.", n=config["MAX_PHOTOS"])
    return _l(
        "At most %(n)s photos per inspection: the %(sent)s just sent were not kept."
        " Choose at most %(left)s.",
        n=config["MAX_PHOTOS"],
        sent=sent,
        left=max(0, config["MAX_PHOTOS"] - len(kept)),
    )


def _same_finding(
    inspection: Inspection,
    venue: Venue,
    inspector: User,
    answers: dict,
    position: Position,
    photos: list[StoredPhoto],
) -> Inspection:
    """The recorded finding, when this post repeats it; UuidTaken when it differs."""
    if not is_same_finding(
        inspection,
        venue,
        inspector,
        answers,
        position,
        [photo_fingerprint(photo.path) for photo in photos],
    ):
        raise UuidTaken(inspection.uuid)
    return inspection


def record_inspection(
    venue: Venue,
    inspector: User,
    inspection_uuid: str,
    answers: dict,
    device_time: datetime | None,
    position: Position,
    gps: GpsCheck,
    photos: list[StoredPhoto],
    received_at: datetime | None = None,
) -> tuple[Inspection, bool]:
    """Store a finding once, whatever the number of posts of its UUID.

    Returns the inspection and whether this call created it. A second post of
    the same UUID (double tap, retry after a lost answer) returns the first; one with other
    content, another venue or another inspector raises UuidTaken.
    """
    found = existing_inspection(inspection_uuid)
    if found is not None:
        return _same_finding(found, venue, inspector, answers, position, photos), False

    inspection = Inspection(
        uuid=inspection_uuid,
        venue_id=venue.id,
        inspector_id=inspector.id,
        content_hash=content_fingerprint(answers, position),
        device_time=device_time,
        server_time=received_at or clock.utcnow(),
    )
    _apply_answers(inspection, venue, answers, position, gps)
    inspection.photos = [
        InspectionPhoto(path=p.path, width=p.width, height=p.height, size_bytes=p.size_bytes)
        for p in photos
    ]
    db.session.add(inspection)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request stored the same UUID between our look-up and insert.
        db.session.rollback()
        found = existing_inspection(inspection_uuid)
        if found is None:
            raise
        return _same_finding(found, venue, inspector, answers, position, photos), False

    _refresh_venue_status(venue, inspection)
    close_for_inspection(inspection)
    finding_recorded(inspection)  # citizens' reports waiting on that assignment: ready
    record_change(inspection, "create", inspector, None, at=inspection.server_time)
    db.session.flush()
    return inspection, True


def _apply_answers(
    inspection: Inspection, venue: Venue, answers: dict, position: Position, gps: GpsCheck
) -> None:
    """Copy the answers onto the inspection and compute its outcome with the rule."""
    answers = complete(answers)
    for question in QUESTIONS:
        value = answers.get(question.name)
        if not question.applies_to(venue):  # e.g. the risk self-assessment of a shop
            value = None if question.skipped is KEEP_ANSWER else question.skipped
        setattr(inspection, question.name, stored_value(question, value))
    inspection.latitude, inspection.longitude = position.latitude, position.longitude
    inspection.gps_accuracy_m, inspection.gps_distance_m = position.accuracy_m, gps.distance_m
    inspection.gps_warnings = ",".join(gps.warnings)
    payload = inspection.scanned_payload
    inspection.scan_verdict = (
        judge_payload(venue.commune.district_id, venue, payload).verdict if payload else ""
    )
    assessment: Assessment = assess(outcome_answers(answers), venue.is_enterprise)
    inspection.outcome = assessment.outcome
    inspection.outcome_reasons = ",".join(assessment.reasons)


def _refresh_venue_status(venue: Venue, inspection: Inspection) -> None:
    """Keep the venue's last outcome and re-inspection date those of its newest finding.

    A finding that needs improvement or fails, with no re-inspection date of its own, keeps
    the venue's earlier date: the venue must not drop out of the follow-up lists because a
    date was left empty. A compliant finding without a date clears it."""
    if venue.last_inspected_at is None or venue.last_inspected_at <= inspection.server_time:
        venue.last_outcome = inspection.outcome
        venue.last_inspected_at = inspection.server_time
        if inspection.reinspection_due is not None or inspection.outcome == "compliant":
            venue.reinspection_due = inspection.reinspection_due


def update_inspection(
    inspection: Inspection,
    editor: User,
    answers: dict,
    position: Position,
    gps: GpsCheck,
    new_photos: list[StoredPhoto],
    removed_photo_ids: set[int] = frozenset(),
) -> None:
    """Correct a finding (usually one returned by the supervisor): it goes back for review.

    The recorded photos named in `removed_photo_ids` leave the finding and their files are
    deleted before the transaction commits: a file left behind under the form's UUID would
    be taken for a photo waiting to be attached, and come back with the next correction."""
    if correction_refused(inspection, editor):
        raise InspectionLocked()
    before = snapshot(inspection)
    _apply_answers(inspection, inspection.venue, answers, position, gps)
    removed = [photo for photo in inspection.photos if photo.id in removed_photo_ids]
    for photo in removed:
        inspection.photos.remove(photo)
    known = {photo.path for photo in inspection.photos}
    inspection.photos.extend(
        InspectionPhoto(path=p.path, width=p.width, height=p.height, size_bytes=p.size_bytes)
        for p in new_photos
        if p.path not in known
    )
    inspection.review_state = "pending"
    inspection.updated_at = clock.utcnow()
    _refresh_venue_status(inspection.venue, inspection)
    record_change(inspection, "edit", editor, before)
    db.session.flush()
    store = storage.area("photos")
    for photo in removed:
        store.delete(photo.path)


# An upload folder untouched for this long, that no finding refers to, is an orphan: a form
# never recorded, or the loser of a race. A finding being written is never that old.
ORPHAN_AGE = 24 * 3600  # seconds


@dataclass
class OrphanFolder:
    """A form's photos that no recorded finding uses: its prefix ("<uuid>/") and files."""

    prefix: str
    files: list[storage.Entry]

    @property
    def size(self) -> int:
        return sum(entry.size for entry in self.files)


def orphan_upload_folders(now: float) -> list[OrphanFolder]:
    """The photo folders (key prefixes) no recorded finding refers to, none of whose files
    changed in the ORPHAN_AGE before `now` (a time.time() value: the storage's file times
    are compared with it), from the photos' store, local or object storage alike."""
    used = set(db.session.scalars(select(Inspection.uuid)))
    used |= {path.split("/")[0] for path in db.session.scalars(select(InspectionPhoto.path))}
    folders: dict[str, list[storage.Entry]] = {}
    for entry in storage.area("photos").entries():
        name, slash, _rest = entry.key.partition("/")
        if slash and _is_uuid(name) and name not in used:
            folders.setdefault(photo_prefix(name), []).append(entry)
    return [
        OrphanFolder(prefix, files)
        for prefix, files in sorted(folders.items())
        if max(entry.modified for entry in files) < now - ORPHAN_AGE
    ]


def remove_orphan(orphan: OrphanFolder) -> None:
    """Delete an orphan folder's files."""
    store = storage.area("photos")
    for entry in orphan.files:
        store.delete(entry.key)


def _is_uuid(name: str) -> bool:
    try:
        return str(uuid_module.UUID(name)) == name
    except ValueError:
        return False
