"""When a province wants its districts' weekly letters: a weekday and a time (Vietnam's)."""

from datetime import datetime, time

from sqlalchemy import ForeignKey, Integer, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models.unit import Province
from fieldapp.models.user import User


class ReportDeadline(db.Model):
    """A province's report weekday (0 Monday ... 6 Sunday) and time of day in Vietnam; a
    province without a row uses the defaults of fieldapp/reports/deadlines.py."""

    __tablename__ = "report_deadline"
    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), unique=True)
    weekday: Mapped[int] = mapped_column(Integer)
    due_time: Mapped[time] = mapped_column(Time)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=clock.utcnow, onupdate=clock.utcnow)

    province: Mapped[Province] = relationship()
    updated_by: Mapped[User | None] = relationship()
