"""Distances on the ground: the GPS check and the duplicate search both measure with these."""

import pytest

from fieldapp.geo import distance_m, grid_cell

# Sơn Hà, Quan Sơn, and the district's market about 1.5 km east of it.
SON_HA = (20.2560, 104.9420)


def test_distance_is_zero_at_the_same_point_and_the_same_both_ways():
    market = (20.2560, 104.9564)
    assert distance_m(*SON_HA, *SON_HA) == 0
    assert distance_m(*SON_HA, *market) == pytest.approx(distance_m(*market, *SON_HA))
    assert 1490 < distance_m(*SON_HA, *market) < 1510


def test_a_degree_of_latitude_is_about_111_km():
    assert distance_m(20.0, 105.0, 21.0, 105.0) == pytest.approx(111_195, rel=1e-3)


def test_a_degree_of_longitude_shrinks_away_from_the_equator():
    at_equator = distance_m(0.0, 105.0, 0.0, 106.0)
    in_thanh_hoa = distance_m(20.0, 105.0, 20.0, 106.0)
    assert in_thanh_hoa == pytest.approx(at_equator * 0.9397, rel=1e-3)  # cos 20°


@pytest.mark.parametrize(("north_m", "east_m"), [(0, 15), (15, 0), (12, 12), (-10, -15)])
def test_points_closer_than_a_cell_are_in_the_same_or_an_adjacent_cell(north_m, east_m):
    cell_degrees = 0.0002  # about 22 m of latitude
    lat, lon = SON_HA
    other = (lat + north_m / 111_195, lon + east_m / (111_195 * 0.938))
    assert distance_m(lat, lon, *other) < 22
    (r1, c1), (r2, c2) = grid_cell(lat, lon, cell_degrees), grid_cell(*other, cell_degrees)
    assert abs(r1 - r2) <= 1 and abs(c1 - c2) <= 1


def test_cells_far_apart_differ():
    assert grid_cell(*SON_HA, 0.0002) != grid_cell(20.2570, 104.9420, 0.0002)
