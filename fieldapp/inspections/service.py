"""Recording an inspection: the one way a finding gets into the database."""
import hashlib
import json
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fieldapp import clock
from fieldapp.assignments.service import close_for_inspection
from fieldapp.audit import record_change, snapshot
from fieldapp.extensions import db
from fieldapp.geo import distance_m
from fieldapp.inspections.outcome import Assessment, Checklist, assess
from fieldapp.inspections.photos import StoredPhoto, photo_fingerprint
from fieldapp.models import Inspection, InspectionPhoto, User, Venue
from fieldapp.posters.service import judge_payload

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


def check_position(venue: Venue, position: Position, max_accuracy_m: float,
                   max_distance_m: float) -> GpsCheck:
    """Warn when the fix is missing, imprecise, or far from the venue's registered spot."""
    if not position.has_fix:
        return GpsCheck(None, ["no_fix"])
    warnings = []
    if position.accuracy_m is None or position.accuracy_m > max_accuracy_m:
        warnings.append("low_accuracy")
    distance = None
    if venue.has_position:
        distance = distance_m(position.latitude, position.longitude,
                              venue.latitude, venue.longitude)
        if distance > max_distance_m:
            warnings.append("far_from_venue")
    return GpsCheck(distance, warnings)


class UuidTaken(Exception):
    """The UUID belongs to another venue's or another inspector's inspection."""


def content_fingerprint(checklist: Checklist, position: Position) -> str:
    """A hash of everything the inspector answered, the same for every retry of a form."""
    answers = asdict(checklist)
    # The phone's clock is set when each tab sends: two tabs sending one draft differ only there.
    answers.pop("device_time")
    answers["position"] = [position.latitude, position.longitude, position.accuracy_m]
    canonical = json.dumps(answers, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def is_replay(inspection: Inspection, checklist: Checklist, position: Position,
              photo_fingerprints: list[str]) -> bool:
    """True when a post repeats the stored finding: same answers, no photo it lacks."""
    stored = {photo_fingerprint(photo.path) for photo in inspection.photos}
    return inspection.content_hash == content_fingerprint(checklist, position) \
        and set(photo_fingerprints) <= stored


def existing_inspection(inspection_uuid: str) -> Inspection | None:
    return db.session.scalar(select(Inspection).where(Inspection.uuid == inspection_uuid))


def _same_visit(inspection: Inspection, venue: Venue, inspector: User) -> Inspection:
    if inspection.venue_id != venue.id or inspection.inspector_id != inspector.id:
        raise UuidTaken(inspection.uuid)
    return inspection


def record_inspection(venue: Venue, inspector: User, inspection_uuid: str,
                      checklist: Checklist, position: Position, gps: GpsCheck,
                      photos: list[StoredPhoto]) -> tuple[Inspection, bool]:
    """Store a finding once, whatever the number of posts of its UUID.

    Returns the inspection and whether this call created it. A second post of
    the same UUID (double tap, retry after a lost answer) returns the first.
    """
    found = existing_inspection(inspection_uuid)
    if found is not None:
        return _same_visit(found, venue, inspector), False

    inspection = Inspection(uuid=inspection_uuid, venue_id=venue.id, inspector_id=inspector.id,
                            content_hash=content_fingerprint(checklist, position),
                            device_time=checklist.device_time, server_time=clock.utcnow())
    _apply_answers(inspection, venue, checklist, position, gps)
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
        return _same_visit(found, venue, inspector), False

    _refresh_venue_status(venue, inspection)
    close_for_inspection(inspection)
    record_change(inspection, "create", inspector, None)
    db.session.flush()
    return inspection, True


def _apply_answers(inspection: Inspection, venue: Venue, checklist: Checklist,
                   position: Position, gps: GpsCheck) -> None:
    """Copy the answers onto the inspection and compute its outcome with the rule."""
    assessment: Assessment = assess(checklist, venue.is_enterprise)
    c = checklist
    inspection.latitude, inspection.longitude = position.latitude, position.longitude
    inspection.gps_accuracy_m, inspection.gps_distance_m = position.accuracy_m, gps.distance_m
    inspection.gps_warnings = ",".join(gps.warnings)
    inspection.qr_posted, inspection.qr_size_ok = c.qr_posted, c.qr_size_ok
    inspection.qr_matches, inspection.checkin_method = c.qr_matches, c.checkin_method
    inspection.staff_assigned = c.staff_assigned
    inspection.staff_name, inspection.staff_phone = c.staff_name, c.staff_phone
    inspection.visitors_observed, inspection.visitors_scanned = c.visitors_observed, c.visitors_scanned
    inspection.venue_scan_count = c.venue_scan_count
    inspection.staff_total, inspection.staff_with_app = c.staff_total, c.staff_with_app
    inspection.paper_fallback = c.paper_fallback
    inspection.risk_assessment_done = c.risk_assessment_done if venue.is_enterprise else None
    inspection.actions = ",".join(c.actions)
    inspection.reinspection_due, inspection.notes = c.reinspection_due, c.notes
    inspection.scanned_payload = c.scanned_payload
    inspection.scan_verdict = judge_payload(venue.commune.district_id, venue,
                                            c.scanned_payload).verdict if c.scanned_payload else ""
    inspection.outcome = assessment.outcome
    inspection.outcome_reasons = ",".join(assessment.reasons)


def _refresh_venue_status(venue: Venue, inspection: Inspection) -> None:
    """Keep the venue's last outcome and re-inspection date those of its newest finding."""
    if venue.last_inspected_at is None or venue.last_inspected_at <= inspection.server_time:
        venue.last_outcome = inspection.outcome
        venue.last_inspected_at = inspection.server_time
        venue.reinspection_due = inspection.reinspection_due


class InspectionLocked(Exception):
    """An approved inspection, or someone else's: it cannot be edited."""


def update_inspection(inspection: Inspection, editor: User, checklist: Checklist,
                      position: Position, gps: GpsCheck, new_photos: list[StoredPhoto]) -> None:
    """Correct a finding (usually one returned by the supervisor): it goes back for review."""
    if inspection.review_state == "approved" or inspection.inspector_id != editor.id:
        raise InspectionLocked()
    before = snapshot(inspection)
    _apply_answers(inspection, inspection.venue, checklist, position, gps)
    known = {photo.path for photo in inspection.photos}
    inspection.photos.extend(
        InspectionPhoto(path=p.path, width=p.width, height=p.height, size_bytes=p.size_bytes)
        for p in new_photos if p.path not in known)
    inspection.review_state = "pending"
    inspection.updated_at = clock.utcnow()
    _refresh_venue_status(inspection.venue, inspection)
    record_change(inspection, "edit", editor, before)
    db.session.flush()
