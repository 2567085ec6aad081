"""A commune's figures from the national systems, as of one report date."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models.unit import Commune
from fieldapp.models.user import User


class CommuneFigures(db.Model):
    """Venues with a QR code, scans, PC-Covid installs and smartphones of a commune.

    One row per commune and report date: importing the date again replaces it.
    """

    __tablename__ = "commune_figures"
    __table_args__ = (UniqueConstraint("commune_id", "report_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id"), index=True)
    report_date: Mapped[date] = mapped_column(Date, index=True)
    venues_with_qr: Mapped[int] = mapped_column(Integer)
    scans: Mapped[int] = mapped_column(Integer)
    installs: Mapped[int | None] = mapped_column(Integer)
    smartphones: Mapped[int | None] = mapped_column(Integer)
    # Where the row came from: the spreadsheet's file name, or "" when typed in.
    source: Mapped[str] = mapped_column(String(200), default="")
    # None when imported from the command line.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(default=clock.utcnow)

    commune: Mapped[Commune] = relationship()
    entered_by: Mapped[User | None] = relationship()
