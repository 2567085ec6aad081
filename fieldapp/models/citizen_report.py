"""Citizens' reports (phản ánh): a venue, or a place not in the registry, reported by a
citizen or entered by the office, followed until the office answers it publicly."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models.assignment import Assignment
from fieldapp.models.inspection import Inspection
from fieldapp.models.unit import Commune
from fieldapp.models.user import User
from fieldapp.models.venue import Venue

# What a citizen can report.
PROBLEMS = ("no_qr", "qr_not_working", "not_checked", "other")
# How a report arrived: the public form, or entered by the office.
CHANNELS = ("web", "phone", "hotline", "national")
# new → checking (an inspection assigned) → ready (its finding recorded) → resolved;
# rejected (with a reason) from new or checking.
STATES = ("new", "checking", "ready", "resolved", "rejected")
OPEN_STATES = ("new", "checking", "ready")


class CitizenReport(db.Model):
    __tablename__ = "citizen_report"
    __table_args__ = (
        # The inbox of a commune's (so a district's) open reports, oldest first.
        db.Index("ix_citizen_report_commune_state", "commune_id", "state", "received_at"),
        # The same venue and problem within a day joins the open report (+1).
        db.Index("ix_citizen_report_venue_problem", "venue_id", "problem", "received_at"),
        # The weekly report's counts: a commune's reports still open, or closed since a
        # day (fieldapp/citizens/counts.py).
        db.Index("ix_citizen_report_commune_closed", "commune_id", "closed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # What the citizen keeps to follow the report (/phan-anh/<code>); never the id.
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id"))
    # The venue reported, or none: then `place` describes a place not in the registry.
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id"))
    place: Mapped[str] = mapped_column(String(300), default="")
    problem: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
    # Storage key of the optional photo (storage.area("photos")), "" without one.
    photo_path: Mapped[str] = mapped_column(String(200), default="")
    # Only the district's office sees it; never shown on public pages.
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    channel: Mapped[str] = mapped_column(String(12), default="web")
    # The national system's own reference of an imported report (a re-import skips it).
    source_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Others who reported the same venue and problem within a day ("+1").
    also_reported: Mapped[int] = mapped_column(Integer, default=0)

    state: Mapped[str] = mapped_column(String(12), default="new", index=True)
    received_at: Mapped[datetime] = mapped_column(default=clock.utcnow, index=True)
    # The last day to answer by (working days, fieldapp/citizens/deadlines.py).
    due_date: Mapped[date] = mapped_column(Date, index=True)
    # The office's words to the citizen, shown on the tracking page; a rejection's reason.
    public_answer: Mapped[str] = mapped_column(Text, default="")
    reject_reason: Mapped[str] = mapped_column(String(300), default="")
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Entered by the office (telephone, hotline, national system): who typed it.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The inspection assigned from it, and the finding that answered it.
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"))
    updated_at: Mapped[datetime] = mapped_column(default=clock.utcnow, onupdate=clock.utcnow)

    commune: Mapped[Commune] = relationship()
    venue: Mapped[Venue | None] = relationship()
    assignment: Mapped[Assignment | None] = relationship()
    inspection: Mapped[Inspection | None] = relationship()
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    # The "+1"s, in the order they came (fieldapp/citizens/intake.py).
    joins: Mapped[list["CitizenReportJoin"]] = relationship(
        order_by="CitizenReportJoin.received_at, CitizenReportJoin.id"
    )

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def answer_to_citizen(self) -> str:
        """What the tracking page tells the citizen once the report is closed: the public
        answer, or for a rejection its reason (the office is told the citizen reads it)."""
        if self.state == "resolved":
            return self.public_answer
        if self.state == "rejected":
            return self.public_answer or self.reject_reason
        return ""


class CitizenReportJoin(db.Model):
    """Someone else who reported the same venue and problem within a day ("+1"): what they
    brought is kept with the report they joined (their channel, phone, photo, reference);
    only the district's office sees it."""

    __tablename__ = "citizen_report_join"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("citizen_report.id"), index=True)
    received_at: Mapped[datetime] = mapped_column()
    channel: Mapped[str] = mapped_column(String(12), default="web")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    details: Mapped[str] = mapped_column(Text, default="")
    # Storage key of their photo (storage.area("photos")), "" without one.
    photo_path: Mapped[str] = mapped_column(String(200), default="")
    # Their reference in the national system, if any (a later import skips it).
    source_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    entered_by: Mapped[User | None] = relationship()


class PublicHoliday(db.Model):
    """A day off in Vietnam (Tết, 30/4, 1/5, 2/9...): data an admin edits, skipped when
    counting a report's working days."""

    __tablename__ = "public_holiday"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
