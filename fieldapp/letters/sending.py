"""A district's weekly letter marked as sent to the province, and that mark undone.

Exporting the letter is not sending it (a supervisor downloads the PDF to check it): the
district's own office says it has sent the signed letter, on the report page, confirmed.
The audit trail is the record, as it is for exports: the letter of a report date is sent
when the latest of its "letter_sent" and "letter_unsent" events is a "letter_sent", at the
moment and by the user of the first mark since it was last undone (a double submit marks
once). fieldapp/reports/deadlines.py counts a letter sent, on time or late, from this mark.

Plain functions over the database, no request; the caller commits.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldapp import clock
from fieldapp.audit import AuditField, describe_fields, record_event
from fieldapp.extensions import db
from fieldapp.models import AuditEntry, District, User

SENT = "letter_sent"
UNSENT = "letter_unsent"


@dataclass(frozen=True)
class SentMark:
    """A letter marked as sent: when (naive UTC) and by whom."""

    at: datetime
    by: User | None

    @property
    def by_name(self) -> str:
        return self.by.display_name if self.by is not None else "—"

    @property
    def moment_text(self) -> str:
        """12/11/2021 15:30, Vietnam's time."""
        return clock.moment_text(self.at)


def may_mark_sent(user: User, district: District) -> bool:
    """Only the district's own office sends its letter: a supervisor or admin of that
    district whose scope is the district. A province's or the country's supervisor reads
    the letter; an inspector does not send it."""
    return user.in_district_office and user.district_id == district.id


def _report_date(entry: AuditEntry) -> date | None:
    try:
        return date.fromisoformat(json.loads(entry.detail or "{}")["report_date"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def sent_marks(district_ids: list[int], since: date) -> dict[tuple[int, date], SentMark]:
    """The letters of these districts, of report dates from `since` on, that are marked as
    sent now: {(district id, report date): mark}. One query: a letter is marked on or
    after its report date, so the events before `since` are never read."""
    if not district_ids:
        return {}
    entries = db.session.scalars(
        select(AuditEntry)
        .options(joinedload(AuditEntry.user))
        .where(
            AuditEntry.action.in_((SENT, UNSENT)),
            AuditEntry.district_id.in_(district_ids),
            AuditEntry.at >= clock.day_start(since),
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    marks: dict[tuple[int, date], SentMark] = {}
    for entry in entries:
        day = _report_date(entry)
        if day is None or day < since:
            continue
        key = (entry.district_id, day)
        if entry.action == SENT:
            marks.setdefault(key, SentMark(entry.at, entry.user))
        else:
            marks.pop(key, None)
    return marks


def sent_mark(district: District, day: date) -> SentMark | None:
    """The mark of the district's letter of a report date, None when it is not sent."""
    return sent_marks([district.id], day).get((district.id, day))


def mark_sent(district: District, day: date, by: User) -> bool:
    """Mark the district's letter of a report date as sent (the user confirmed it); audited.
    False when it already was: the first mark keeps its moment."""
    if sent_mark(district, day) is not None:
        return False
    record_event(
        SENT,
        by,
        entity="letter",
        detail={"report_date": day.isoformat()},
        district_id=district.id,
    )
    db.session.flush()
    return True


def unmark_sent(district: District, day: date, by: User) -> bool:
    """Undo the mark (the user confirmed it); audited with the mark it undoes. False when
    the letter was not marked."""
    mark = sent_mark(district, day)
    if mark is None:
        return False
    record_event(
        UNSENT,
        by,
        entity="letter",
        detail={
            "report_date": day.isoformat(),
            "sent": f"{mark.by_name}, {mark.moment_text}",
        },
        district_id=district.id,
    )
    db.session.flush()
    return True


# An undone mark keeps, in its details, the mark it undid ("Hà Thị Mai, 12/11/2021 15:30").
describe_fields({"sent": AuditField(_l("The mark undone"))}, entity="letter")
