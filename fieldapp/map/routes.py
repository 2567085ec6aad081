"""The district's venues on a map, coloured by their last outcome."""

from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask_login import current_user, login_required

from fieldapp.access import district_venues
from fieldapp.extensions import db
from fieldapp.models import Venue

bp = Blueprint("map", __name__, url_prefix="/map")


def venue_points(district_ids: int | list[int]) -> list[dict]:
    """Open venues with a registered position: where, what, and the last outcome."""
    rows = db.session.execute(
        district_venues(district_ids)
        .with_only_columns(
            Venue.id, Venue.name, Venue.latitude, Venue.longitude, Venue.last_outcome
        )
        .where(Venue.is_active.is_(True), Venue.latitude.is_not(None), Venue.longitude.is_not(None))
    )
    return [
        {"id": id_, "name": name, "lat": lat, "lon": lon, "outcome": outcome or "none"}
        for id_, name, lat, lon, outcome in rows
    ]


@bp.route("")
@login_required
def index():
    """The map page; without a tile server the markers show on a plain background."""
    return render_template(
        "map/index.html",
        tile_url=current_app.config["MAP_TILE_URL"],
        attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    )


@bp.route("/venues.json")
@login_required
def venues():
    """The markers' data for the user's district."""
    return jsonify(
        venues=venue_points(current_user.district_ids), venue_url=url_for("venues.search") + "/"
    )  # + the venue's id
