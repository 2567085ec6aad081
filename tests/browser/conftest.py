"""Real-browser fixtures: the app served on a local port, Debian's Chromium via Playwright."""

import os
import shutil
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.models import Commune, District, Province, User, Venue
from tests.browser.phone import PHONE
from tests.factories import FAST_HASH, PASSWORD

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        raise RuntimeError("Debian's chromium is missing: `make test` installs it.")
    return path


@pytest.fixture(scope="session")
def browser():

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def live_app(tmp_path, databases):
    """The app on a free local port with a small Quan Sơn district."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-test",
            "SQLALCHEMY_DATABASE_URI": databases.fresh(tmp_path, "browser"),
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "PASSWORD_HASH_METHOD": FAST_HASH,
            "FIGURES_UPLOAD_FOLDER": str(tmp_path / "figure-imports"),
            "POSTER_FOLDER": str(tmp_path / "posters"),
            "JOBS_IMMEDIATE": True,
        }
    )
    with app.app_context():
        district = District(name="Quan Sơn", province=Province(name="Thanh Hóa"))
        communes = {
            name: Commune(name=name, kind=kind, district=district)
            for name, kind in (("Sơn Hà", "xa"), ("Sơn Lư", "thi_tran"), ("Mường Mìn", "xa"))
        }
        db.session.add_all(communes.values())
        venues = [
            Venue(
                code="QS-SH-0001",
                name="Chợ Sơn Hà",
                venue_type="market",
                commune=communes["Sơn Hà"],
                address="Bản Hạ Sơn, xã Sơn Hà",
                latitude=20.2560,
                longitude=104.9420,
                contact_name="Lương Thị Hoa",
                contact_phone="0912000111",
                qr_payload="https://qr.example/QS-SH-0001",
            ),
            Venue(
                code="QS-SL-0002",
                name="Trường Tiểu học thị trấn Sơn Lư",
                venue_type="school",
                commune=communes["Sơn Lư"],
                address="Khu 2, thị trấn Sơn Lư",
            ),
            Venue(
                code="QS-MM-0003",
                name="Công ty TNHH Lâm sản Mường Mìn",
                venue_type="enterprise",
                commune=communes["Mường Mìn"],
                address="Bản Lốc",
            ),
        ]
        db.session.add_all(venues)
        user = User(
            username="inspector", display_name="Lò Văn Thành", role="inspector", district=district
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.base_url = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


def csp_violations(context) -> list[str]:
    """What Chromium reported to the console as refused by the Content Security Policy, in
    any page of the context, so far."""
    return context.fieldapp_csp_violations


# Every page the browser tests open has its title checked: markup in it (a template included
# into the <title> block, shown escaped in the tab, the history and a home-screen shortcut)
# is reported to the console, and the test fails.
TITLE_MARK = "fieldapp: markup in the page title: "
TITLE_CHECK = f"""
window.addEventListener("DOMContentLoaded", () => {{
  if (/[<>]/.test(document.title)) console.error({TITLE_MARK!r} + document.title.slice(0, 200));
}});
"""


def _watch_console(context) -> None:
    context.fieldapp_csp_violations = []
    context.fieldapp_titles_with_markup = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            context.fieldapp_csp_violations.append(message.text)
        if message.type == "error" and message.text.startswith(TITLE_MARK):
            context.fieldapp_titles_with_markup.append(message.text)

    context.on("console", on_console)
    context.add_init_script(TITLE_CHECK)


def assert_titles_are_text(context) -> None:
    titles = context.fieldapp_titles_with_markup
    assert not titles, "\n".join(titles)


def assert_no_csp_violation(context) -> None:
    violations = csp_violations(context)
    assert not violations, "refused by the Content Security Policy:\n" + "\n".join(violations)


def phone_context(browser, live_app, service_workers="allow"):
    """A phone-sized browser, allowed to read a GPS position at the Sơn Hà market; every
    console error about the Content Security Policy is kept (`csp_violations`)."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
        geolocation={"latitude": 20.2561, "longitude": 104.9421, "accuracy": 15},
        permissions=["geolocation"],
        base_url=live_app.base_url,
        service_workers=service_workers,
    )
    _watch_console(context)
    return context


@pytest.fixture
def phone(browser, live_app):
    context = phone_context(browser, live_app)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert_no_csp_violation(context)
    assert_titles_are_text(context)


@pytest.fixture
def phone_without_worker(browser, live_app):
    """A phone page whose requests Playwright can route: no service worker in between."""
    context = phone_context(browser, live_app, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert_no_csp_violation(context)
    assert_titles_are_text(context)


@pytest.fixture
def add_user(live_app):
    """Add a colleague to the browser test's district: `add_user("admin", "admin")`."""

    def add(username: str, role: str, display_name: str = "Hà Thị Mai") -> None:
        with live_app.app_context():
            user = User(
                username=username,
                display_name=display_name,
                role=role,
                district=db.session.query(District).one(),
            )
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()

    return add
