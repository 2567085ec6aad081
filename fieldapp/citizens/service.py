"""The office's handling of citizens' reports: the inbox, assigning an inspection, the
finding that makes a report ready to answer, the public answer and the rejection; every
change of state audited with who made it.

new → checking (an inspection assigned) → ready (that inspection's finding recorded) →
resolved (a public answer); rejected (a reason) from new or checking. A report of any open
state may be resolved directly with an answer (no inspection needed)."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from fieldapp import clock
from fieldapp.assignments.service import AssignmentRefused, assign, cancel
from fieldapp.audit import record_event
from fieldapp.extensions import db
from fieldapp.models import (
    Assignment,
    AuditEntry,
    CitizenReport,
    Commune,
    District,
    Inspection,
    Role,
    User,
    Venue,
)
from fieldapp.models.citizen_report import CHANNELS, OPEN_STATES, PROBLEMS, STATES
from fieldapp.text import search_text

INBOX_PAGE_SIZE = 30
# The tabs of the inbox: each state, and "open" (new, checking and ready) first.
INBOX_TABS = ("open", *STATES)
ANSWER_MAX = 2000
REASON_MAX = 300
# Rejecting is for reports not yet answered by an inspection.
REJECTABLE = ("new", "checking")
# What closing a report does to its open assignment (an inspection assigned and not yet
# recorded): the office says it on the confirmation, never by default.
OPEN_ASSIGNMENT_CHOICES = ("cancel", "keep")


class ReportRefused(Exception):
    """Nothing was changed; `reason` names the message to show."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class InboxFilter:
    """What the inbox shows: a tab (a state, or every open one) and the filters."""

    tab: str = "open"
    commune_id: int | None = None
    venue: str = ""
    problem: str = ""
    channel: str = ""
    page: int = 1

    def __post_init__(self):
        self.tab = self.tab if self.tab in INBOX_TABS else "open"
        self.problem = self.problem if self.problem in PROBLEMS else ""
        self.channel = self.channel if self.channel in CHANNELS else ""
        self.venue = self.venue.strip()[:100]
        self.page = max(1, self.page or 1)

    def query_args(self, **changes) -> dict:
        """The filters as a URL's query (what the tabs, the pages and the form link to)."""
        args = {
            "tab": self.tab,
            "commune": self.commune_id or "",
            "venue": self.venue,
            "problem": self.problem,
            "channel": self.channel,
            "page": self.page,
        }
        args.update(changes)
        return {name: value for name, value in args.items() if value not in ("", None)}


@dataclass
class InboxPage:
    reports: list[CitizenReport]
    total: int
    page: int
    pages: int
    counts: dict[str, int] = field(default_factory=dict)


def _district_reports(district_ids: list[int]):
    return (
        select(CitizenReport)
        .join(CitizenReport.commune)
        .where(Commune.district_id.in_(district_ids))
    )


