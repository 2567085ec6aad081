"""Who may see what: every route that loads a record by id goes through here."""
from collections.abc import Iterable
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select

from fieldapp.extensions import db
from fieldapp.models import Commune, Inspection, Venue
from fieldapp.places import in_vietnamese_order


def district_venues(district_ids: int | Iterable[int]) -> Select:
    """Venues of one district (or of the districts a province supervisor sees), as a query."""
    ids = [district_ids] if isinstance(district_ids, int) else list(district_ids)
    return select(Venue).join(Venue.commune).where(Commune.district_id.in_(ids))


def venue_or_404(venue_id: int) -> Venue:
    """The venue if it exists in the current user's district; 404 otherwise."""
    venue = db.session.scalar(district_venues(current_user.district_ids).where(Venue.id == venue_id))
    if venue is None:
        abort(404)
    return venue


def commune_or_none(commune_id: int | None) -> Commune | None:
    """A commune of the current user's district, or None."""
    if not commune_id:
        return None
    return db.session.scalar(select(Commune).where(
        Commune.id == commune_id, Commune.district_id.in_(current_user.district_ids)))


def user_communes() -> list[Commune]:
    """The communes of the current user's district (or province), in Vietnamese order, for
    every picker."""
    return in_vietnamese_order(db.session.scalars(select(Commune).where(
        Commune.district_id.in_(current_user.district_ids))))


def inspection_or_404(inspection_id: int) -> Inspection:
    """An inspection of the current user's district; 404 otherwise."""
    inspection = db.session.scalar(
        select(Inspection).join(Inspection.venue).join(Venue.commune)
        .where(Inspection.id == inspection_id,
               Commune.district_id.in_(current_user.district_ids)))
    if inspection is None:
        abort(404)
    return inspection


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
