"""Administrative units: province > district > commune (xã / phường / thị trấn)."""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.extensions import db

COMMUNE_KINDS = ("xa", "phuong", "thi_tran")
# A district is a huyện, a quận, a thị xã or a thành phố thuộc tỉnh; a province a tỉnh or
# one of the centrally run cities (thành phố Hà Nội). fieldapp/places.py writes them.
DISTRICT_KINDS = ("huyen", "quan", "thi_xa", "thanh_pho")
PROVINCE_KINDS = ("tinh", "thanh_pho")


class Province(db.Model):
    __tablename__ = "province"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default="tinh", server_default="tinh")
    # Its place in the national list (the order of the places file or national spreadsheet
    # that registered it), where known; None: after those, by name.
    sheet_order: Mapped[int | None] = mapped_column()
    districts: Mapped[list["District"]] = relationship(back_populates="province")

    def __str__(self) -> str:
        return self.name


class District(db.Model):
    __tablename__ = "district"
    __table_args__ = (UniqueConstraint("province_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10), default="huyen", server_default="huyen")
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"))
    # Its place in the province's official list (the order of the places file that
    # registered it, fieldapp/places_import.py), where known; None: by name.
    sheet_order: Mapped[int | None] = mapped_column()
    province: Mapped[Province] = relationship(back_populates="districts")
    communes: Mapped[list["Commune"]] = relationship(
        back_populates="district", order_by="Commune.name"
    )

    def __str__(self) -> str:
        return self.name


class Commune(db.Model):
    __tablename__ = "commune"
    __table_args__ = (UniqueConstraint("district_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # The name without its prefix: "Sơn Hà", not "Xã Sơn Hà".
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10), default="xa")
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    # Its STT in the national spreadsheet of its district, as last imported (the official
    # order, kept week after week); None for a commune never imported (entered by hand).
    sheet_order: Mapped[int | None] = mapped_column()
    district: Mapped[District] = relationship(back_populates="communes")

    def __str__(self) -> str:
        return self.name
