"""Posters issued for venues (replacements and their print queue) and print batches."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models.inspection import Inspection
from fieldapp.models.unit import Commune
from fieldapp.models.user import User
from fieldapp.models.venue import Venue


class Poster(db.Model):
    __tablename__ = "poster"
    __table_args__ = (UniqueConstraint("venue_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id"), index=True)
    # The venue's first poster is version 1; each replacement takes the next number.
    version: Mapped[int] = mapped_column(Integer)
    serial: Mapped[str] = mapped_column(String(60), unique=True)
    # The payload printed, as it was when issued.
    payload: Mapped[str] = mapped_column(Text)
    # Why it was issued: the finding (missing, damaged, outdated), or "other" (the office).
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(300), default="")
    # The finding it replaces the code for: one poster per finding at most (a double tap, two
    # people or a replay issue one; fieldapp/posters/service.py's issue_for_finding).
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), unique=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    # queued in the office's print queue, printed, delivered to the venue.
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    printed_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()

    venue: Mapped[Venue] = relationship()
    inspection: Mapped[Inspection | None] = relationship()
    issued_by: Mapped[User] = relationship()


class PosterBatch(db.Model):
    """A multi-page PDF made in the background; its progress lives here, not in memory."""

    __tablename__ = "poster_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    # What was chosen, kept as parts so that its title is worded in the reader's language
    # (posters.labels.batch_title): a batch of the print queue has poster_ids; another, its
    # commune (none: the whole district), venue type ("" for all) and whether only the
    # venues needing a new poster were taken. Its date is created_at, its count total.
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id"))
    venue_type: Mapped[str] = mapped_column(String(40), default="")
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    page_size: Mapped[str] = mapped_column(String(4), default="A4")
    # Comma-separated ids: venues to print, or queued posters (then marked printed).
    venue_ids: Mapped[str] = mapped_column(Text, default="")
    poster_ids: Mapped[str] = mapped_column(Text, default="")
    # waiting (in the job queue), running, done, failed
    state: Mapped[str] = mapped_column(String(20), default="waiting")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(300), default="")
    finished_at: Mapped[datetime | None] = mapped_column()
    # Its last sign of life: queued, started, or a chunk of pages made. A batch silent for
    # too long lost its worker (queued again) or is stuck (shown failed).
    progress_at: Mapped[datetime | None] = mapped_column(default=clock.utcnow)
    # The run that holds the batch (a worker's claim), and how many runs started since it
    # was queued: a run that lost its claim to another changes nothing.
    run_id: Mapped[str] = mapped_column(String(32), default="")
    runs: Mapped[int] = mapped_column(Integer, default=0)

    requested_by: Mapped[User] = relationship()
    commune: Mapped[Commune | None] = relationship()

    @property
    def of_print_queue(self) -> bool:
        return bool(self.poster_ids)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
