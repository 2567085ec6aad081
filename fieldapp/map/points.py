"""What the map shows of an area: each venue, or, when there are too many to draw on a
phone, their counts in the cells of a grid.

A district holds one or two thousand positioned venues: each is a marker. A province holds
tens of thousands and the country a million, which no phone can draw and no link can carry
(the whole country's markers were about 80 MB of JSON): above MAP_MARKER_MAX venues in
the asked box, the map gets cells instead, counted by the database. The grid's cells are
squares of a power of two of degrees with corners on multiples of it, so panning at one zoom
keeps the same cells; a tap on one zooms to its venues.

Only portable SQL: the cell of a position is `round(degrees / size)` on both engines (ties,
a position exactly on a half cell, are rounded either way by PostgreSQL; a cell is only a
place to zoom into).
"""

import math
from dataclasses import dataclass, field

from sqlalchemy import Integer, case, cast, func, select

from fieldapp.access import covers_every_district, district_venues
from fieldapp.extensions import db
from fieldapp.models import Venue

# About this many cells across the box's longer side.
GRID = 12
OUTCOMES = ("compliant", "needs_improvement", "non_compliant", "none")


class BoxRefused(ValueError):
    """The box asked for is not four numbers south, west, north, east on the globe."""


@dataclass(frozen=True)
class Box:
    south: float
    west: float
    north: float
    east: float

    @classmethod
    def parse(cls, text: str | None) -> "Box | None":
        """The box of `?bbox=south,west,north,east` (Leaflet's `toBBoxString` order is
        west,south,east,north: the page sends this one); None when not given."""
        if text is None or not text.strip():
            return None
        try:
            south, west, north, east = (float(part) for part in text.split(","))
        except ValueError:
            raise BoxRefused(text) from None
        if not all(math.isfinite(value) for value in (south, west, north, east)):
            raise BoxRefused(text)
        if not (-90 <= south <= north <= 90 and -180 <= west <= east <= 180):
            raise BoxRefused(text)
        return cls(south, west, north, east)


@dataclass
class Cell:
    """The venues of one square of the grid: how many, where they lie, their outcomes."""

    lat: float
    lon: float
    count: int
    bounds: list[list[float]]
    outcomes: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "lat": self.lat,
            "lon": self.lon,
            "count": self.count,
            "bounds": self.bounds,
            "outcomes": self.outcomes,
        }


@dataclass
class MapPoints:
    """Either `venues` (each one) or `cells` (counts), never both; `total` venues in all."""

    total: int
    venues: list[dict]
    cells: list[Cell]
    bounds: list[list[float]] | None

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "venues": self.venues,
            "cells": [cell.as_json() for cell in self.cells],
            "bounds": self.bounds,
        }


def _positioned(district_ids: list[int], box: Box | None):
    # A national user's area is every venue: no need to join each one to its district.
    area = select(Venue) if covers_every_district(district_ids) else district_venues(district_ids)
    stmt = area.where(
        Venue.is_active.is_(True), Venue.latitude.is_not(None), Venue.longitude.is_not(None)
    )
    if box is not None:
        stmt = stmt.where(
            Venue.latitude.between(box.south, box.north),
            Venue.longitude.between(box.west, box.east),
        )
    return stmt


def _bounds(points) -> list[list[float]] | None:
    points = list(points)
    if not points:
        return None
    lats = [lat for lat, _lon in points]
    lons = [lon for _lat, lon in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def cell_size(south: float, west: float, north: float, east: float) -> float:
    """The side of the grid's cells for a box: the power of two of degrees (1/1024 at the
    least) that makes about GRID cells across its longer side."""
    span = max(north - south, east - west, 1e-9)
    return max(2.0 ** math.ceil(math.log2(span / GRID)), 2.0**-10)


def map_points(district_ids: list[int], box: Box | None, marker_max: int) -> MapPoints:
    """The positioned open venues of the districts (in the box, when one is given): each
    one when there are at most `marker_max`, else their counts per cell of the grid."""
    positioned = _positioned(district_ids, box)
    first = db.session.execute(
        positioned.with_only_columns(
            Venue.id, Venue.name, Venue.latitude, Venue.longitude, Venue.last_outcome
        )
        .order_by(Venue.id)
        .limit(marker_max + 1)
    ).all()
    if len(first) <= marker_max:
        venues = [
            {"id": id_, "name": name, "lat": lat, "lon": lon, "outcome": outcome or "none"}
            for id_, name, lat, lon, outcome in first
        ]
        return MapPoints(len(venues), venues, [], _bounds((v["lat"], v["lon"]) for v in venues))
    if box is None:  # the whole area: its extent sets the grid
        south, west, north, east = db.session.execute(
            positioned.with_only_columns(
                func.min(Venue.latitude),
                func.min(Venue.longitude),
                func.max(Venue.latitude),
                func.max(Venue.longitude),
            )
        ).one()
    else:
        south, west, north, east = box.south, box.west, box.north, box.east
    return (
        MapPoints(0, [], [], None)
        if south is None
        else _cells(positioned, cell_size(south, west, north, east))
    )


def _cells(positioned, size: float) -> MapPoints:
    row = cast(func.round(Venue.latitude / size), Integer).label("cell_row")
    column = cast(func.round(Venue.longitude / size), Integer).label("cell_column")
    outcome = func.coalesce(Venue.last_outcome, "none")
    counted = (
        positioned.with_only_columns(
            row,
            column,
            func.count(),
            func.avg(Venue.latitude),
            func.avg(Venue.longitude),
            func.min(Venue.latitude),
            func.min(Venue.longitude),
            func.max(Venue.latitude),
            func.max(Venue.longitude),
            *(func.sum(case((outcome == name, 1), else_=0)) for name in OUTCOMES),
        )
        .group_by(row, column)
        .order_by(row, column)
    )
    cells = []
    for _row, _col, count, lat, lon, south, west, north, east, *by_outcome in db.session.execute(
        counted
    ):
        cells.append(
            Cell(
                float(lat),
                float(lon),
                int(count),
                [[south, west], [north, east]],
                {name: int(n or 0) for name, n in zip(OUTCOMES, by_outcome, strict=True)},
            )
        )
    total = sum(cell.count for cell in cells)
    corners = [corner for cell in cells for corner in cell.bounds]
    return MapPoints(total, [], cells, _bounds((lat, lon) for lat, lon in corners))
