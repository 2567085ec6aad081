"""Distances on the ground, from the latitudes and longitudes phones and registries give.

The bottom of the app: plain functions of numbers, importing nothing of fieldapp.
"""

import math

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def grid_cell(latitude: float, longitude: float, cell_degrees: float) -> tuple[int, int]:
    """The square of a grid about `cell_degrees` of latitude wide that a point falls in.

    A degree of longitude shrinks with the cosine of the latitude, so columns are widened to
    keep cells about square on the ground; points closer than a cell are in the same or an
    adjacent one.
    """
    shrink = max(0.2, math.cos(math.radians(latitude)))
    return (math.floor(latitude / cell_degrees), math.floor(longitude / cell_degrees / shrink))
