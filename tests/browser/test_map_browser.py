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
