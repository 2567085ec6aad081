"""The map of the district's venues."""

from fieldapp.map.points import cell_size


def test_map_data_is_the_district_s_positioned_open_venues(
    post_finding, client, login, make_venue, other_district
):
    login()
    market = make_venue("Chợ Sơn Hà", latitude=20.256, longitude=104.942)
    make_venue("Quán không toạ độ", venue_type="shop")
    make_venue("Nhà nghỉ cũ", latitude=20.25, longitude=104.94, is_active=False)
    make_venue(
        "Chợ Chiềng Đông", commune=other_district.communes[0], latitude=21.1, longitude=104.0
    )
    post_finding(market, qr_posted="damaged")
    body = client.get("/map/venues.json").get_json()
    assert body["venues"] == [
        {
            "id": market.id,
            "name": "Chợ Sơn Hà",
            "lat": 20.256,
            "lon": 104.942,
            "outcome": "needs_improvement",
        }
    ]
    assert body["venue_url"] == "/venues/"


def test_map_page_works_without_tiles(client, login, app):
    login()
    page = client.get("/map").get_data(as_text=True)
    assert 'data-tile-url=""' in page and "leaflet.js" in page and "Bản đồ địa điểm" in page
    app.config["MAP_TILE_URL"] = "https://tiles.example/{z}/{x}/{y}.png"
    assert 'data-tile-url="https://tiles.example/{z}/{x}/{y}.png"' in client.get("/map").get_data(
        as_text=True
    )


def test_map_needs_a_login(client, quan_son):
    assert client.get("/map").status_code == 302
    assert client.get("/map/venues.json").status_code == 302


# A province or the country has too many venues to draw one by one: above MAP_MARKER_MAX in
# the box, the map gets counts per cell of a grid (fieldapp/map/points.py).


def _grid(make_venue, commune=None, rows=4, columns=5, south=20.0, west=104.5, step=0.01):
    """rows x columns venues on a regular grid; the first row compliant."""
    return [
        make_venue(
            f"Cửa hàng {r}-{c}",
            commune=commune,
            venue_type="shop",
            latitude=south + r * step + 0.0013,
            longitude=west + c * step + 0.0017,
            last_outcome="compliant" if r == 0 else None,
        )
        for r in range(rows)
        for c in range(columns)
    ]


def test_too_many_venues_come_as_counts_per_cell(app, client, login, make_venue, other_district):
    login(role="supervisor")
    venues = _grid(make_venue)
    _grid(make_venue, commune=other_district.communes[0])  # never counted for Quan Sơn
    app.config["MAP_MARKER_MAX"] = len(venues) - 1
    body = client.get("/map/venues.json").get_json()
    assert body["venues"] == [] and body["total"] == len(venues)
    cells = body["cells"]
    assert len(cells) > 1 and sum(cell["count"] for cell in cells) == len(venues)
    assert sum(cell["outcomes"]["compliant"] for cell in cells) == 5
    assert sum(cell["outcomes"]["none"] for cell in cells) == 15
    # Every venue lies inside exactly the cells' bounds that hold it, and each cell's
    # centre is the mean of its venues.
    for venue in venues:
        holding = [
            cell
            for cell in cells
            if cell["bounds"][0][0] <= venue.latitude <= cell["bounds"][1][0]
            and cell["bounds"][0][1] <= venue.longitude <= cell["bounds"][1][1]
        ]
        assert len(holding) == 1
    for cell in cells:
        (south, west), (north, east) = cell["bounds"]
        assert south <= cell["lat"] <= north and west <= cell["lon"] <= east
    (south, west), (north, east) = body["bounds"]
    assert south == min(v.latitude for v in venues) and east == max(v.longitude for v in venues)


def test_the_box_keeps_the_venues_inside_it(app, client, login, make_venue):
    login(role="supervisor")
    _grid(make_venue)
    app.config["MAP_MARKER_MAX"] = 5
    # The first two columns of the first row only: few enough to draw each.
    box = "19.99,104.5,20.005,104.515"
    body = client.get(f"/map/venues.json?bbox={box}").get_json()
    assert body["cells"] == []
    assert sorted(v["name"] for v in body["venues"]) == ["Cửa hàng 0-0", "Cửa hàng 0-1"]
    assert body["total"] == 2
    # A box with more than the map draws: counts again, only of what the box holds.
    body = client.get("/map/venues.json?bbox=19.99,104.5,20.025,104.6").get_json()
    assert body["venues"] == [] and body["total"] == 15


def test_a_province_supervisor_s_map_counts_the_province_only(
    app, client, login, make_user, make_venue, neighbour_district, other_district
):
    login(make_user("tinh", role="supervisor", district=neighbour_district, scope="province"))
    ours = _grid(make_venue) + _grid(make_venue, commune=neighbour_district.communes[0], south=21)
    _grid(make_venue, commune=other_district.communes[0], south=22)
    app.config["MAP_MARKER_MAX"] = 10
    body = client.get("/map/venues.json").get_json()
    assert body["total"] == len(ours) == 40
    assert max(cell["bounds"][1][0] for cell in body["cells"]) < 22


def test_a_box_that_is_not_one_is_refused_with_a_message(client, login):
    login()
    for box in ("abc", "1,2,3", "20,105,19,106", "20,105,21,200", "nan,1,2,3", "1,2,3,inf"):
        response = client.get("/map/venues.json", query_string={"bbox": box})
        assert response.status_code == 400, box
        assert response.get_json()["message"] == "Không đọc được vùng bản đồ. Hãy tải lại bản đồ."


def test_the_grid_s_cells_are_powers_of_two_of_degrees():
    assert cell_size(8.0, 102.0, 23.5, 110.0) == 2.0  # the country: 15.5 degrees / 12
    assert cell_size(20.0, 104.5, 20.5, 105.0) == 2.0**-4
    assert cell_size(20.0, 104.5, 20.0, 104.5) == 2.0**-10  # one point


def test_a_national_supervisor_s_map_counts_every_district(
    app, client, login, make_user, make_venue, other_district
):
    login(make_user("quocgia", role="supervisor", scope="country"))
    every = _grid(make_venue) + _grid(make_venue, commune=other_district.communes[0], south=22)
    make_venue("Nhà nghỉ đã đóng", latitude=20.1, longitude=104.6, is_active=False)
    make_venue("Quán không tọa độ")
    app.config["MAP_MARKER_MAX"] = 10
    body = client.get("/map/venues.json").get_json()
    assert body["total"] == len(every) == 40
    assert sum(cell["count"] for cell in body["cells"]) == 40
