"""Recording changes to inspections and venues: who, when, before and after, and what
each audited field is called on screen."""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import has_request_context, request, url_for
from flask_babel import format_decimal, lazy_pgettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from fieldapp import clock
from fieldapp.access import SCREEN_SCOPES
from fieldapp.citizens.labels import CHANNEL_LABELS as CITIZEN_REPORT_CHANNEL_LABELS
from fieldapp.citizens.labels import REPORTER_LABELS as CITIZEN_REPORTER_LABELS
from fieldapp.citizens.labels import STATE_LABELS as CITIZEN_REPORT_STATE_LABELS
from fieldapp.extensions import db
from fieldapp.inspections.checklist import QUESTION_NAMES, QUESTIONS
from fieldapp.inspections.labels import OUTCOME_LABELS
from fieldapp.models import (
    Assignment,
    AuditEntry,
    CitizenReport,
    Commune,
    Inspection,
    LetterTemplate,
    Poster,
    PosterBatch,
    User,
    Venue,
)
from fieldapp.posters.labels import POSTER_REASON_LABELS, POSTER_STATE_LABELS, batch_title
from fieldapp.reports.labels import LEVEL_LABELS, WEEKDAY_LABELS
from fieldapp.reviews.labels import REVIEW_LABELS
from fieldapp.users.labels import ROLE_LABELS, SCOPE_LABELS
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
    "photo_count",
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
    # venue: an admin closing and reopening a venue from its page.
    "venue_closed": _l("Venue closed"),
    "venue_reopened": _l("Venue reopened"),
}
# The events of the audit trail, as its screen names them.
EVENT_ACTION_LABELS = {
    "login": _l("Logged in"),
    "login_failed": _l("Failed log-in"),
    "login_limited": _l("Log-in refused: too many attempts"),
    "login_locked": _l("Log-in refused: account locked"),
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
    "citizen_reports_imported": _l("Citizens' reports imported"),
    "places_imported": _l("Communes registered"),
    "poster_issued": _l("Poster issued"),
    "poster_printed": _l("Poster printed"),
    "poster_delivered": _l("Poster delivered"),
    "poster_delivery_undone": _l("Poster delivery undone"),
    "payload_issued": _l("App QR code issued"),
    "letter_template_saved": _l("Letter template saved"),
    "letter_edited": _l("Letter edited"),
    "letter_reverted": _l("Letter back to the draft"),
    # The district's letter marked as sent to the province, and undone (letters/sending.py).
    "letter_sent": _l("Letter marked as sent"),
    "letter_unsent": _l("Letter's sent mark undone"),
    "deadline_changed": _l("Report deadline changed"),
    "assignment_created": _l("Venue assigned"),
    "assignment_reassigned": _l("Assignment reassigned"),
    "assignment_cancelled": _l("Assignment cancelled"),
    # A citizen's report handled by the office (fieldapp/citizens/service.py).
    "citizen_report_received": _l("Report received"),
    "citizen_report_joined": _l("Reported again (+1)"),
    "citizen_report_assigned": _l("Inspection assigned for the report"),
    "citizen_report_ready": _l("Finding recorded: ready to answer"),
    "citizen_report_resolved": _l("Report answered"),
    "citizen_report_rejected": _l("Report rejected"),
    "citizen_report_venue": _l("Venue named for the report"),
    "holiday_added": _l("Holiday added"),
    "holiday_removed": _l("Holiday removed"),
}
ALL_ACTION_LABELS = {**AUDIT_ACTION_LABELS, **EVENT_ACTION_LABELS}
TRAIL_PAGE_SIZE = 30


# How an audited field and its values are worded on screen: one row per field name. A value
# is worded by `words`: a mapping of codes to labels (a list of codes, or codes joined by
# commas, is worded label by label), or a function of the value; without `words`, by what
# it is (yes or no, a day as DD/MM/YYYY, a list joined). The database keeps raw values.
# `link`, when given, is a function of the value and the reader giving the address of the
# record it names, when it exists and the reader may open it (None otherwise).
@dataclass(frozen=True)
class AuditField:
    label: Any
    words: Mapping | Callable[[Any], str] | None = None
    link: Callable[[Any, User], str | None] | None = None


def _get(model, record_id):
    """A record by its number as the entry stored it; None when it is not one or is gone."""
    return db.session.get(model, record_id) if isinstance(record_id, int) else None


def _sees_venue(venue: Venue | None, reader: User) -> bool:
    return venue is not None and venue.commune.district_id in reader.district_ids


