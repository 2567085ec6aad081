"""People who use the app: inspectors, supervisors, admins."""

import enum
import secrets
import unicodedata

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, select
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from fieldapp.config import PASSWORD_HASH_METHOD
from fieldapp.extensions import db
from fieldapp.models.unit import Commune, District


def hash_method() -> str:
    """The hashing of new passwords (tests lower the cost through PASSWORD_HASH_METHOD)."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD", PASSWORD_HASH_METHOD)
    return PASSWORD_HASH_METHOD


def composed(password: str) -> str:
    """A password in one Unicode form (NFC): a keyboard may type "ệ" as one character or as
    "e" and two marks, and the same passphrase must match either way."""
    return unicodedata.normalize("NFC", password)


def matching_form(password_hash: str, password: str) -> str | None:
    """The form of the password the hash was made of, or None when none matches: the one
    place a password is compared with a hash (also with the dummy one). Hashes are of the
    composed form (NFC); one set before that may be of a decomposed one (NFD), whichever
    form is typed now."""
    forms = dict.fromkeys((composed(password), unicodedata.normalize("NFD", password), password))
    return next((form for form in forms if check_password_hash(password_hash, form)), None)


def password_matches(password_hash: str, password: str) -> bool:
    return matching_form(password_hash, password) is not None


_DUMMY_HASHES: dict[str, str] = {}


def dummy_hash() -> str:
    """A hash of a random password, made with today's method: checked for an unknown
    username, so that it costs as much time as a known one."""
    method = hash_method()
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _DUMMY_HASHES[method]


class Role(str, enum.Enum):
    INSPECTOR = "inspector"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


# The roles that record findings (see User.can_inspect); for queries over users.
INSPECTING_ROLES = (Role.INSPECTOR.value, Role.SUPERVISOR.value)


class Scope(str, enum.Enum):
    """How far a supervisor sees: their district, every district of its province, or every
    district of every province (a national supervisor, made only at the command line)."""

    DISTRICT = "district"
    PROVINCE = "province"
    COUNTRY = "country"


# The area a national supervisor sees, as the top bar and the reports name it (a place name).
COUNTRY_NAME = "Việt Nam"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.INSPECTOR.value)
    # The district the user works in; a province supervisor's is where their office sits.
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    scope: Mapped[str] = mapped_column(
        String(10), default=Scope.DISTRICT.value, server_default=Scope.DISTRICT.value
    )
    # Set for commune culture officers: their commune is the default filter.
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id"))
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # Part of every session and remember-me cookie of this user: raising it (logout, a new
    # password, disabling) makes all of them invalid on the server.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Set by an admin's reset: the one-time password must be replaced before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    district: Mapped[District] = relationship()
    commune: Mapped[Commune | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts.
        return self.is_enabled

    def set_password(self, password: str) -> None:
        """Store a new password's hash; every session of the user ends (the rules for what
        a password may be are in auth/passwords.py, asked by the forms and the CLI)."""
        self.password_hash = generate_password_hash(composed(password), method=hash_method())
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        """Whether the password is this user's; a hash of a decomposed form is made again
        of the composed one (the caller commits), so the next check needs one try."""
        form = matching_form(self.password_hash, password)
        if form is None:
            return False
        if form != composed(password):
            self.password_hash = generate_password_hash(composed(password), method=hash_method())
        return True

    def end_sessions(self) -> None:
        """Make every session and remember-me cookie of this user invalid."""
        self.session_version = (self.session_version or 1) + 1

    @property
    def sees_province(self) -> bool:
        """Sees every district of a whole province at least (a national supervisor too)."""
        wide = (Scope.PROVINCE.value, Scope.COUNTRY.value)
        return self.scope in wide and not self.is_inspector

    @property
    def sees_country(self) -> bool:
        """Sees every district of every province: the national summary."""
        return self.scope == Scope.COUNTRY.value and not self.is_inspector

    @property
    def district_ids(self) -> list[int]:
        """The districts whose venues, findings and reports this user may see."""
        if not self.sees_province:
            return [self.district_id]
        if getattr(self, "_province_district_ids", None) is None:
            query = select(District.id).order_by(District.name)
            if not self.sees_country:
                query = query.where(District.province_id == self.district.province_id)
            self._province_district_ids = list(db.session.scalars(query))
        return self._province_district_ids

    @property
    def area_name(self) -> str:
        """The area the user sees, as the top bar names it (a place name, not UI text)."""
        if self.sees_country:
            return COUNTRY_NAME
        if self.sees_province:
            return self.district.province.name
        return self.district.name

    # What the user may do: routes and templates ask these, never the role string.
    @property
    def is_inspector(self) -> bool:
        """Field staff: they see their own findings first and are the ones assigned visits."""
        return self.role == Role.INSPECTOR.value

    @property
    def can_inspect(self) -> bool:
        """Records findings (supervisors too: small offices inspect)."""
        return self.role in INSPECTING_ROLES

    @property
    def can_review(self) -> bool:
        """Approves or returns findings."""
        return self.role == Role.SUPERVISOR.value

    @property
    def can_assign(self) -> bool:
        """Assigns visits to inspectors."""
        return self.role == Role.SUPERVISOR.value

    @property
    def works_in_office(self) -> bool:
        """Supervisors and admins: the log of everyone, reports, posters' queue, escalations."""
        return self.role in (Role.SUPERVISOR.value, Role.ADMIN.value)

    @property
    def handles_citizen_reports(self) -> bool:
        """Assigns, answers and rejects citizens' reports: a district's own supervisors
        (a province's or the country's read them only)."""
        return self.can_review and not self.sees_province

    @property
    def in_district_office(self) -> bool:
        """Of one district's office (supervisor or admin, not a province's or the
        country's): sees the contact phone of a citizen's report."""
        return self.works_in_office and not self.sees_province

    @property
    def can_administer(self) -> bool:
        """Users, the venue registry (imports, merges) and settings."""
        return self.role == Role.ADMIN.value

    @property
    def keeps_holidays(self) -> bool:
        """Changes the public holiday list: it is national (every district's citizens'
        reports are due by it), so only an account of the whole country (made with `flask
        create-user --scope country`); the command line can too (`flask holidays`)."""
        return self.sees_country

    @property
    def sees_holidays(self) -> bool:
        """Reads the public holiday list: admins (a district's read it only) and who keeps
        it."""
        return self.can_administer or self.keeps_holidays
