"""Administrative units: province > district > commune (xã / phường / thị trấn)."""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.extensions import db

COMMUNE_KINDS = ("xa", "phuong", "thi_tran")


class Province(db.Model):
    __tablename__ = "province"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    districts: Mapped[list["District"]] = relationship(back_populates="province")

    def __str__(self) -> str:
        return self.name


class District(db.Model):
    __tablename__ = "district"
    __table_args__ = (UniqueConstraint("province_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"))
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
    district: Mapped[District] = relationship(back_populates="communes")

    def __str__(self) -> str:
        return self.name
