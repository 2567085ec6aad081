"""The admin at phone size: the likely duplicates (the pair stacked, keeping both the safe
choice, a merge confirmed first) and closing a venue with a reason."""

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Commune, Venue
from tests.browser.phone import assert_fits_phone, log_in, screenshot


def add_venues(live_app) -> dict[str, int]:
    """Beside the market (QS-SH-0001): the same market added again 12 m away, and a
    different stall 12 m away on the other side."""
    with live_app.app_context():
        son_ha = db.session.scalar(select(Commune).where(Commune.name == "Sơn Hà"))
        again = Venue(
            code="QS-SH-0018",
            name="Chợ xã Sơn Hà",
            venue_type="market",
            commune=son_ha,
            address="Bản Hạ Sơn",
            latitude=20.25610,
            longitude=104.94205,
        )
        stall = Venue(
            code="QS-SH-0019",
            name="Quán nước cổng chợ",
            venue_type="shop",
            commune=son_ha,
            address="Bản Hạ Sơn",
            latitude=20.25590,
            longitude=104.94195,
        )
        db.session.add_all([again, stall])
        db.session.commit()
        market = db.session.scalar(select(Venue).where(Venue.code == "QS-SH-0001"))
        return {"market": market.id, "again": again.id, "stall": stall.id}


def test_the_duplicates_at_360_px(add_user, phone_without_worker, live_app):
    add_user("admin", "admin", "Phạm Văn Đức")
    ids = add_venues(live_app)
    page = phone_without_worker
    log_in(page, "admin")
    page.goto("/venues/duplicates")
    pairs = page.locator("[data-pair]")
    expect(pairs).to_have_count(1)  # the stall 12 m away has another name: not a pair
    expect(pairs).not_to_contain_text("Quán nước cổng chợ")
    first, second = pairs.locator("[data-venue]").all()
    # One column on a phone: the second venue's card is under the first one.
    assert second.bounding_box()["y"] >= first.bounding_box()["y"] + first.bounding_box()["height"]
    keep_both = pairs.get_by_role("button", name="Không trùng, giữ cả hai")
    expect(keep_both).to_be_visible()
    assert "btn-primary" in keep_both.get_attribute("class")
    merge = pairs.get_by_role("link", name="Gộp vào QS-SH-0001")
    expect(merge).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "40-venue-duplicates")
    merge.click()
    confirm = page.locator("#merge-confirm")
    expect(confirm).to_contain_text("QS-SH-0018")
    assert_fits_phone(page)
    screenshot(page, "41-venue-merge-confirm")
    confirm.get_by_role("button", name="Gộp vào QS-SH-0001").click()
    expect(page.locator("[data-pair]")).to_have_count(0)
    with live_app.app_context():
        again = db.session.get(Venue, ids["again"])
        assert not again.is_active and again.merged_into_id == ids["market"]
        assert db.session.get(Venue, ids["stall"]).is_active


def test_closing_a_venue_at_360_px(add_user, phone_without_worker, live_app):
    add_user("admin", "admin", "Phạm Văn Đức")
    with live_app.app_context():
        market = db.session.scalar(select(Venue).where(Venue.code == "QS-SH-0001")).id
    page = phone_without_worker
    log_in(page, "admin")
    page.goto(f"/venues/{market}")
    page.get_by_role("link", name="Sửa thông tin").click()
    page.get_by_label("Tên địa điểm").fill("Chợ trung tâm Sơn Hà")
    assert_fits_phone(page)
    screenshot(page, "44-venue-edit")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("heading", name="Chợ trung tâm Sơn Hà")).to_be_visible()
    page.get_by_role("link", name="Đóng địa điểm").click()
    confirm = page.locator("#close-confirm")
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name="Đóng địa điểm").click()  # no reason: refused
    expect(page.locator("#field-reason .error")).to_be_visible()
    with live_app.app_context():
        assert db.session.get(Venue, market).is_active
    page.get_by_label("Lý do đóng").fill("Chợ đã chuyển sang bản Hậu")
    assert_fits_phone(page)
    screenshot(page, "42-venue-close-confirm")
    page.get_by_role("button", name="Đóng địa điểm").click()
    expect(page.locator("[data-closed-reason]")).to_contain_text("Chợ đã chuyển sang bản Hậu")
    expect(page.locator("#audit")).to_contain_text("Đã đóng địa điểm")
    expect(page.get_by_role("button", name="Mở lại địa điểm")).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "43-venue-closed")
    with live_app.app_context():
        assert not db.session.get(Venue, market).is_active


def test_emptying_the_qr_content_asks_first_at_360_px(add_user, phone_without_worker, live_app):
    add_user("admin", "admin", "Phạm Văn Đức")
    with live_app.app_context():
        venue = db.session.scalar(select(Venue).where(Venue.code == "QS-SH-0001"))
        venue.qr_payload = venue.qr_payload or "https://qr.gov.vn/v/QS-SH-0001"
        db.session.commit()
        market = venue.id
    page = phone_without_worker
    log_in(page, "admin")
    page.goto(f"/venues/{market}/edit")
    page.locator("#qr_payload").fill("")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator("#field-qr_payload .error")).to_be_visible()
    box = page.locator("#remove-qr input[name=remove_qr]")
    expect(box).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "45-venue-remove-qr")
    with live_app.app_context():
        assert db.session.get(Venue, market).qr_payload
    box.check()
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator("#audit")).to_be_visible()
    with live_app.app_context():
        assert not db.session.get(Venue, market).qr_payload
