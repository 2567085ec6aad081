"""A district's weekly letter: its editable template, and what a supervisor changed in the
letter of one report date (DOMAIN.md, "The letter as districts send it")."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models.unit import District
from fieldapp.models.user import User


class LetterTemplate(db.Model):
    """The parts of a district's letter that stay from week to week. One row per district;
    a district with none uses the defaults of fieldapp/letters/service.py. Lines (the
    recipients, "Nơi nhận") are kept one per line of text."""

    __tablename__ = "letter_template"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), unique=True)
    issuer_parent: Mapped[str] = mapped_column(String(200))  # "ỦY BAN NHÂN DÂN"
    issuer: Mapped[str] = mapped_column(String(200))  # "HUYỆN QUAN SƠN"
    department_code: Mapped[str] = mapped_column(String(40))  # "UBND-VHTT"
    place: Mapped[str] = mapped_column(String(100))  # "Quan Sơn"
    recipients: Mapped[str] = mapped_column(Text)
    opening: Mapped[str] = mapped_column(Text)
    shortcomings: Mapped[str] = mapped_column(Text)  # section 2's standing text
    offices_instructions: Mapped[str] = mapped_column(Text)  # 3.1
    centre_instructions: Mapped[str] = mapped_column(Text)  # 3.2
    communes_instructions: Mapped[str] = mapped_column(Text)  # 3.3
    closing: Mapped[str] = mapped_column(Text, default="")
    copies_to: Mapped[str] = mapped_column(Text)
    signer_authority: Mapped[str] = mapped_column(String(100), default="")
    signer_title: Mapped[str] = mapped_column(String(100))
    signer_name: Mapped[str] = mapped_column(String(100), default="")
    low_count: Mapped[int] = mapped_column(Integer, default=3)
    # None: the high group is the communes above the district's average.
    high_threshold: Mapped[int | None] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=clock.utcnow)

    district: Mapped[District] = relationship()
    updated_by: Mapped[User | None] = relationship()


class LetterEdit(db.Model):
    """What a supervisor changed in a district's letter of one report date; a part left
    None is the draft generated from the data."""

    __tablename__ = "letter_edit"
    __table_args__ = (UniqueConstraint("district_id", "report_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    report_date: Mapped[date] = mapped_column(Date)
    number: Mapped[str | None] = mapped_column(String(20))  # "125" in "Số: 125/UBND-VHTT"
    section_two: Mapped[str | None] = mapped_column(Text)
    offices_instructions: Mapped[str | None] = mapped_column(Text)  # 3.1
    centre_instructions: Mapped[str | None] = mapped_column(Text)  # 3.2
    communes_instructions: Mapped[str | None] = mapped_column(Text)  # 3.3
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    edited_at: Mapped[datetime] = mapped_column(default=clock.utcnow)

    district: Mapped[District] = relationship()
    edited_by: Mapped[User | None] = relationship()