def _venue_link(venue_id, reader: User) -> str | None:
    """A venue's page (every role opens the venues of its districts)."""
    venue = _get(Venue, venue_id)
    return url_for("venues.show", venue_id=venue.id) if _sees_venue(venue, reader) else None


def _venue_code_link(code, reader: User) -> str | None:
    """The page of the venue with this code ("QS-00001")."""
    venue = db.session.scalar(select(Venue).where(Venue.code == str(code)))
    return url_for("venues.show", venue_id=venue.id) if _sees_venue(venue, reader) else None


def _inspection_link(inspection_id, reader: User) -> str | None:
    inspection = _get(Inspection, inspection_id)
    if inspection is None or not _sees_venue(inspection.venue, reader):
        return None
    return url_for("inspections.show", inspection_id=inspection.id)


def _assignment_words(assignment_id) -> str:
    """An assignment by whom and by when ("Lò Văn Thành, due 08/12/2026"), never its bare
    number, which reads as a count; "no. 17" only when it is gone."""
    assignment = _get(Assignment, assignment_id)
    if assignment is None:
        return _number_words(assignment_id)
    return str(_l("%(name)s, due %(date)s")) % {
        "name": assignment.inspector.display_name,
        "date": clock.day_text(assignment.due_date),
    }


def _assignment_link(assignment_id, reader: User) -> str | None:
    """The assigned venue's page, which shows its open assignment."""
    assignment = _get(Assignment, assignment_id)
    return _venue_link(assignment.venue_id, reader) if assignment else None


def _venue_name(venue: Venue) -> str:
    """A venue as officials know it: "QS-SH-0012 · Nhà văn hóa bản Bơ"."""
    return f"{venue.code} · {venue.name}"


def _venue_words(venue_id) -> str:
    """A venue by its code and name, never its bare number."""
    venue = _get(Venue, venue_id)
    return _venue_name(venue) if venue else _number_words(venue_id)


def _assignment_full_words(assignment_id) -> str:
    """An assignment with its venue ("QS-SH-0012 · Nhà văn hóa bản Bơ: Lò Văn Thành, due
    08/12/2026"); "no. 17" only when it is gone."""
    assignment = _get(Assignment, assignment_id)
    if assignment is None:
        return _number_words(assignment_id)
    return f"{_venue_name(assignment.venue)}: {_assignment_words(assignment_id)}"


def _inspection_words(inspection_id) -> str:
    """A finding by its inspector and day ("Lò Văn Thành, 08/12/2026")."""
    inspection = _get(Inspection, inspection_id)
    if inspection is None:
        return _number_words(inspection_id)
    return f"{inspection.inspector.display_name}, {clock.day_text(inspection.server_time)}"


def _citizen_report_link(report_id, reader: User) -> str | None:
    report = _get(CitizenReport, report_id)
    if report is None or not reader.works_in_office:
        return None
    if report.commune.district_id not in reader.district_ids:
        return None
    return url_for("citizens.show", report_id=report.id)


def _poster_link(poster_id, reader: User) -> str | None:
    """A poster is shown in its venue's history, on the venue's page."""
    poster = _get(Poster, poster_id)
    return _venue_link(poster.venue_id, reader) if poster else None


def _account_link(user_id, reader: User) -> str | None:
    """An account's page, for the admins who manage it (access.user_or_404's rule)."""
    user = _get(User, user_id)
    if user is None or not reader.can_administer or user.district_id not in reader.district_ids:
        return None
    return url_for("users.edit", user_id=user.id) if user.scope in SCREEN_SCOPES else None


def _letter_template_link(template_id, reader: User) -> str | None:
    template = _get(LetterTemplate, template_id)
    if template is None or not reader.works_in_office:
        return None
    if template.district_id not in reader.district_ids:
        return None
    return url_for("letters.template", district_id=template.district_id)


def _commune_name(commune_id) -> str:
    commune = _get(Commune, commune_id)
    return commune.name if commune else str(commune_id)


def _batch(value) -> PosterBatch | None:
    return _get(PosterBatch, value)


def _batch_words(value) -> str:
    """A print batch by its title and number ("Bản in mã QR xã Sơn Hà (số 3)"); its number
    alone when it is no longer found."""
    number = _number_words(value)
    batch = _batch(value)
    return f"{batch_title(batch)} ({number})" if batch else number


