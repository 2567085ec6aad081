"""The Content Security Policy in real Chromium: the app's pages work under it (every phone
fixture fails on a console error about the policy), and it does refuse an inline script."""

from playwright.sync_api import expect

from tests.browser.conftest import csp_violations
from tests.browser.phone import log_in, wait_until
from tests.browser.test_offline import add_photo, open_form


def test_the_pages_work_under_the_policy(phone, live_app):
    log_in(phone)
    # htmx search as you type, the venue page, the form with a photo preview (blob:), the map.
    open_form(phone)
    add_photo(phone)
    wait_until(phone, "document.querySelector('[data-photo-previews] img')?.naturalWidth > 0")
    assert phone.evaluate("htmx.config.allowEval === false && !htmx.config.includeIndicatorStyles")
    assert phone.evaluate("document.querySelectorAll('style').length") == 0
    phone.goto("/map")
    expect(phone.locator(".leaflet-container")).to_be_visible()
    phone.goto("/outbox")
    phone.goto("/venues")
    phone.locator("#venue-q").fill("son lu")
    expect(phone.locator("#venue-results")).to_contain_text("Trường Tiểu học")
    assert csp_violations(phone.context) == []


def test_an_inline_script_is_refused_and_reported(phone, live_app):
    log_in(phone)
    phone.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.body.appendChild(s); }"
    )
    wait_until(phone, "() => true")
    assert phone.evaluate("window.injected === undefined")
    wait_until(phone, "() => true")
    violations = csp_violations(phone.context)
    assert violations and "script-src" in violations[0]
    violations.clear()  # seen: the fixture fails on any violation left
