"""The area's venues on a map, coloured by their last outcome; counted per cell of a grid
when there are too many to draw."""

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldapp.map.points import Box, BoxRefused, map_points

bp = Blueprint("map", __name__, url_prefix="/map")


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
    """The markers' data for the user's area, in the map's box when it sends one
    (`?bbox=south,west,north,east`): each venue, or counts per cell when there are too many
    to draw (fieldapp/map/points.py)."""
    try:
        box = Box.parse(request.args.get("bbox"))
    except BoxRefused:
        return jsonify(
            status="refused",
            message=_("The map's area could not be read. Reload the map."),
        ), 400
    points = map_points(current_user.district_ids, box, current_app.config["MAP_MARKER_MAX"])
    return jsonify(**points.as_json(), venue_url=url_for("venues.search") + "/")  # + the id
