"""People who use the app: inspectors, supervisors, admins."""
import enum

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from fieldapp.extensions import db
from fieldapp.models.unit import Commune, District


class Role(str, enum.Enum):
    INSPECTOR = "inspector"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.INSPECTOR.value)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    # Set for commune culture officers: their commune is the default filter.
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id"))
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    is_enabled: Mapped[bool] = mapped_column(default=True)

    district: Mapped[District] = relationship()
    commune: Mapped[Commune | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts.
        return self.is_enabled

    def set_password(self, password: str) -> None:
        # Tests lower the cost through PASSWORD_HASH_METHOD; production keeps scrypt.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") \
            if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def can_inspect(self) -> bool:
        return self.role in (Role.INSPECTOR.value, Role.SUPERVISOR.value)
