"""Assigning by status at phone size: the supervisor lists the venues of Sơn Hà never
inspected, ticks three, taps "Giao 3 địa điểm", picks the inspector on the preview,
confirms, and is back on the same filtered list.

The taps, counted: the commune (1), the status (1), three ticks (3), "Giao" (1), the
inspector (1), confirm (1): 8, with 3 page loads (the list, the preview, the list again);
the filters and ticks swap the results in place."""

from datetime import datetime

from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Assignment, Commune, Venue
from tests.browser.phone import assert_fits_phone, log_in, screenshot

NEVER_INSPECTED = ("Trạm Y tế xã Sơn Hà", "Trường Mầm non Sơn Hà", "Nhà văn hóa bản Na Hồ")


def seed_son_ha(app) -> None:
    """Three more never-inspected venues in Sơn Hà, and one inspected there."""
    with app.app_context():
        son_ha = db.session.scalar(select(Commune).where(Commune.name == "Sơn Hà"))
        for n, name in enumerate(NEVER_INSPECTED, start=10):
            db.session.add(
                Venue(code=f"QS-SH-00{n}", name=name, venue_type="other", commune=son_ha)
            )
        db.session.add(
            Venue(
                code="QS-SH-0020",
                name="Cửa hàng Hoa Mai",
                venue_type="shop",
                commune=son_ha,
                last_outcome="compliant",
                last_inspected_at=datetime(2026, 11, 2, 3, 0),
            )
        )
        db.session.commit()


def open_venue_list(page, live_app, add_user):
    """The supervisor on the venue list, Sơn Hà seeded with its never-inspected venues."""
    seed_son_ha(live_app)
    add_user("supervisor", "supervisor")
    log_in(page, "supervisor")
    page.goto("/venues")
    return page


def test_assign_three_never_inspected_venues_of_a_commune(phone_without_worker, live_app, add_user):
    page = open_venue_list(phone_without_worker, live_app, add_user)
    results = page.locator("#venue-results")
    page.locator("#venue-commune").select_option(label="Sơn Hà")
    expect(results).to_contain_text("5 địa điểm")
    page.locator("#venue-status").select_option("never")
    expect(results).to_contain_text("4 địa điểm")
    expect(results).not_to_contain_text("Cửa hàng Hoa Mai")
    assert "status=never" in page.url and "commune=" in page.url  # to share or bookmark
    filtered_url = page.url

    button = page.locator("#assign-ticked")
    expect(button).to_be_disabled()  # nothing ticked yet
    for n, name in enumerate(NEVER_INSPECTED, start=1):
        page.get_by_label(f"Chọn {name}", exact=True).check()
        expect(button).to_have_text(f"Giao {n} địa điểm")
    assert_fits_phone(page)
    screenshot(page, "assign-1-ticked")
    button.click()

    page.wait_for_url("**/assignments/preview?**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Giao 3 địa điểm")
    chosen = page.locator(".chosen-venue")
    expect(chosen).to_have_count(3)
    for name in NEVER_INSPECTED:
        expect(page.locator(".chosen-venues")).to_contain_text(name)
    expect(page.locator(".chosen-venues")).not_to_contain_text("Chợ Sơn Hà")
    page.get_by_label("Cán bộ kiểm tra").select_option(label="Lò Văn Thành")
    assert_fits_phone(page)
    screenshot(page, "assign-2-preview")
    page.get_by_role("button", name="Xác nhận giao").click()

    page.wait_for_url(filtered_url)  # back on the same filtered list
    expect(page.get_by_role("status")).to_contain_text("Đã giao 3 địa điểm cho Lò Văn Thành")
    expect(page.locator("#venue-commune")).to_have_value(
        page.locator("#venue-commune option", has_text="Sơn Hà").get_attribute("value")
    )
    expect(page.locator("#venue-status")).to_have_value("never")
    assert_fits_phone(page)
    screenshot(page, "assign-3-back")
    with live_app.app_context():
        assigned = db.session.scalars(select(Assignment).join(Assignment.venue)).all()
        assert sorted(a.venue.name for a in assigned) == sorted(NEVER_INSPECTED)

    # A venue's page shows its assignment, and "← Địa điểm" keeps the filter.
    results.get_by_role("link", name="Trạm Y tế xã Sơn Hà").click()
    expect(page.locator("#open-assignment")).to_contain_text("Lò Văn Thành")
    assert_fits_phone(page)
    screenshot(page, "assign-4-venue")
    page.get_by_role("link", name="← Địa điểm").click()
    page.wait_for_url(filtered_url)

    # Ticking an assigned venue again: the preview warns and leaves it out unless ticked.
    page.get_by_label("Chọn Chợ Sơn Hà", exact=True).check()
    page.get_by_label("Chọn Trạm Y tế xã Sơn Hà", exact=True).check()
    button.click()
    page.wait_for_url("**/assignments/preview?**")
    warned = page.locator(".chosen-venue", has_text="Trạm Y tế xã Sơn Hà")
    expect(warned.locator(".open-warning")).to_contain_text("Đã giao cho Lò Văn Thành, hạn")
    expect(warned.get_by_role("checkbox")).not_to_be_checked()
    expect(
        page.locator(".chosen-venue", has_text="Chợ Sơn Hà").get_by_role("checkbox")
    ).to_be_checked()
    assert_fits_phone(page)
    screenshot(page, "assign-5-warning")

    # The assignments page: cancelling one asks first, then it is gone.
    page.goto("/assignments")
    item = page.locator(".open-item", has_text="Nhà văn hóa bản Na Hồ")
    item.get_by_text("Hủy giao", exact=True).click()
    expect(item.get_by_text("Hủy giao Nhà văn hóa bản Na Hồ cho Lò Văn Thành?")).to_be_visible()
    assert_fits_phone(page)
    screenshot(page, "assign-6-cancel")
    item.get_by_role("button", name="Đồng ý hủy").click()
    expect(page.get_by_role("status")).to_contain_text("Đã hủy giao Nhà văn hóa bản Na Hồ")
    expect(page.locator("#open-assignments")).not_to_contain_text("Nhà văn hóa bản Na Hồ")
    expect(page.locator("#open-assignments")).to_contain_text("Trạm Y tế xã Sơn Hà")


