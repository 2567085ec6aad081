"""Recording an inspection: the one way a finding gets into the database."""
import hashlib
import json
import math
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fieldapp.extensions import db
from fieldapp.inspections.outcome import Assessment, Checklist, assess
from fieldapp.inspections.photos import StoredPhoto, photo_fingerprint
from fieldapp.models import Inspection, InspectionPhoto, User, Venue
from fieldapp.posters.service import judge_payload

EARTH_RADIUS_M = 6_371_000


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


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


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

    assessment: Assessment = assess(checklist, venue.is_enterprise)
    inspection = Inspection(
        uuid=inspection_uuid, venue_id=venue.id, inspector_id=inspector.id,
        content_hash=content_fingerprint(checklist, position),
        device_time=checklist.device_time, server_time=datetime.utcnow(),
        latitude=position.latitude, longitude=position.longitude,
        gps_accuracy_m=position.accuracy_m, gps_distance_m=gps.distance_m,
        gps_warnings=",".join(gps.warnings),
        qr_posted=checklist.qr_posted, qr_size_ok=checklist.qr_size_ok,
        qr_matches=checklist.qr_matches, checkin_method=checklist.checkin_method,
        staff_assigned=checklist.staff_assigned, staff_name=checklist.staff_name,
        staff_phone=checklist.staff_phone, visitors_observed=checklist.visitors_observed,
        visitors_scanned=checklist.visitors_scanned,
        venue_scan_count=checklist.venue_scan_count, staff_total=checklist.staff_total,
        staff_with_app=checklist.staff_with_app, paper_fallback=checklist.paper_fallback,
        risk_assessment_done=checklist.risk_assessment_done if venue.is_enterprise else None,
        actions=",".join(checklist.actions), reinspection_due=checklist.reinspection_due,
        notes=checklist.notes, outcome=assessment.outcome,
        scanned_payload=checklist.scanned_payload,
        scan_verdict=judge_payload(venue.commune.district_id, venue,
                                   checklist.scanned_payload).verdict
        if checklist.scanned_payload else "",
        outcome_reasons=",".join(assessment.reasons),
    )
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

    if venue.last_inspected_at is None or venue.last_inspected_at <= inspection.server_time:
        venue.last_outcome = inspection.outcome
        venue.last_inspected_at = inspection.server_time
        venue.reinspection_due = inspection.reinspection_due
    db.session.flush()
    return inspection, True
