"""Registering a venue from a wide area on the phone: the district first, then its communes
swapped in by htmx, and the venue saved where it was put."""

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp import access
from fieldapp.extensions import db
from fieldapp.models import Commune, District, Province, User, Venue
from tests.browser.phone import log_in, screenshot
from tests.factories import PASSWORD


def test_a_national_supervisor_chooses_the_district_then_the_commune(phone, live_app, monkeypatch):
    monkeypatch.setattr(access, "PICKER_MAX", 2)  # the country's communes: too many to list
    with live_app.app_context():
        yen_chau = District(name="Yên Châu", province=Province(name="Sơn La"))
        db.session.add(Commune(name="Chiềng Đông", kind="xa", district=yen_chau))
        user = User(
            username="quoc",
            display_name="Trần Quốc",
            role="supervisor",
            scope="country",
            district=db.session.scalar(select(District).where(District.name == "Quan Sơn")),
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        yen_chau_id = yen_chau.id
    log_in(phone, "quoc")
    phone.goto("/venues/new")
    communes = phone.locator("#commune_id option")
    expect(communes).to_have_count(4)  # "choose" and Quan Sơn's three
    phone.locator("#district_id").select_option(str(yen_chau_id))
    expect(communes).to_have_count(2)
    expect(communes.nth(1)).to_have_text("Chiềng Đông")
    screenshot(phone, "venue-new-wide-area")
    phone.locator("#name").fill("Quán Bản Nưa")
    phone.locator("#venue_type").select_option("shop")
    phone.locator("#commune_id").select_option(label="Chiềng Đông")
    phone.get_by_role("button", name="Thêm địa điểm", exact=True).click()
    expect(phone.locator("h1")).to_be_visible()
    with live_app.app_context():
        venue = db.session.scalar(select(Venue).where(Venue.name == "Quán Bản Nưa"))
        assert venue is not None and venue.commune.name == "Chiềng Đông"
