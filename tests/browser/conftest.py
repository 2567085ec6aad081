"""Real-browser fixtures: the app served on a local port, Debian's Chromium via Playwright."""

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
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


# Every page the browser tests open is checked as it settles (its load event, and each htmx
# swap or history restore after it): an init script, which Chromium runs whatever the Content
# Security Policy says (the policy itself stays on, for the CSP check above), reports on the
# console, under the marks below, and the phone fixtures fail the test at teardown:
# - markup in the page title (a template included into the <title> block, shown escaped in
#   the tab, the history and a home-screen shortcut);
# - any WCAG 2.1 A/AA violation axe-core finds (node_modules/axe-core, from `make install`);
# - a page wider than the phone: something makes it scroll sideways (an element scrolling
#   inside its own overflow box, like the report's tables, is fine).
TITLE_MARK = "fieldapp: markup in the page title: "
AXE_MARK = "fieldapp: accessibility: "
WIDE_MARK = "fieldapp: sideways scrolling: "
CHECKED_MARK = "fieldapp: checked: "
AXE_SOURCE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGE_CHECKS = """
(() => {
  if (window !== window.top) return;
  window.addEventListener("DOMContentLoaded", () => {
    if (/[<>]/.test(document.title)) console.error(TITLE_MARK + document.title.slice(0, 200));
  });
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  function checkWidth() {
    // The layout viewport's width (360 px on the phone; more when a test widens it).
    const limit = document.documentElement.clientWidth;
    const width = document.documentElement.scrollWidth;
    if (width <= limit) return;
    const out = [...document.body.querySelectorAll("*")].filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.right > limit + 0.5 && !clipped(el);
    });
    const deepest = out.filter((el) => !out.some((other) => other !== el && el.contains(other)));
    console.error(WIDE_MARK + JSON.stringify({
      url: location.href, width,
      elements: deepest.slice(0, 8).map((el) =>
        describe(el) + " (right edge " + Math.round(el.getBoundingClientRect().right) + " px)"),
    }));
  }
  async function checkAxe() {
    if (!window.axe) loadAxe();
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: AXE_TAGS }, resultTypes: ["violations"], preload: false,
    });
    for (const rule of result.violations) {
      console.error(AXE_MARK + JSON.stringify({
        rule: rule.id, impact: rule.impact, help: rule.help, url: location.href,
        nodes: rule.nodes.slice(0, 8).map((node) => ({
          target: node.target.join(" "), html: node.html.slice(0, 300),
          why: node.failureSummary,
        })),
      }));
    }
  }
  let timer = null;
  let running = Promise.resolve();
  let lastState = null;
  async function check() {
    timer = null;
    // A swap that changed nothing (a poll answering the same) is the same page state.
    const state = innerWidth + " " + document.documentElement.outerHTML;
    if (state === lastState) return;
    lastState = state;
    try {
      checkWidth();
      await checkAxe();
    } catch (error) {
      // A check that cannot run fails the test too: it must never pass silently.
      console.error(AXE_MARK + JSON.stringify({
        rule: "check-failed", impact: "unknown", help: String(error), url: location.href,
        nodes: [],
      }));
    }
    console.log(CHECKED_MARK + location.href);
  }
  function schedule() {
    clearTimeout(timer);
    // One check at a time (axe refuses to run twice at once), after the page has settled.
    timer = setTimeout(() => { running = running.then(check, check); }, 50);
  }
  window.addEventListener("load", schedule);
  document.addEventListener("htmx:afterSettle", schedule);
  document.addEventListener("htmx:historyRestore", schedule);
  // For the fixtures' teardown: the checks of the page as it is now have finished.
  window.fieldappChecksDone = async () => {
    const deadline = performance.now() + 15000;  // a page that never finishes loading
    while ((timer !== null || document.readyState !== "complete") && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await running;
    return true;
  };
})();
"""


def page_checks_script() -> str:
    """The checks above, with axe-core wrapped in a function: a page pays for running its
    source only when the page is checked, after its load (about 0.1 s each)."""
    constants = (
        f"const TITLE_MARK = {TITLE_MARK!r}, AXE_MARK = {AXE_MARK!r},"
        f" WIDE_MARK = {WIDE_MARK!r}, CHECKED_MARK = {CHECKED_MARK!r};"
        f" const AXE_TAGS = {json.dumps(AXE_TAGS)};"
    )
    axe = "const loadAxe = function () {\n" + AXE_SOURCE.read_text() + "\n};"
    return "{" + constants + axe + PAGE_CHECKS + "}"


def _watch_console(context) -> None:
    context.fieldapp_csp_violations = []
    context.fieldapp_titles_with_markup = []
    context.fieldapp_accessibility = []
    context.fieldapp_too_wide = []
    context.fieldapp_checked = []
    marks = {
        TITLE_MARK: context.fieldapp_titles_with_markup,
        AXE_MARK: context.fieldapp_accessibility,
        WIDE_MARK: context.fieldapp_too_wide,
        CHECKED_MARK: context.fieldapp_checked,
    }

    def on_console(message):
        text = message.text
        if message.type == "error" and "Content Security Policy" in text:
            context.fieldapp_csp_violations.append(text)
        for mark, found in marks.items():
            if text.startswith(mark):
                found.append(text[len(mark) :])

    context.on("console", on_console)
    context.add_init_script(page_checks_script())


def finish_page_checks(context) -> None:
    """Wait until every open page of the context has been checked as it is now."""
    for page in context.pages:
        if page.is_closed():
            continue
        try:
            page.evaluate("() => window.fieldappChecksDone ? window.fieldappChecksDone() : true")
        except PlaywrightError:
            continue  # a page gone or navigating away: its earlier states were checked


def assert_titles_are_text(context) -> None:
    titles = context.fieldapp_titles_with_markup
    assert not titles, "\n".join(titles)


def assert_accessible(context) -> None:
    """No WCAG 2.1 A/AA violation on any page state the context has checked."""
    found = [json.loads(text) for text in context.fieldapp_accessibility]
    lines = []
    for rule in found:
        lines.append(f"{rule['rule']} ({rule['impact']}) on {rule['url']}: {rule['help']}")
        lines += [f"    {n['target']}: {n['html']}\n      {n['why']}" for n in rule["nodes"]]
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(lines)


def assert_no_sideways_scroll(context) -> None:
    """No page state the context has checked was wider than the phone."""
    found = [json.loads(text) for text in context.fieldapp_too_wide]
    lines = [
        f"{page['url']} is {page['width']} px wide: {', '.join(page['elements'])}" for page in found
    ]
    assert not found, "pages scrolling sideways:\n" + "\n".join(lines)


def assert_no_csp_violation(context) -> None:
    violations = csp_violations(context)
    assert not violations, "refused by the Content Security Policy:\n" + "\n".join(violations)


def assert_pages_checked(context) -> None:
    """Every check the phone fixtures make at teardown."""
    assert_no_csp_violation(context)
    assert_titles_are_text(context)
    assert_accessible(context)
    assert_no_sideways_scroll(context)


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
    finish_page_checks(context)
    context.close()
    assert_pages_checked(context)


@pytest.fixture
def phone_without_worker(browser, live_app):
    """A phone page whose requests Playwright can route: no service worker in between."""
    context = phone_context(browser, live_app, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    finish_page_checks(context)
    context.close()
    assert_pages_checked(context)


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