def _batch_link(value, reader: User) -> str | None:
    batch = _batch(value)
    if batch is None or not reader.works_in_office or batch.district_id not in reader.district_ids:
        return None
    return url_for("posters.batch", batch_id=batch.id)


def _month(value) -> str:
    """2021-11 as 11/2021."""
    text = str(value)
    return f"{text[5:7]}/{text[:4]}" if len(text) == 7 and text[4] == "-" else text


def _moment_words(value) -> str:
    """A moment (stored UTC, ISO: a report received, a poster marked delivered) as Vietnam's
    clock reads it."""
    try:
        return clock.moment_text(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _number_words(value) -> str:
    """A record's number: "no. 12"."""
    return str(_l("no. %(number)s")) % {"number": value}


# A figures' import leaves out a commune's optional counts: their names, as the import's
# columns say them (fieldapp/reports/figures.py, OPTIONAL_COUNTS; it imports this module).
FIGURE_NAMES = {"installs": _l("PC-Covid installs"), "smartphones": _l("Smartphones")}


def _omitted_words(value) -> str:
    """Communes and the counts the file left out: "Sơn Hà: Smartphones; Na Mèo: ..."."""
    if not isinstance(value, Mapping):
        return _plain_words(value)
    return "; ".join(
        f"{commune}: {_code_words(FIGURE_NAMES, names)}" for commune, names in value.items()
    )


# Figures removed on the figures form (fieldapp/reports/figures.py save_typed_figures):
# each commune's counts as they were, so that a removal by mistake can be typed again.
REMOVED_COUNT_NAMES = {
    "venues_with_qr": _l("Venues with a QR code"),
    "scans": _l("Total scans"),
    **FIGURE_NAMES,
}


def _removed_words(value) -> str:
    """ "Sơn Lư: Venues with a QR code 37, Total scans 18.618, ...; Na Mèo: ..."."""
    if not isinstance(value, Mapping):
        return _plain_words(value)
    parts = []
    for commune, counts in value.items():
        if not isinstance(counts, Mapping):
            parts.append(f"{commune}: {_plain_words(counts)}")
            continue
        said = ", ".join(
            f"{REMOVED_COUNT_NAMES.get(name, name)} {_count_words(count)}"
            for name, count in counts.items()
        )
        parts.append(f"{commune}: {said}")
    return "; ".join(parts)


def _count_words(count) -> str:
    """A count in the reader's language ("18.618" in Vietnamese); "—" for none."""
    if count is None:
        return "—"
    if isinstance(count, int) and not isinstance(count, bool):
        return format_decimal(count, format="#,##0")
    return str(count)


def _venue_label(name: str):
    """The venue form's label of a field; the name itself when the form has none."""
    unbound = getattr(VenueForm, name, None)
    return unbound.args[0] if unbound is not None and unbound.args else name


def _question_row(question) -> AuditField:
    return AuditField(question.label, question.choices)


FIELDS: dict[str, AuditField] = {
    # The checklist's answers, by its own questions and choices.
    **{question.name: _question_row(question) for question in QUESTIONS},
    # What the inspector does not answer but the audit follows.
    "outcome": AuditField(_l("Outcome"), OUTCOME_LABELS),
    "review_state": AuditField(_l("Review"), REVIEW_LABELS),
    "review_comment": AuditField(_l("Review comment")),
    "gps_accuracy_m": AuditField(_l("GPS accuracy (m)")),
    "latitude": AuditField(_l("Latitude")),
    "longitude": AuditField(_l("Longitude")),
    # A venue: the venue form's own questions where it has one.
    **{name: AuditField(_venue_label(name)) for name in VENUE_FIELDS},
    "code": AuditField(_l("Venue code")),
    "venue_type": AuditField(_venue_label("venue_type"), VENUE_TYPE_LABELS),
    "commune_id": AuditField(_venue_label("commune_id"), _commune_name),
    "is_active": AuditField(_l("Open")),
    "closed_reason": AuditField(_l("Reason for closing")),
    # Events' details (the /audit screen).
    "username": AuditField(_l("Username")),
    "display_name": AuditField(_l("Full name")),
    "role": AuditField(_l("Role"), ROLE_LABELS),
    "scope": AuditField(_l("Sees"), SCOPE_LABELS),
    "photo_count": AuditField(_l("Number of photos")),
    "serial": AuditField(_l("Poster number")),
    # A venue by its code (a poster's, an app-issued code's); linked to its page.
    "venue": AuditField(_l("Venue"), link=_venue_code_link),
    "payload": AuditField(_l("App-issued code")),
    "delivered_at": AuditField(_l("Marked delivered at"), _moment_words),
    "reason": AuditField(_l("Reason")),
    "printed": AuditField(_l("Printed at once")),
    "file": AuditField(_l("File")),
    "source": AuditField(_l("File")),
    "imported": AuditField(_l("Added")),
    "updated": AuditField(_l("Updated")),
    "communes": AuditField(_l("Communes")),
    "overwritten": AuditField(_l("Replaced figures of")),
    "unchanged": AuditField(_l("Same figures as before")),
    "from_elsewhere": AuditField(_l("Opened from a link on another site")),
    "date": AuditField(_l("Report date")),
    "report_date": AuditField(_l("Report date")),
    "month": AuditField(_l("Month"), _month),
    "format": AuditField(_l("Format"), lambda value: str(value).upper()),
    "level": AuditField(_l("Level"), LEVEL_LABELS),
    "area": AuditField(_l("Area")),
    "province": AuditField(_l("Province")),
    "weekday": AuditField(_l("Report weekday"), dict(enumerate(WEEKDAY_LABELS))),
    "time": AuditField(_l("Time")),
    "os_user": AuditField(_l("Server account")),
    # A poster printed in a batch (posters/service.py: "batch" is the batch's id).
    "batch": AuditField(_l("Print batch"), _batch_words, _batch_link),
    "as": AuditField(_l("Run for")),
    # A figures' import (fieldapp/reports/figures.py): the counts a file left out.
    "removed_figures": AuditField(_l("Removed: counts not in the file"), _omitted_words),
    "kept_figures": AuditField(_l("Kept: counts not in the file"), _omitted_words),
    # Figures removed on the figures form: the counts removed, commune by commune.
    "removed_counts": AuditField(_l("The figures removed"), _removed_words),
    # An assignment (fieldapp/assignments/service.py).
    # By its venue, inspector and due date; "số 17" only when it is gone (never "Số việc
    # giao: 17", which reads as a count).
    "assignment": AuditField(_l("Assigned inspection"), _assignment_full_words, _assignment_link),
    "inspector": AuditField(_l("Inspector")),
    "due_date": AuditField(_l("Due date")),
    "note": AuditField(_l("Note")),
    "reassigned_to": AuditField(_l("Reassigned to")),
}
# Where a field's name means something else for one kind of record: (entity, name).
ENTITY_FIELDS: dict[tuple[str, str], AuditField] = {
    ("poster", "reason"): AuditField(_l("Reason"), POSTER_REASON_LABELS),
    ("poster", "state"): AuditField(_l("State"), POSTER_STATE_LABELS),
    # A citizen's report (fieldapp/citizens/service.py).
    ("citizen_report", "state"): AuditField(_l("State"), CITIZEN_REPORT_STATE_LABELS),
    ("citizen_report", "public_answer"): AuditField(_l("Public answer")),
    ("citizen_report", "reject_reason"): AuditField(_l("Reason for rejecting")),
    # "Mã theo dõi", as every sentence to the citizen says it (the bare "Tracking code" said
    # "Mã tra cứu").
    ("citizen_report", "tracking_code"): AuditField(
        lazy_pgettext("citizen report", "Tracking code")
    ),
    # The records a report points to, named (a bare number read as a count: "Số việc giao:
    # — → 17").
    ("citizen_report", "assignment_id"): AuditField(
        _l("Assigned inspection"), _assignment_words, _assignment_link
    ),
    ("citizen_report", "inspection_id"): AuditField(
        _l("Finding"), _inspection_words, _inspection_link
    ),
    ("citizen_report", "venue_id"): AuditField(_l("Venue"), _venue_words, _venue_link),
    # Closing a report while its inspection was assigned (citizens/service._settle_assignment).
    ("citizen_report", "assignment_cancelled"): AuditField(
        _l("Assignment cancelled"), _assignment_words, _assignment_link
    ),
    ("citizen_report", "assignment_kept"): AuditField(
        _l("Assignment left open"), _assignment_words, _assignment_link
    ),
    ("citizen_report", "inspector"): AuditField(_l("Inspector")),
    ("citizen_report", "due_date"): AuditField(_l("Answer by")),  # as its page says
    ("citizen_report", "channel"): AuditField(_l("Channel"), CITIZEN_REPORT_CHANNEL_LABELS),
    ("citizen_report", "received_at"): AuditField(_l("Received"), _moment_words),
    ("citizen_report", "also_reported"): AuditField(_l("Also reported by")),
    ("citizen_report", "source_ref"): AuditField(_l("Reference in the national system")),
    # An import of the national system's reports (fieldapp/citizens/importer.py).
    ("citizen_report", "created"): AuditField(_l("New reports")),
    ("citizen_report", "joined"): AuditField(_l("Joined to an open report (+1)")),
    ("citizen_report", "known"): AuditField(_l("Imported before: skipped")),
    ("citizen_report", "refused"): AuditField(_l("Rows refused")),
    ("holiday", "date"): AuditField(_l("Day")),
    ("holiday", "name"): AuditField(_l("Holiday")),
}


def describe_fields(rows: Mapping[str, AuditField], entity: str | None = None) -> None:
    """Add rows to the table, from a module the audit cannot import (one that records its
    own events); with `entity`, for that kind of record only."""
    if entity is None:
        FIELDS.update(rows)
    else:
        ENTITY_FIELDS.update({(entity, name): row for name, row in rows.items()})


def _row(name: str, entity: str | None) -> AuditField | None:
    row = ENTITY_FIELDS.get((entity, name)) if entity else None
    return row or FIELDS.get(name)


def field_label(name: str, entity: str | None = None) -> str:
    """What an audited field is called on screen: the checklist's or the venue form's own
    question where it has one."""
    row = _row(name, entity)
    return str(row.label) if row else name


def _code_words(labels: Mapping, value) -> str:
    """A code's label; several codes (a list, or codes joined by commas as the checklist's
    actions are stored) label by label. Text that is not codes stays as it is."""
    if isinstance(value, (list, tuple)):
        codes = list(value)
    elif isinstance(value, str) and value not in labels and "," in value:
        codes = [code for code in value.split(",") if code]
        if not all(code in labels for code in codes):
            return value
    else:
        return str(labels.get(value, value))
    return ", ".join(str(labels.get(code, code)) for code in codes)


def _plain_words(value) -> str:
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain_words(item) for item in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        day = clock.parse_day(value)
        return clock.day_text(day) if day else value
    return str(value)


def field_value(name: str, value, entity: str | None = None) -> str:
    """An audited value as the screen words it: a choice's label (several joined), yes or
    no, a day as DD/MM/YYYY, a commune's name; "—" for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    row = _row(name, entity)
    words = row.words if row else None
    if isinstance(words, Mapping) and not isinstance(value, bool):
        return _code_words(words, value)
    if callable(words):
        return words(value)
    return _plain_words(value)


# An entry's heading: what was done, by whom, on which day ("Đã sửa: Hà Thị Mai, ngày
# 08/12/2026"); a review by the state it left the finding in.
ENTRY_HEADINGS = {
    "create": _l("Recorded: %(name)s, on %(day)s"),
    "edit": _l("Corrected: %(name)s, on %(day)s"),
    "review": _l("Reviewed: %(name)s, on %(day)s"),
    "approved": _l("Approved: %(name)s, on %(day)s"),
    "returned": _l("Returned for correction: %(name)s, on %(day)s"),
}


def entry_heading(entry: AuditEntry) -> str:
    """An entry's line: "Corrected: Hà Thị Mai, on 08/12/2026" (the day in Vietnam)."""
    if entry.user is not None:
        name = entry.user.display_name
    elif entry.entity == "citizen_report" and "channel" in entry.details:
        # A report received from a citizen, anonymous: named by the way it came.
        name = str(CITIZEN_REPORTER_LABELS.get(entry.details["channel"], _l("A citizen")))
    else:  # a request without a log-in (a failed one) has an address; a command has none
        name = str(_l("not logged in") if entry.address else _l("command line"))
    day = clock.day_text(clock.vietnam_date(entry.at)) if entry.at else ""
    kind = entry.action
    if kind == "review":
        state = {field: after for field, _before, after in entry.change_list}.get("review_state")
        kind = state if state in ENTRY_HEADINGS else kind
    heading = ENTRY_HEADINGS.get(kind)
    if heading is None:
        action = ALL_ACTION_LABELS.get(entry.action, entry.action)
        return str(_l("%(action)s: %(name)s, on %(day)s")) % {
            "action": action,
            "name": name,
            "day": day,
        }
    return str(heading) % {"name": name, "day": day}


def entry_time(entry: AuditEntry) -> str:
    """The entry's time of day in Vietnam, 15:23."""
    return clock.vietnam_time(entry.at).strftime("%H:%M") if entry.at else ""


def change_lines(entry: AuditEntry, reader: User | None = None) -> list[tuple]:
    """What an entry changed, in the screens' words: (field, before, after, the address of
    the record the new value names, or None)."""
    return [
        (
            field_label(name, entry.entity),
            field_value(name, before, entry.entity),
            field_value(name, after, entry.entity),
            detail_link(name, after, reader, entry.entity),
        )
        for name, before, after in entry.change_list
    ]


def detail_link(name: str, value, reader: User | None, entity: str | None = None) -> str | None:
    """The address of the record a detail names (a print batch, a venue...), when the
    reader may open it."""
    row = _row(name, entity)
    if row is None or row.link is None or value is None or reader is None:
        return None
    return row.link(value, reader)


def detail_lines(entry: AuditEntry, reader: User | None = None) -> list[tuple]:
    """An event's details, in the screens' words: (field, value, the address of the record
    the value names, or None)."""
    return [
        (
            field_label(name, entry.entity),
            field_value(name, value, entry.entity),
            detail_link(name, value, reader, entry.entity),
        )
        for name, value in entry.details.items()
    ]


# The kinds of record an entry is about, as the trail names them, and where each opens.
ENTITY_LABELS = {
    "inspection": _l("Inspection"),
    "venue": _l("Venue"),
    "user": _l("Account"),
    "session": _l("Log-in"),
    "figures": _l("Figures"),
    "export": _l("Export"),
    "poster": _l("Poster"),
    "citizen_report": _l("Citizens' report"),
    "holiday": _l("Public holiday"),
    "letter_template": _l("Letter template"),
    "letter_edit": _l("The letter"),
    "deadline": _l("Report deadline"),
    "district": _l("District"),
}
ENTITY_LINKS: dict[str, Callable[[Any, User], str | None]] = {
    "inspection": _inspection_link,
    "venue": _venue_link,
    "user": _account_link,
    "poster": _poster_link,
    "citizen_report": _citizen_report_link,
    "letter_template": _letter_template_link,
}
# Records named by what officials know them by (a venue's code and name, a finding's
# inspector and day) rather than their database number.
RECORD_WORDS: dict[str, Callable[[Any], str]] = {
    "venue": _venue_words,
    "inspection": _inspection_words,
}
# Records whose number means nothing to a reader (a deadline is filed by its province's
# number; the entry's details name the province).
UNNUMBERED = {"deadline"}


def record_line(entry: AuditEntry, reader: User | None) -> tuple[str, str | None] | None:
    """What an entry is about, in words ("Venue no. 12"), with the address of its page when
    the reader may open it; None when it names no one record (its heading says enough)."""
    if entry.entity_id is None or entry.entity in UNNUMBERED:
        return None
    label = str(ENTITY_LABELS.get(entry.entity, _l("Record")))
    link = ENTITY_LINKS.get(entry.entity)
    address = link(entry.entity_id, reader) if link and reader is not None else None
    words = RECORD_WORDS.get(entry.entity)
    if words is not None and address is not None:  # named only to who may open it
        return f"{label}: {words(entry.entity_id)}", address
    return f"{label} {_number_words(entry.entity_id)}", address


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def snapshot(record) -> dict:
    """The audited fields of an inspection or venue, as JSON-ready values."""
    fields = INSPECTION_FIELDS if isinstance(record, Inspection) else VENUE_FIELDS
    return {name: _plain(getattr(record, name)) for name in fields}


def record_change(
    record, action: str, user: User | None, before: dict | None, at: datetime | None = None
) -> AuditEntry | None:
    """Add an audit entry for a record after a change; None when nothing changed. `at` is
    when it happened when that is not now (a finding recorded as the server received it)."""
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
        at=at or clock.utcnow(),
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
    at: datetime | None = None,
    keep_address: bool = True,
) -> AuditEntry:
    """Add an audit entry for an event (a log-in, an export, figures imported...): who,
    from which address, when, and its details as JSON values (never as lines, which free
    text could forge). The district is the user's unless given; `at` is when it happened
    when that is not now (demo data); without `keep_address` no address is kept (a
    citizen's report is anonymous)."""
    if district_id is None and user is not None:
        district_id = user.district_id
    entry = AuditEntry(
        entity=entity or action.split("_")[0],
        entity_id=entity_id,
        action=action,
        user_id=user.id if user else None,
        changes=json.dumps(changes or {}, ensure_ascii=False),
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        address=_address() if keep_address else None,
        district_id=district_id,
        at=at or clock.utcnow(),
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
