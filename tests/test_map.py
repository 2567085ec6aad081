"""The map of the district's venues."""


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
