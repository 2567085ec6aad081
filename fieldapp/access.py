"""Who may see what: every route that loads a record by id goes through here."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from fieldapp.extensions import db
from fieldapp.fragments import id_param
from fieldapp.models import (
    Assignment,
    CitizenReport,
    Commune,
    District,
    Inspection,
    InspectionPhoto,
    Poster,
    PosterBatch,
    Province,
    Scope,
    User,
    Venue,
    VenueImport,
)
from fieldapp.places import in_vietnamese_order


def covers_every_district(district_ids: Iterable[int]) -> bool:
    """Whether these districts are all the country's (a national user's area): a query of
    every venue then needs no join to their districts."""
    wanted = set(district_ids)
    return len(wanted) > 1 and len(wanted) == db.session.scalar(
        select(func.count()).select_from(District)
    )


def district_venues(district_ids: int | Iterable[int]) -> Select:
    """Venues of one district (or of the districts a province supervisor sees), as a query."""
    ids = [district_ids] if isinstance(district_ids, int) else list(district_ids)
    return select(Venue).join(Venue.commune).where(Commune.district_id.in_(ids))


def venue_or_404(venue_id: int) -> Venue:
    """The venue if it exists in the current user's district; 404 otherwise."""
    venue = db.session.scalar(
        district_venues(current_user.district_ids).where(Venue.id == venue_id)
    )
    if venue is None:
        abort(404)
    return venue


def commune_or_none(commune_id: int | None) -> Commune | None:
    """A commune of the current user's district, or None."""
    if not commune_id:
        return None
    return db.session.scalar(
        select(Commune).where(
            Commune.id == commune_id, Commune.district_id.in_(current_user.district_ids)
        )
    )


class ForeignCommune(Exception):
    """A form named a commune that is not one of the user's, or not a commune id at all."""

    message = _l("This commune is not one of your district's. Choose it again from the list.")


def chosen_commune(value: str | None) -> Commune | None:
    """The commune a form chose by its id: None when it chose none. A value that is not the
    id of one of the current user's communes raises ForeignCommune: a forged or stale id is
    refused, never read as "no commune" (the whole district)."""
    if not (value or "").strip():
        return None
    commune = commune_or_none(id_param(value))
    if commune is None:
        raise ForeignCommune(value)
    return commune


def user_communes() -> list[Commune]:
    """The communes of the current user's district (or province), in Vietnamese order, for
    every picker."""
    return in_vietnamese_order(
        db.session.scalars(
            select(Commune).where(Commune.district_id.in_(current_user.district_ids))
        )
    )


# A filter's list of communes offers the user's communes up to this many (a province's
# hundred and seventy); a national scope's ten thousand would make the page hundreds of
# kilobytes: the list is left out, and a commune is picked from a report's links instead.
PICKER_MAX = 400


def _too_many_to_list() -> bool:
    """Whether the user's communes are more than a picker lists (PICKER_MAX)."""
    count = db.session.scalar(
        select(func.count())
        .select_from(Commune)
        .where(Commune.district_id.in_(current_user.district_ids))
    )
    return count > PICKER_MAX


def picker_communes() -> list[Commune]:
    """The communes a filter's list offers: the user's, or none when there are too many to
    list (a national scope)."""
    return [] if _too_many_to_list() else user_communes()


@dataclass
class CommunePicker:
    """The places a venue's form offers to put a venue in.

    Up to PICKER_MAX communes, every commune of the user's area (grouped by district when
    there are several). Beyond (a province's or the country's thousands), the user's
    districts are offered first and only the chosen district's communes."""

    communes: list[Commune]
    districts: list[District] = field(default_factory=list)  # to choose from first
    district: District | None = None  # the chosen one, when districts are offered

    def by_district(self) -> list[tuple[District, list[Commune]]]:
        """The communes under their districts, both in Vietnamese order."""
        communes: dict[int, list[Commune]] = {}
        for commune in self.communes:
            communes.setdefault(commune.district_id, []).append(commune)
        districts = db.session.scalars(select(District).where(District.id.in_(communes)))
        return [(district, communes[district.id]) for district in in_vietnamese_order(districts)]


def commune_picker(district_id: int | None = None) -> CommunePicker:
    """The picker of the current user's area; `district_id` is the district chosen first
    (one of the user's, else none is chosen) when the area has too many communes to list."""
    if not _too_many_to_list():
        return CommunePicker(user_communes())
    districts = list(
        db.session.scalars(
            select(District)
            .where(District.id.in_(current_user.district_ids))
            .options(joinedload(District.province))
        )
    )
    by_province: dict[Province, list[District]] = {}
    for district in districts:
        by_province.setdefault(district.province, []).append(district)
    ordered = [
        district
        for province in in_vietnamese_order(by_province)
        for district in in_vietnamese_order(by_province[province])
    ]
    district = district_or_none(district_id)
    communes = (
        in_vietnamese_order(
            db.session.scalars(select(Commune).where(Commune.district_id == district.id))
        )
        if district
        else []
    )
    return CommunePicker(communes, ordered, district)


def inspection_or_404(inspection_id: int) -> Inspection:
    """An inspection of the current user's district; 404 otherwise."""
    return _of_a_venue_in_scope_or_404(Inspection, inspection_id)


def assignment_or_404(assignment_id: int) -> Assignment:
    """An assignment of a venue of the current user's district(s); 404 otherwise."""
    return _of_a_venue_in_scope_or_404(Assignment, assignment_id)


