"""Venues: the places that must post their check-in QR code."""

import json
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models.unit import Commune, District
from fieldapp.models.user import User
from fieldapp.places import address_line, full_address, official_name
from fieldapp.text import search_text

# The venue types named in the provincial orders (DOMAIN.md), as stored codes.
VENUE_TYPES = (
    "government_office",
    "school",
    "enterprise",
    "shop",
    "mini_supermarket",
    "bookshop",
    "market",
    "health_station",
    "meeting_hall",
    "conference_centre",
    "library",
    "football_ground",
    "amusement_area",
    "public_transport",
    "tourist_accommodation",
    "village_cultural_house",
    "other",
)


class Venue(db.Model):
    __tablename__ = "venue"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    venue_type: Mapped[str] = mapped_column(String(40), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    commune_id: Mapped[int] = mapped_column(ForeignKey("commune.id"), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    qr_payload: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    # Set when an admin merged this venue, a duplicate, into another one.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id"))
    # Set when an admin closed it (fieldapp/venues/service.py, close_venue); cleared on reopening.
    closed_reason: Mapped[str] = mapped_column(String(300), default="")
    closed_at: Mapped[datetime | None] = mapped_column()
    # Name, code and address folded (no diacritics, lower case) for search.
    search_key: Mapped[str] = mapped_column(String(600), default="", index=True)
    # Denormalised from the newest inspection so lists show status without a join.
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    last_inspected_at: Mapped[datetime | None] = mapped_column()
    reinspection_due: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    commune: Mapped[Commune] = relationship()
    inspections: Mapped[list["Inspection"]] = relationship(  # noqa: F821
        back_populates="venue",
        order_by="[Inspection.server_time.desc(), Inspection.id.desc()]",
    )

    def refresh_search_key(self) -> None:
        self.search_key = search_text(
            " ".join([self.name or "", self.code or "", self.address or ""])
        )

    @property
    def full_address(self) -> str:
        """Its address with its commune, district and province, each written once:
        "Bản Na Hồ, xã Sơn Hà, huyện Quan Sơn, tỉnh Thanh Hóa" (places.address_line)."""
        district = self.commune.district
        return full_address(
            self.address,
            self.commune.name,
            self.commune.kind,
            district.name,
            district.province.name,
            district_kind=district.kind,
            province_kind=district.province.kind,
        )

    @property
    def commune_address(self) -> str:
        """Its address with its commune only, written once: "Bản Na Hồ, xã Sơn Hà" (for
        screens of one district, such as the likely duplicates)."""
        return address_line(self.address, official_name(self.commune.name, self.commune.kind))

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_enterprise(self) -> bool:
        return self.venue_type == "enterprise"


@db.event.listens_for(Venue, "before_insert")
@db.event.listens_for(Venue, "before_update")
def _keep_search_key(mapper, connection, venue: Venue) -> None:
    venue.refresh_search_key()


class DuplicateDismissal(db.Model):
    """Two venues an admin said are not the same place: not listed as duplicates again."""

    __tablename__ = "duplicate_dismissal"
    __table_args__ = (db.UniqueConstraint("first_id", "second_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[int] = mapped_column(ForeignKey("venue.id"))  # the lower id
    second_id: Mapped[int] = mapped_column(ForeignKey("venue.id"))
    dismissed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    dismissed_at: Mapped[datetime] = mapped_column(default=clock.utcnow)


class VenueImport(db.Model):
    """A confirmed import of a district's venue registry, made by a job on the queue
    (fieldapp/venues/tasks.py); its state and result live here for the run's page."""

    __tablename__ = "venue_import"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    source: Mapped[str] = mapped_column(String(200), default="")  # the file's name, as chosen
    file_key: Mapped[str] = mapped_column(String(200))  # where it waits (fieldapp/uploads.py)
    update_registered: Mapped[bool] = mapped_column(Boolean, default=False)
    # waiting (in the job queue), running, done, failed
    state: Mapped[str] = mapped_column(String(20), default="waiting")
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    # The refused rows: a JSON list of [row number, reasons], in the requester's language.
    refusals: Mapped[str] = mapped_column(Text, default="[]")
    error: Mapped[str] = mapped_column(String(300), default="")
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    district: Mapped[District] = relationship()
    requested_by: Mapped[User] = relationship()

    @property
    def refused_rows(self) -> list[tuple[int, str]]:
        return [(int(row), str(reasons)) for row, reasons in json.loads(self.refusals or "[]")]
