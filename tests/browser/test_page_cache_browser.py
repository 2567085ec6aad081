"""The service worker's page cache belongs to one user's valid session: emptied at logout
(even of the pages a prefetch brings back afterwards), and not shown offline once the
session ended without a logout (cookies cleared)."""

import threading

from flask import g, request
from playwright.sync_api import expect

from tests.browser.phone import forget_login, log_in, wait_until

KEPT = "caches.open('pages-v1').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"


def kept_pages(page) -> list[str]:
    return page.evaluate(KEPT)


def log_out(page) -> None:
    page.locator("details.menu > summary").click()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login?logged_out=1")


def test_logging_out_while_a_prefetch_runs_keeps_nothing(phone, live_app):
    """The venue pages the search asks the worker to keep are held by the server until
    after the logout: they come back with the old user's data and must not be kept."""
    gate, held, answered = threading.Event(), [], []

    @live_app.before_request
    def hold_prefetches():
        if request.path.startswith("/venues/") and request.headers.get("Accept") == "text/html":
            held.append(request.path)
            gate.wait(20)

    @live_app.teardown_request
    def count_answers(error):
        if request.path in held:
            answered.append(request.path)

    log_in(phone)
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.goto("/venues?q=son")
    wait_until(phone, "navigator.serviceWorker.controller !== null")
    while not held:
        phone.wait_for_timeout(100)
    log_out(phone)
    gate.set()
    while len(answered) < len(held):
        phone.wait_for_timeout(100)
    # The answers went back to the worker with the old user's pages; none may land.
    wait_until(phone, f"{KEPT}.then(p => p.length === 0)")
    for _ in range(15):
        assert kept_pages(phone) == []
        phone.wait_for_timeout(100)


def test_a_session_ended_without_logout_shows_no_kept_page_offline(phone, live_app):
    context = phone.context
    log_in(phone)
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.goto("/venues?q=son+ha")
    wait_until(phone, "navigator.serviceWorker.controller !== null")
    phone.goto("/")  # the home page, with the user's name, kept too
    wait_until(phone, f"{KEPT}.then(p => p.includes('/') && p.includes('/venues/1'))")

    # Still logged in: the kept pages open with no signal (no-store does not stop the worker).
    context.set_offline(True)
    phone.goto("/venues/1")
    expect(phone.get_by_role("heading", name="Chợ Sơn Hà")).to_be_visible()
    phone.goto("/")
    expect(phone.locator(".menu-user")).to_contain_text("Lò Văn Thành")

    # The session ends without a logout: its cookies are cleared.
    context.clear_cookies()
    for path in ("/", "/venues/1"):
        phone.goto(path)
        expect(phone.locator("body")).not_to_contain_text("Lò Văn Thành")
        expect(phone.locator("body")).not_to_contain_text("Chợ Sơn Hà")
    wait_until(phone, f"{KEPT}.then(p => p.length === 0)")


def test_a_login_as_someone_else_empties_the_cache(add_user, phone, live_app):
    add_user("other", "inspector", "Hà Thị Mai")
    log_in(phone)
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.goto("/venues?q=son+ha")
    wait_until(phone, "navigator.serviceWorker.controller !== null")
    phone.goto("/")
    wait_until(phone, f"{KEPT}.then(p => p.includes('/'))")
    # The second user logs in with the first one's cookies gone but the pages kept.
    forget_login(phone, names=("session", "remember_token", "fieldapp_user"))
    log_in(phone, username="other")
    phone.goto("/")
    expect(phone.locator(".menu-user")).to_contain_text("Hà Thị Mai")
    wait_until(phone, f"{KEPT}.then(p => !p.includes('/venues/1'))")


def test_a_401_empties_the_cache(phone, live_app):
    """The session ends on the server's side while the page is open (here: its cookies go,
    the phone's `fieldapp_user` stays): the search's htmx request gets a 401."""
    log_in(phone)
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.goto("/venues?q=son+ha")
    wait_until(phone, "navigator.serviceWorker.controller !== null")
    phone.goto("/venues")
    wait_until(phone, f"{KEPT}.then(p => p.includes('/venues/1'))")
    forget_login(phone)
    phone.locator("#venue-q").fill("son lu")
    phone.wait_for_url(lambda url: "/login?next=" in url)
    wait_until(phone, f"{KEPT}.then(p => p.length === 0)")


def test_a_server_error_that_cannot_name_the_user_keeps_the_cache(phone, live_app):
    """While the database is lost the server answers 503 without knowing who is logged in
    (database_lost.py): that is not a logout, and the pages kept for offline work stay."""
    lost = threading.Event()

    @live_app.before_request
    def database_lost():
        if lost.is_set() and request.path == "/":
            g.login_unknown = True
            # A whole page (title, language), as every page the browser tests open is
            # checked by axe-core when its check runs before the next navigation.
            page = (
                '<!doctype html><html lang="vi"><head><title>Lỗi máy chủ</title></head>'
                "<body><main><p>The database does not answer.</p></main></body></html>"
            )
            return page, 503, {"Retry-After": "5"}

    log_in(phone)
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.goto("/venues?q=son+ha")
    wait_until(phone, "navigator.serviceWorker.controller !== null")
    phone.goto("/venues/1")
    wait_until(phone, f"{KEPT}.then(p => p.includes('/venues/1'))")
    lost.set()
    response = phone.goto("/")
    assert response.status == 503
    assert "X-Fieldapp-User" not in response.headers
    lost.clear()
    # Another page the worker learns from, then the kept venue page is still there.
    phone.goto("/venues")
    assert "/venues/1" in kept_pages(phone)
