"""Recording changes to inspections and venues: who, when, before and after, and what
each audited field is called on screen."""

import json
from datetime import date, datetime

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.inspections.checklist import BY_NAME as CHECKLIST
from fieldapp.inspections.checklist import QUESTION_NAMES
from fieldapp.inspections.labels import OUTCOME_LABELS
from fieldapp.models import AuditEntry, Commune, Inspection, User, Venue
from fieldapp.reviews.labels import REVIEW_LABELS
from fieldapp.venues.forms import VenueForm
from fieldapp.venues.labels import VENUE_TYPE_LABELS

# Every checklist answer, then what the inspector does not answer but the audit follows.
INSPECTION_FIELDS = (
    *QUESTION_NAMES,
    "latitude",
    "longitude",
    "gps_accuracy_m",
    "outcome",
    "review_state",
    "review_comment",
)
VENUE_FIELDS = (
    "code",
    "name",
    "venue_type",
    "address",
    "commune_id",
    "latitude",
    "longitude",
    "contact_name",
    "contact_phone",
    "qr_payload",
    "is_active",
)
AUDIT_ACTION_LABELS = {
    "create": _l("Recorded"),
    "edit": _l("Corrected"),
    "review": _l("Reviewed"),
    "delete": _l("Deleted"),
}
# The events of the audit trail, as its screen names them.
EVENT_ACTION_LABELS = {
    "login": _l("Logged in"),
    "login_failed": _l("Failed log-in"),
    "login_limited": _l("Log-in refused: too many attempts"),
    "logout": _l("Logged out"),
    "user_created": _l("Account created"),
    "user_edited": _l("Account changed"),
    "user_disabled": _l("Account disabled"),
    "user_enabled": _l("Account enabled"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset"),
    "export": _l("Report exported"),
    "figures_saved": _l("Figures saved"),
    "figures_removed": _l("Figures removed"),
    "venues_imported": _l("Venues imported"),
    "places_imported": _l("Communes registered"),
    "poster_issued": _l("Poster issued"),
    "poster_printed": _l("Poster printed"),
    "poster_delivered": _l("Poster delivered"),
    "payload_issued": _l("App QR code issued"),
    "letter_template_saved": _l("Letter template saved"),
    "letter_edited": _l("Letter edited"),
    "letter_reverted": _l("Letter back to the draft"),
    "deadline_changed": _l("Report deadline changed"),
    "assignment_created": _l("Venue assigned"),
    "assignment_reassigned": _l("Assignment reassigned"),
    "assignment_cancelled": _l("Assignment cancelled"),
}
ALL_ACTION_LABELS = {**AUDIT_ACTION_LABELS, **EVENT_ACTION_LABELS}
TRAIL_PAGE_SIZE = 30
# The words of audited codes that are not a checklist question's choices.
VALUE_LABELS = {
    "outcome": OUTCOME_LABELS,
    "review_state": REVIEW_LABELS,
    "venue_type": VENUE_TYPE_LABELS,
}
# Audited fields that are not a question of the checklist or of the venue form.
OTHER_FIELD_LABELS = {
    "outcome": _l("Outcome"),
    "review_state": _l("Review"),
    "review_comment": _l("Review comment"),
    "gps_accuracy_m": _l("GPS accuracy (m)"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "code": _l("Venue code"),
    "is_active": _l("Open"),
}


def field_label(name: str) -> str:
    """What an audited field is called on screen: the checklist's or the venue form's own
    question where it has one."""
    if name in OTHER_FIELD_LABELS:
        return str(OTHER_FIELD_LABELS[name])
    if name in CHECKLIST:
        return str(CHECKLIST[name].label)
    unbound = getattr(VenueForm, name, None)
    if unbound is not None and unbound.args:
        return str(unbound.args[0])
    return name


def field_value(name: str, value) -> str:
    """An audited value as the screen words it: a choice's label, yes or no, a day, a
    commune's name; "—" for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    question = CHECKLIST.get(name)
    labels = VALUE_LABELS.get(name) or (question.choices if question else None)
    if labels and question is not None and question.kind == "actions":
        return ", ".join(str(labels.get(code, code)) for code in str(value).split(",") if code)
    if labels:
        return str(labels.get(value, value))
    if name == "commune_id":
        commune = db.session.get(Commune, value)
        return commune.name if commune else str(value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return clock.day_text(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


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
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }
    if not changes and action == "edit":
        return None
    entry = AuditEntry(
        entity="inspection" if isinstance(record, Inspection) else "venue",
        entity_id=record.id,
        action=action,
        user_id=user.id if user else None,
        changes=json.dumps(changes, ensure_ascii=False),
    )
    db.session.add(entry)
    return entry


def _address() -> str | None:
    """The client's address, cut to its column (45 characters: an IPv6 address written
    with an IPv4 tail); a longer one (a zone index, a proxy's odd header) is kept cut."""
    if not has_request_context() or request.remote_addr is None:
        return None
    return request.remote_addr[: AuditEntry.address.type.length]


def record_event(
    action: str,
    user: User | None,
    *,
    entity: str | None = None,
    entity_id: int | None = None,
    changes: dict | None = None,
    detail: dict | None = None,
    district_id: int | None = None,
) -> AuditEntry:
    """Add an audit entry for an event (a log-in, an export, figures imported...): who,
    from which address, when, and its details as JSON values (never as lines, which free
    text could forge). The district is the user's unless given."""
    if district_id is None and user is not None:
        district_id = user.district_id
    entry = AuditEntry(
        entity=entity or action.split("_")[0],
        entity_id=entity_id,
        action=action,
        user_id=user.id if user else None,
        changes=json.dumps(changes or {}, ensure_ascii=False),
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        address=_address(),
        district_id=district_id,
        at=clock.utcnow(),
    )
    db.session.add(entry)
    return entry


def history(record) -> list[AuditEntry]:
    """A record's audit entries, newest first."""
    entity = "inspection" if isinstance(record, Inspection) else "venue"
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == record.id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        )
    )


def trail_query(
    district_ids: list[int],
    *,
    user_id: int | None = None,
    action: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
) -> Select:
    """The audit entries of these districts, newest first, filtered. An entry about an
    inspection or venue belongs to its district through the record when it has none."""
    inspection_districts = (
        select(Commune.district_id)
        .join(Venue, Venue.commune_id == Commune.id)
        .join(Inspection, Inspection.venue_id == Venue.id)
        .where(Inspection.id == AuditEntry.entity_id)
        .scalar_subquery()
    )
    venue_districts = (
        select(Commune.district_id)
        .join(Venue, Venue.commune_id == Commune.id)
        .where(Venue.id == AuditEntry.entity_id)
        .scalar_subquery()
    )
    query = select(AuditEntry).where(
        AuditEntry.district_id.in_(district_ids)
        | (
            AuditEntry.district_id.is_(None)
            & (
                ((AuditEntry.entity == "inspection") & inspection_districts.in_(district_ids))
                | ((AuditEntry.entity == "venue") & venue_districts.in_(district_ids))
            )
        )
    )
    if user_id is not None:
        query = query.where(AuditEntry.user_id == user_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    if end is not None:
        query = query.where(AuditEntry.at < end)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
