"""The national system's references of imported citizens' reports, each kept once: the
report it created, or the open report it joined as "+1", so a re-import skips it."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp import clock
from fieldapp.extensions import db


class NationalReportRef(db.Model):
    __tablename__ = "national_report_ref"
    source_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("citizen_report.id"), index=True)
    imported_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