def inbox(district_ids: list[int], filters: InboxFilter) -> InboxPage:
    """A page of the districts' reports for a tab and filters (oldest first while open,
    newest first once closed), with how many each tab holds under the same filters."""
    query = _district_reports(district_ids)
    if filters.commune_id:
        query = query.where(CitizenReport.commune_id == filters.commune_id)
    if filters.problem:
        query = query.where(CitizenReport.problem == filters.problem)
    if filters.channel:
        query = query.where(CitizenReport.channel == filters.channel)
    if filters.venue:
        # The venue's name, code or address without diacritics, or the place described.
        query = query.outerjoin(CitizenReport.venue).where(
            or_(
                Venue.search_key.contains(search_text(filters.venue), autoescape=True),
                # As typed, or in lower case (SQLite lowers only ASCII letters).
                CitizenReport.place.contains(filters.venue, autoescape=True),
                func.lower(CitizenReport.place).contains(filters.venue.lower(), autoescape=True),
            )
        )
    per_state = dict(
        db.session.execute(
            query.with_only_columns(CitizenReport.state, func.count()).group_by(CitizenReport.state)
        ).all()
    )
    counts = {state: per_state.get(state, 0) for state in STATES}
    counts["open"] = sum(counts[state] for state in OPEN_STATES)
    states = OPEN_STATES if filters.tab == "open" else (filters.tab,)
    query = query.where(CitizenReport.state.in_(states))
    if filters.tab in OPEN_STATES or filters.tab == "open":
        order = (CitizenReport.due_date, CitizenReport.received_at, CitizenReport.id)
    else:
        order = (CitizenReport.closed_at.desc(), CitizenReport.id.desc())
    total = counts[filters.tab]
    pages = max(1, -(-total // INBOX_PAGE_SIZE))
    page = min(filters.page, pages)
    reports = list(
        db.session.scalars(
            query.options(
                joinedload(CitizenReport.venue),
                joinedload(CitizenReport.commune),
            )
            .order_by(*order)
            .offset((page - 1) * INBOX_PAGE_SIZE)
            .limit(INBOX_PAGE_SIZE)
        )
    )
    return InboxPage(reports, total, page, pages, counts)


def open_count(user: User) -> int:
    """How many reports of the user's area are open (the menu's count): one indexed count,
    whose area is a condition, never a list of the country's districts fetched first."""
    query = (
        select(func.count()).select_from(CitizenReport).where(CitizenReport.state.in_(OPEN_STATES))
    )
    if user.sees_country:
        return db.session.scalar(query)
    query = query.join(Commune, Commune.id == CitizenReport.commune_id)
    if user.sees_province:
        in_province = select(District.id).where(
            District.province_id
            == select(District.province_id).where(District.id == user.district_id).scalar_subquery()
        )
        return db.session.scalar(query.where(Commune.district_id.in_(in_province)))
    return db.session.scalar(query.where(Commune.district_id == user.district_id))


def district_of(report: CitizenReport) -> int:
    return report.commune.district_id


def _audit(action: str, report: CitizenReport, by: User | None, changes: dict, **detail):
    """A report's event in the audit trail: what changed, by whom, in its district."""
    record_event(
        action,
        by,
        entity="citizen_report",
        entity_id=report.id,
        changes=changes,
        detail={"tracking_code": report.tracking_code, **detail},
        district_id=district_of(report),
    )


def _set_state(report: CitizenReport, state: str, changes: dict) -> None:
    changes["state"] = [report.state, state]
    report.state = state


def assign_inspection(
    report: CitizenReport, inspector: User, due: date, note: str, by: User, today: date
) -> Assignment:
    """Assign an inspection of the report's venue (fieldapp/assignments/service.py's
    `assign`, all its rules) and link it to the report, which is now being checked. A
    report of a place not in the registry has no venue to assign: "no_venue"."""
    if report.venue is None:
        raise ReportRefused("no_venue")
    _check_assignable(report)
    if clock.beyond_planning(due, today):
        raise ReportRefused("due_too_far")
    note = note.strip() or f"Phản ánh {report.tracking_code}"
    (assignment,) = assign([report.venue], inspector, due, note, by, today)
    _link_assignment(report, assignment, by)
    return assignment


def follow_assignment(report: CitizenReport, assignment: Assignment, by: User) -> None:
    """Let the venue's open assignment (made before the report came) answer the report: the
    report is linked to it and being checked, as if assigned from it; audited."""
    _check_assignable(report)
    if assignment.venue_id != report.venue_id or assignment.closed_at is not None:
        raise ReportRefused("assignment_gone")
    _link_assignment(report, assignment, by)


def _check_assignable(report: CitizenReport) -> None:
    """An inspection answers a report still new or being checked, and not one already
    waiting on an open assignment."""
    if report.state not in ("new", "checking"):
        raise ReportRefused("not_open")
    if report.assignment is not None and report.assignment.closed_at is None:
        raise ReportRefused("already_checking")


def _link_assignment(report: CitizenReport, assignment: Assignment, by: User) -> None:
    """The report waits on this assignment and is being checked; audited."""
    changes: dict = {"assignment_id": [report.assignment_id, assignment.id]}
    report.assignment_id = assignment.id
    report.assignment = assignment
    if report.state != "checking":
        _set_state(report, "checking", changes)
    _audit(
        "citizen_report_assigned",
        report,
        by,
        changes,
        inspector=assignment.inspector.display_name,
        due_date=assignment.due_date.isoformat(),
    )
    db.session.flush()


def finding_recorded(inspection: Inspection) -> list[CitizenReport]:
    """The reports waiting on an assignment this finding just closed are ready to answer,
    with the finding's outcome: called once, where a finding closes its assignment
    (fieldapp/inspections/service.py, after `close_for_inspection`).

    Only the linked assignment's finding moves a report: another inspector's visit of the
    venue leaves it being checked (the report's page shows the assignment still open), and
    the office may resolve it directly."""
    reports = list(
        db.session.scalars(
            select(CitizenReport)
            .join(Assignment, Assignment.id == CitizenReport.assignment_id)
            .where(Assignment.inspection_id == inspection.id, CitizenReport.state == "checking")
            .options(joinedload(CitizenReport.commune))
        )
    )
    for report in reports:
        changes: dict = {"inspection_id": [report.inspection_id, inspection.id]}
        report.inspection_id = inspection.id
        _set_state(report, "ready", changes)
        _audit("citizen_report_ready", report, inspection.inspector, changes)
    return reports


def open_assignment(report: CitizenReport) -> Assignment | None:
    """The report's inspection, assigned and not yet recorded (nor cancelled)."""
    assignment = report.assignment
    return assignment if assignment is not None and assignment.closed_at is None else None


def resolve(
    report: CitizenReport, answer: str, by: User, assignment_choice: str | None = None
) -> None:
    """Close an open report with the office's public answer (shown on its tracking page).
    While its inspection is assigned and not recorded, the office must say what becomes of
    the assignment (`assignment_choice`, see `_settle_assignment`)."""
    answer = answer.strip()
    if report.state not in OPEN_STATES:
        raise ReportRefused("not_open")
    if not answer:
        raise ReportRefused("answer_required")
    if len(answer) > ANSWER_MAX:
        raise ReportRefused("answer_too_long")
    detail = _settle_assignment(report, assignment_choice, by)
    _close(report, "resolved", "public_answer", answer, by, **detail)


def reject(
    report: CitizenReport, reason: str, by: User, assignment_choice: str | None = None
) -> None:
    """Reject a report not yet answered by an inspection, with its reason (the citizen
    reads it on the tracking page); its open assignment as `resolve`."""
    reason = reason.strip()
    if report.state not in REJECTABLE:
        raise ReportRefused("not_rejectable")
    if not reason:
        raise ReportRefused("reason_required")
    if len(reason) > REASON_MAX:
        raise ReportRefused("reason_too_long")
    detail = _settle_assignment(report, assignment_choice, by)
    _close(report, "rejected", "reject_reason", reason, by, **detail)


def _settle_assignment(report: CitizenReport, choice: str | None, by: User) -> dict:
    """Closing a report whose inspection is assigned but not recorded: refused unless the
    office chose ("assignment_open"). "cancel" cancels the assignment (audited on the venue:
    it leaves the inspector's list); "keep" leaves it open, as the inspector still visits (a
    venue's assignment the report followed), and the closing's audit entry says so. A
    finding recorded since the page was opened refuses the closing ("finding_arrived"):
    the office reads it first. The detail for the closing's audit entry."""
    assignment = open_assignment(report)
    if assignment is None:
        return {}
    if choice not in OPEN_ASSIGNMENT_CHOICES:
        raise ReportRefused("assignment_open")
    if choice == "keep":
        return {"assignment_kept": assignment.id}
    try:
        cancel(assignment, by)
    except AssignmentRefused as refusal:  # closed meanwhile: by its finding, or cancelled
        db.session.refresh(report)
        if report.state == "ready":
            raise ReportRefused("finding_arrived") from refusal
        return {}
    return {"assignment_cancelled": assignment.id}


@dataclass(frozen=True)
class AssignmentEnding:
    """How an assignment closed with no finding: "cancelled" or "reassigned" (to whom), by
    whom and on which day (Vietnam's), as its audit entry recorded it."""

    how: str
    by: str | None
    on: date
    to: str | None = None


def assignment_ending(assignment) -> AssignmentEnding | None:
    """Why an assignment closed without a finding, from its recorded event; None when it is
    open, was closed by a finding, or no event says."""
    if assignment is None or assignment.closed_at is None or assignment.inspection_id:
        return None
    entry = db.session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.entity == "venue",
            AuditEntry.entity_id == assignment.venue_id,
            AuditEntry.action.in_(("assignment_cancelled", "assignment_reassigned")),
            # record_event writes the assignment's number first: '{"assignment": 13, ...'.
            AuditEntry.detail.contains(f'"assignment": {assignment.id},'),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        return None
    return AssignmentEnding(
        how="cancelled" if entry.action == "assignment_cancelled" else "reassigned",
        by=entry.user.display_name if entry.user else None,
        on=clock.vietnam_date(entry.at),
        to=entry.details.get("reassigned_to"),
    )


def _close(report: CitizenReport, state: str, field: str, text: str, by: User, **detail) -> None:
    """Close a report with the office's words (the answer, or the reason), audited."""
    changes: dict = {field: [getattr(report, field) or None, text]}
    setattr(report, field, text)
    _set_state(report, state, changes)
    report.closed_at = clock.utcnow()
    report.closed_by_id = by.id
    _audit(f"citizen_report_{state}", report, by, changes, **detail)
    db.session.flush()


def report_history(report: CitizenReport) -> list[AuditEntry]:
    """A report's audit entries, newest first."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "citizen_report", AuditEntry.entity_id == report.id)
            .options(joinedload(AuditEntry.user))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        )
    )


def district_inspectors(district_id: int) -> list[User]:
    """The enabled inspectors of a report's district, by name (whom to assign)."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.district_id == district_id,
                User.role == Role.INSPECTOR.value,
                User.is_enabled.is_(True),
            )
            .order_by(User.display_name)
        )
    )


def link_venue(report: CitizenReport, code: str, by: User) -> None:
    """Name the venue of a report about a place not in the registry (once added, "Thêm
    địa điểm"), by its code, a venue of the report's commune; audited."""
    if not report.is_open:
        raise ReportRefused("not_open")
    venue = (
        db.session.scalar(
            select(Venue).where(
                Venue.code == code.strip().upper(), Venue.commune_id == report.commune_id
            )
        )
        if code.strip()
        else None
    )
    if venue is None or not venue.is_active:
        raise ReportRefused("venue_not_found")
    changes: dict = {"venue_id": [report.venue_id, venue.id]}
    report.venue_id = venue.id
    report.venue = venue
    _audit("citizen_report_venue", report, by, changes, venue=venue.name)
    db.session.flush()
