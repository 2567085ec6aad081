"""Assignments: a supervisor asks an inspector to visit a venue by a date."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models.user import User
from fieldapp.models.venue import Venue


class Assignment(db.Model):
    __tablename__ = "assignment"
    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    # Closed by the first inspection of the venue submitted after it was made.
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"))

    venue: Mapped[Venue] = relationship()
    inspector: Mapped[User] = relationship(foreign_keys=[inspector_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    def is_overdue(self, today: date) -> bool:
        return self.closed_at is None and self.due_date < today
