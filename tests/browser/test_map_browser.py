"""The map on the phone when an area has more venues than it draws: numbered cells, and a
tap on one zooms in to its venues (fieldapp/map/points.py, static/js/map.js)."""

from playwright.sync_api import expect

from fieldapp.extensions import db
from fieldapp.models import Commune, Venue
from tests.browser.phone import assert_fits_phone, log_in, screenshot, wait_until

# Cells of 1/64 degree (the area spans about 0.16 degree): these positions lie well inside
# two of them, three venues each (with the Sơn Hà market of the live app's district).
NEAR = [(20.2505, 104.9385), (20.2515, 104.9395)]
FAR = [(20.4063, 105.0938), (20.4068, 105.0942), (20.4071, 105.0931)]


def test_a_crowded_area_shows_numbers_that_zoom_in(phone, live_app):
    with live_app.app_context():
        commune = db.session.scalar(db.select(Commune).where(Commune.name == "Sơn Hà"))
        for n, (lat, lon) in enumerate(NEAR + FAR):
            db.session.add(
                Venue(
                    code=f"QS-MAP-{n}",
                    name=f"Cửa hàng bản đồ {n}",
                    venue_type="shop",
                    commune=commune,
                    latitude=lat,
                    longitude=lon,
                )
            )
        db.session.commit()
    live_app.config["MAP_MARKER_MAX"] = 3
    log_in(phone)
    phone.goto("/map")
    cells = phone.locator("[data-map-cell]")
    expect(cells).to_have_count(2)
    assert sorted(cells.all_inner_texts()) == ["3", "3"]
    expect(phone.locator("[data-map-count]")).to_have_text(
        "6 địa điểm trong vùng này: chạm vào một số để phóng to."
    )
    assert_fits_phone(phone)
    screenshot(phone, "map-cells")
    phone.locator(".map-cell").first.click()
    # Zoomed in to the cell's three venues: few enough to draw each one.
    expect(phone.locator("[data-map-count]")).to_have_text("3 địa điểm trên bản đồ")
    expect(cells).to_have_count(0)
    wait_until(phone, "!document.querySelector('[data-map]').hasAttribute('aria-busy')")
    screenshot(phone, "map-cell-zoomed")


def test_a_venues_popup_says_its_outcome_and_opens_it_with_a_big_button(phone, live_app):
    """A tap on a venue's dot: its name, its last outcome in words (the colour alone says
    little in sunlight), and a link the size of a button."""
    with live_app.app_context():
        market = db.session.scalar(db.select(Venue).where(Venue.code == "QS-SH-0001"))
        market.last_outcome = "non_compliant"
        db.session.commit()
        market_id = market.id
    log_in(phone)
    phone.goto("/map")
    expect(phone.locator("[data-map-count]")).to_have_text("1 địa điểm trên bản đồ")
    phone.locator("path.leaflet-interactive").first.click()
    popup = phone.locator(".map-popup")
    expect(popup).to_be_visible()
    expect(popup.locator("strong")).to_have_text("Chợ Sơn Hà")
    expect(popup.locator(".map-popup-outcome")).to_have_text("Không đạt")
    link = popup.get_by_role("link", name="Mở địa điểm")
    assert link.get_attribute("href") == f"/venues/{market_id}"
    wait_until(phone, "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    assert round(link.bounding_box()["height"]) >= 44
    screenshot(phone, "map-popup")
    link.click()
    expect(phone.locator("h1")).to_have_text("Chợ Sơn Hà")


def test_two_venues_at_one_place_are_each_tapped_from_one_marker(phone, live_app):
    """Two venues registered at the same position (the stalls of one market): one numbered
    marker, whose popup lists both, each with its own link; each is opened by a tap."""
    with live_app.app_context():
        commune = db.session.scalar(db.select(Commune).where(Commune.name == "Sơn Hà"))
        names = ["Quầy thuốc Sơn Hà", "Cửa hàng điện thoại Sơn Hà"]
        for n, name in enumerate(names):
            db.session.add(
                Venue(
                    code=f"QS-SAME-{n}",
                    name=name,
                    venue_type="shop",
                    commune=commune,
                    latitude=20.2601,
                    longitude=104.9503,
                    last_outcome="non_compliant" if n else "compliant",
                )
            )
        db.session.commit()
        ids = {
            name: db.session.scalar(db.select(Venue.id).where(Venue.name == name)) for name in names
        }
    log_in(phone)
    for name in names:
        phone.goto("/map")
        expect(phone.locator("[data-map-count]")).to_have_text("3 địa điểm trên bản đồ")
        place = phone.locator("[data-map-place]")
        expect(place).to_have_count(1)
        expect(place).to_have_text("2")
        # The market of the live app's district stays a dot of its own.
        expect(phone.locator("path.leaflet-interactive")).to_have_count(1)
        place.click()
        popup = phone.locator(".map-popup-place")
        expect(popup).to_be_visible()
        expect(popup.locator(".map-popup-heading")).to_have_text("2 địa điểm ở chỗ này")
        expect(popup.locator("li strong")).to_have_text(names)
        row = popup.locator("li", has_text=name)
        link = row.get_by_role("link", name="Mở địa điểm")
        assert link.get_attribute("href") == f"/venues/{ids[name]}"
        # Measured once the popup's fade-in is over (its size is fractional during it).
        wait_until(
            phone, "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
        )
        assert round(link.bounding_box()["height"]) >= 44
        assert_fits_phone(phone)
        screenshot(phone, "map-same-place")
        link.click()
        expect(phone.locator("h1")).to_have_text(name)