def test_ticks_are_kept_when_the_filters_change(phone_without_worker, live_app, add_user):
    """Ticking venues of one commune, then of another: the first ones stay chosen (said
    beside "Bỏ chọn tất cả") and all of them reach the preview; "Bỏ chọn tất cả" forgets
    them, and confirming an assignment forgets them too."""
    page = open_venue_list(phone_without_worker, live_app, add_user)
    results = page.locator("#venue-results")
    button = page.locator("#assign-ticked")
    elsewhere = page.locator("#ticks-elsewhere")
    page.locator("#venue-commune").select_option(label="Sơn Hà")
    expect(results).to_contain_text("5 địa điểm")
    page.get_by_label(f"Chọn {NEVER_INSPECTED[0]}", exact=True).check()
    page.get_by_label(f"Chọn {NEVER_INSPECTED[1]}", exact=True).check()
    expect(button).to_have_text("Giao 2 địa điểm")
    expect(elsewhere).to_be_hidden()

    page.locator("#venue-commune").select_option(label="Sơn Lư")
    expect(results).not_to_contain_text(NEVER_INSPECTED[0])
    expect(button).to_have_text("Giao 2 địa điểm")  # the two of Sơn Hà, out of sight
    expect(elsewhere).to_be_visible()
    expect(elsewhere).to_contain_text("2 địa điểm đã chọn không có trong danh sách này.")
    other = results.locator("input[data-tick]").first
    other.check()
    other_name = results.locator(".tick-row").first.locator(".list-title").inner_text()
    expect(button).to_have_text("Giao 3 địa điểm")
    assert_fits_phone(page)
    screenshot(page, "assign-7-ticks-kept")

    # Back to Sơn Hà: its two are ticked again, the third is now the one elsewhere.
    page.locator("#venue-commune").select_option(label="Sơn Hà")
    expect(page.get_by_label(f"Chọn {NEVER_INSPECTED[0]}", exact=True)).to_be_checked()
    expect(page.get_by_label(f"Chọn {NEVER_INSPECTED[2]}", exact=True)).not_to_be_checked()
    expect(elsewhere).to_contain_text("1 địa điểm đã chọn không có trong danh sách này.")

    button.click()
    page.wait_for_url("**/assignments/preview?**")
    chosen = page.locator(".chosen-venues")
    expect(page.locator(".chosen-venue")).to_have_count(3)
    for name in (NEVER_INSPECTED[0], NEVER_INSPECTED[1], other_name):
        expect(chosen).to_contain_text(name)

    # "Bỏ chọn tất cả" on the list forgets every tick, shown or not.
    page.go_back()
    page.wait_for_url("**/venues**")
    expect(button).to_have_text("Giao 3 địa điểm")
    page.locator("#ticks-clear").click()
    expect(button).to_be_disabled()
    expect(elsewhere).to_be_hidden()
    expect(page.get_by_label(f"Chọn {NEVER_INSPECTED[0]}", exact=True)).not_to_be_checked()
    page.reload()
    expect(button).to_be_disabled()

    # Confirming an assignment forgets the ticks that went into it.
    page.get_by_label(f"Chọn {NEVER_INSPECTED[0]}", exact=True).check()
    button.click()
    page.wait_for_url("**/assignments/preview?**")
    page.get_by_label("Cán bộ kiểm tra").select_option(label="Lò Văn Thành")
    page.get_by_role("button", name="Xác nhận giao").click()
    expect(page.get_by_role("status")).to_contain_text("Đã giao 1 địa điểm cho Lò Văn Thành")
    expect(button).to_be_disabled()
    expect(elsewhere).to_be_hidden()
