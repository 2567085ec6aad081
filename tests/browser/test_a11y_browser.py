"""Accessibility at phone size (issue 15): the checks every browser test makes on every page
it visits (axe-core's WCAG 2.1 A/AA rules, no sideways scrolling) do fail on a bad page; the
report's wide tables are reached by keyboard, keep their names' column in view and say that
they scroll; the inspection log's filters fold into one "Lọc" button with visible labels."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    finish_page_checks,
    phone_context,
)
from tests.browser.phone import PHONE, assert_fits_phone, log_in, screenshot
from tests.browser.test_letter_browser import DAY, add_figures

HEAD = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Thử</title></head><body><main><h1>Thử</h1>"
)
# An image without a text alternative and a field without a label.
UNLABELLED = HEAD + '<img src="data:,"><input type="text" name="q"></main></body></html>'
TOO_WIDE = HEAD + '<p id="wide" style="width: 600px">Rộng quá</p></main></body></html>'
# Wide content scrolling inside its own box (keyboard-reachable): the page itself fits.
SCROLLS_INSIDE = (
    HEAD + '<div tabindex="0" role="region" aria-label="Bảng" style="overflow-x: auto">'
    '<p style="width: 600px">Rộng</p></div></main></body></html>'
)


def checked_context(browser, live_app, body: str, then=None):
    """Open `body` as a page of the app's origin in a phone context with the fixtures'
    checks, let `then(page)` act on it, and return the closed context with its findings."""
    context = phone_context(browser, live_app, service_workers="block")
    context.route(
        "**/probe",
        lambda route: route.fulfill(content_type="text/html; charset=utf-8", body=body),
    )
    page = context.new_page()
    page.goto("/probe")
    if then:
        finish_page_checks(context)
        then(page)
    finish_page_checks(context)
    context.close()
    return context


def test_the_accessibility_check_fails_on_a_page_with_violations(browser, live_app):
    context = checked_context(browser, live_app, UNLABELLED)
    with pytest.raises(AssertionError) as failure:
        assert_accessible(context)
    message = str(failure.value)
    assert "image-alt" in message and "label" in message
    assert f"{live_app.base_url}/probe" in message
    assert '<input type="text" name="q">' in message  # the offending node
    assert_no_sideways_scroll(context)


def test_the_accessibility_check_runs_again_after_an_htmx_swap(browser, live_app):
    def swap_in_an_unlabelled_field(page):
        page.evaluate(
            """() => {
              document.querySelector("main").insertAdjacentHTML(
                "beforeend", '<select name="commune"><option>Sơn Hà</option></select>');
              document.body.dispatchEvent(new CustomEvent("htmx:afterSettle", {bubbles: true}));
            }"""
        )

    context = checked_context(browser, live_app, SCROLLS_INSIDE, then=swap_in_an_unlabelled_field)
    assert len(context.fieldapp_checked) == 2
    with pytest.raises(AssertionError, match="select-name"):
        assert_accessible(context)


def test_the_width_check_fails_on_a_page_wider_than_the_phone(browser, live_app):
    context = checked_context(browser, live_app, TOO_WIDE)
    with pytest.raises(AssertionError) as failure:
        assert_no_sideways_scroll(context)
    assert "/probe is 6" in str(failure.value) and "p#wide" in str(failure.value)
    assert_accessible(context)


def test_a_check_that_cannot_run_fails_the_test(browser, live_app):
    broken = HEAD.replace(
        "<title>",
        "<script>window.axe = {run: () => Promise.reject(new Error('axe broke'))};</script><title>",
    )
    context = checked_context(browser, live_app, broken + "</main></body></html>")
    with pytest.raises(AssertionError, match=r"check-failed.*axe broke"):
        assert_accessible(context)


def test_content_scrolling_inside_its_own_box_passes_both_checks(browser, live_app):
    context = checked_context(browser, live_app, SCROLLS_INSIDE)
    assert len(context.fieldapp_checked) == 1
    assert_accessible(context)
    assert_no_sideways_scroll(context)


def test_the_report_tables_scroll_by_keyboard_with_names_in_view(phone, live_app, add_user):
    district_id = add_figures(live_app)
    add_user("truong-phong", "supervisor", "Hà Văn Minh")
    page = phone
    log_in(page, "truong-phong")
    page.goto(f"/reports/{district_id}/{DAY.isoformat()}")

    for name, heading in (("findings", "Kiểm tra"), ("appendix", "PHỤ LỤC")):
        region = page.locator(f"#{name}-scroll")
        expect(region).to_have_attribute("role", "region")
        expect(region).to_have_accessible_name(re.compile(heading))
        assert region.evaluate("box => box.scrollWidth > box.clientWidth")
        hint = region.locator(".scroll-hint")
        expect(hint).to_be_visible()
        expect(hint).to_contain_text("Vuốt ngang")

    # Tab reaches each table's scroll box, and the arrow keys then scroll it.
    page.locator("#findings-heading").click()
    reached = []
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        if focused in ("findings-scroll", "appendix-scroll") and focused not in reached:
            reached.append(focused)
            if len(reached) == 2:
                break
    assert reached == ["findings-scroll", "appendix-scroll"]
    page.keyboard.press("ArrowRight")
    expect(page.locator("#appendix-scroll")).not_to_have_js_property("scrollLeft", 0)

    # Scrolled to the end, the names stay at the table's left edge, on top of the figures
    # moving under them.
    name_column = page.locator(".appendix-table").get_attribute("data-name-column")
    assert name_column == "3"  # STT, district, commune: the commune's name stays in view
    for name, names_cell in (
        ("findings", "tbody tr:first-child th"),
        ("appendix", f"tbody tr:first-child td:nth-child({name_column})"),
    ):
        region = page.locator(f"#{name}-scroll")
        cell = region.locator(names_cell)
        region.evaluate("box => { box.scrollLeft = 0; }")
        left_edge = region.evaluate(
            "box => box.getBoundingClientRect().x + parseFloat(getComputedStyle(box).paddingLeft)"
        )
        last = region.locator("tbody tr:first-child td:last-child")
        last_before = last.bounding_box()["x"]
        region.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
        assert cell.bounding_box()["x"] == pytest.approx(left_edge, abs=1)
        assert last.bounding_box()["x"] < last_before - 50
        assert cell.evaluate(
            """cell => { cell.scrollIntoView({block: "center", inline: "nearest"});
              const box = cell.getBoundingClientRect();
              const seen = document.elementFromPoint(box.x + 4, box.y + box.height / 2);
              return cell.contains(seen); }"""
        )
    assert_fits_phone(page)
    screenshot(page, "95-report-tables-scrolled")

    # Wide enough for the tables, the hint is gone.
    page.set_viewport_size({"width": 1024, "height": PHONE["height"]})
    expect(page.locator(".scroll-hint").first).to_be_hidden()
    assert not page.locator("#findings-scroll").evaluate("box => box.scrollWidth > box.clientWidth")
    page.set_viewport_size(PHONE)


def test_the_log_filters_fold_into_one_button_on_a_phone(phone, live_app, add_user):
    add_user("truong-phong", "supervisor", "Hà Văn Minh")
    page = phone
    log_in(page, "truong-phong")
    page.goto("/inspections")

    filters = page.locator("#log-filters")
    summary = filters.locator("summary")
    expect(summary).to_have_text("Lọc")
    expect(page.locator("#log-from")).to_be_hidden()
    assert_fits_phone(page)
    screenshot(page, "96-log-filters-folded")

    summary.click()
    expect(filters).to_have_attribute("open", "")
    for name in ("from", "to", "commune", "inspector", "outcome", "type", "review", "photos"):
        field = page.locator(f"#log-{name}")
        label = page.locator(f"label[for=log-{name}]")
        expect(label).to_be_visible()
        expect(label).not_to_have_text("")
        box = field.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
    expect(page.get_by_label("Từ ngày")).to_be_visible()
    expect(page.get_by_label("Đến ngày")).to_be_visible()
    expect(page.get_by_label("Cán bộ kiểm tra")).to_be_visible()
    expect(page.get_by_label("Kết quả", exact=True)).to_be_visible()
    expect(page.locator("#log-commune option").first).to_have_attribute("value", "")
    assert_fits_phone(page)
    screenshot(page, "97-log-filters-open")

    page.locator("#log-outcome").select_option("non_compliant")
    expect(page).to_have_url(re.compile(r"outcome=non_compliant"))
    expect(page.locator("#log-filter-count")).to_have_text("(1)")  # redrawn by htmx
    page.get_by_label("Đến ngày").fill("2026-11-30")
    page.get_by_label("Đến ngày").dispatch_event("change")
    expect(page.locator("#log-filter-count")).to_have_text("(2)")

    # A filter set: the page opens with the filters shown and counted.
    page.reload()
    expect(filters).to_have_attribute("open", "")
    expect(summary).to_have_text("Lọc (2)")
    expect(page.get_by_label("Kết quả", exact=True)).to_have_value("non_compliant")

    # On a wide screen the filters are shown without the button.
    page.set_viewport_size({"width": 1024, "height": PHONE["height"]})
    page.goto("/inspections")
    expect(filters).not_to_have_attribute("open", "")
    expect(summary).to_be_hidden()
    expect(page.locator("#log-commune")).to_be_visible()
    page.set_viewport_size(PHONE)
