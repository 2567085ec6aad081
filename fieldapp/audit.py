"""Recording changes to inspections and venues: who, when, before and after."""
import json
from datetime import date, datetime

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEntry, Inspection, User

INSPECTION_FIELDS = (
    "qr_posted", "qr_size_ok", "qr_matches", "checkin_method", "staff_assigned", "staff_name",
    "staff_phone", "visitors_observed", "visitors_scanned", "venue_scan_count", "staff_total",
    "staff_with_app", "paper_fallback", "risk_assessment_done", "actions", "reinspection_due",
    "notes", "latitude", "longitude", "gps_accuracy_m", "scanned_payload", "outcome",
    "review_state", "review_comment",
)
VENUE_FIELDS = ("code", "name", "venue_type", "address", "commune_id", "latitude", "longitude",
                "contact_name", "contact_phone", "qr_payload", "is_active")


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def snapshot(record) -> dict:
    """The audited fields of an inspection or venue, as JSON-ready values."""
    fields = INSPECTION_FIELDS if isinstance(record, Inspection) else VENUE_FIELDS
    return {name: _plain(getattr(record, name)) for name in fields}


def record_change(record, action: str, user: User | None, before: dict | None) -> AuditEntry | None:
    """Add an audit entry for a record after a change; None when nothing changed."""
    after = snapshot(record)
    before = before or {}
    changes = {name: [before.get(name), value] for name, value in after.items()
               if before.get(name) != value}
    if not changes and action == "edit":
        return None
    entry = AuditEntry(entity="inspection" if isinstance(record, Inspection) else "venue",
                       entity_id=record.id, action=action, user_id=user.id if user else None,
                       changes=json.dumps(changes, ensure_ascii=False))
    db.session.add(entry)
    return entry


def history(record) -> list[AuditEntry]:
    """A record's audit entries, newest first."""
    entity = "inspection" if isinstance(record, Inspection) else "venue"
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == record.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())))