def _of_a_venue_in_scope_or_404(model, record_id: int):
    """A finding or assignment (a record of one venue) whose venue lies in the current
    user's district(s); 404 otherwise."""
    record = db.session.scalar(
        select(model)
        .join(model.venue)
        .join(Venue.commune)
        .where(model.id == record_id, Commune.district_id.in_(current_user.district_ids))
    )
    if record is None:
        abort(404)
    return record


def citizen_report_or_404(report_id: int) -> CitizenReport:
    """A citizen's report of a commune of the current user's district(s); 404 otherwise."""
    report = db.session.scalar(
        select(CitizenReport)
        .join(CitizenReport.commune)
        .where(CitizenReport.id == report_id, Commune.district_id.in_(current_user.district_ids))
    )
    if report is None:
        abort(404)
    return report


def allowed_if(permission: str):
    """Guard a view: 403 unless the current user has `permission`, a property of User
    such as "can_inspect" or "works_in_office". Put it below @login_required."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not getattr(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = permission  # read by the access table's test
        return wrapped

    return decorate


inspectors_only = allowed_if("can_inspect")
office_only = allowed_if("works_in_office")
reviewers_only = allowed_if("can_review")
assigners_only = allowed_if("can_assign")
admins_only = allowed_if("can_administer")
province_only = allowed_if("sees_province")
country_only = allowed_if("sees_country")


def poster_or_404(poster_id: int) -> Poster:
    """A poster of a venue of the current user's district; 404 otherwise."""
    poster = db.session.scalar(
        select(Poster)
        .join(Poster.venue)
        .join(Venue.commune)
        .where(Poster.id == poster_id, Commune.district_id.in_(current_user.district_ids))
    )
    if poster is None:
        abort(404)
    return poster


def batch_or_404(batch_id: int) -> PosterBatch:
    """A poster batch filed under one of the current user's districts; 404 otherwise."""
    batch = db.session.scalar(
        select(PosterBatch).where(
            PosterBatch.id == batch_id, PosterBatch.district_id.in_(current_user.district_ids)
        )
    )
    if batch is None:
        abort(404)
    return batch


def import_run_or_404(run_id: int) -> VenueImport:
    """A venue registry import into one of the current user's districts; 404 otherwise."""
    run = db.session.scalar(
        select(VenueImport).where(
            VenueImport.id == run_id, VenueImport.district_id.in_(current_user.district_ids)
        )
    )
    if run is None:
        abort(404)
    return run


def district_or_none(district_id: int | None) -> District | None:
    """One of the districts the current user may see, picked in a form; None otherwise."""
    if district_id is None or district_id not in current_user.district_ids:
        return None
    return db.session.get(District, district_id)


def province_or_404(province_id: int) -> Province:
    """A province the current user sees whole (their own, or any for a national user);
    another is not found."""
    province = db.session.get(Province, province_id)
    if province is None or not current_user.sees_province:
        abort(404)
    if not current_user.sees_country and province.id != current_user.district.province_id:
        abort(404)
    return province


def district_or_404(district_id: int) -> District:
    """One of the districts the current user may see; another's is not found."""
    if district_id not in current_user.district_ids:
        abort(404)
    return db.session.get(District, district_id)


def asked_district_or_404(asked: str | None) -> District:
    """The district a page was asked for (`?district=`), else the user's own; one the user
    may not see is not found."""
    return district_or_404(id_param(asked) or current_user.district_id)


def photo_or_404(path: str) -> InspectionPhoto:
    """A photo (by its stored path) of a finding of the current user's district."""
    photo = db.session.scalar(
        select(InspectionPhoto)
        .join(InspectionPhoto.inspection)
        .join(Inspection.venue)
        .join(Venue.commune)
        .where(InspectionPhoto.path == path, Commune.district_id.in_(current_user.district_ids))
    )
    if photo is None:
        abort(404)
    return photo


def user_districts() -> list[District]:
    """The districts the current user sees, in Vietnamese order, for pickers."""
    return in_vietnamese_order(
        db.session.scalars(select(District).where(District.id.in_(current_user.district_ids)))
    )


# The scopes of the accounts an admin manages on the accounts screen: their district's own.
# No admin sees more than their district (only supervisors see a province or the country:
# users/service.py `scope_problem`), so no one in the app may give, edit, reset or disable an
# account that sees a whole province or the country: those are made and managed at the
# command line (`flask create-user --scope province|country`, `set-password`, `disable-user`).
SCREEN_SCOPES = (Scope.DISTRICT.value,)


def managed_users() -> Select:
    """The accounts the current admin manages on the accounts screen: of their districts,
    and of a district's scope only (SCREEN_SCOPES)."""
    return select(User).where(
        User.district_id.in_(current_user.district_ids), User.scope.in_(SCREEN_SCOPES)
    )


def user_or_404(user_id: int) -> User:
    """An account the current admin manages (`managed_users`); any other is not found."""
    user = db.session.scalar(managed_users().where(User.id == user_id))
    if user is None:
        abort(404)
    return user


def district_users() -> Select:
    """The accounts of the current user's districts, as a query (who acted, for the audit
    trail's filter; the accounts an admin manages are `managed_users`). A national account
    is no district's: only a national user finds one here."""
    query = select(User).where(User.district_id.in_(current_user.district_ids))
    if not current_user.sees_country:
        query = query.where(User.scope != Scope.COUNTRY.value)
    return query
