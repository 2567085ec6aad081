"""What a browser test does on the phone: log in, answer, wait, look, check the page fits.

Plain functions; the fixtures that start the app and Chromium are in conftest.py."""

from pathlib import Path

from tests.factories import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
PHONE = {"width": 360, "height": 740}


def answer(page, question_id: str, label: str) -> None:
    """Tick one answer of a checklist question."""
    page.locator(f"#field-{question_id}").get_by_label(label, exact=True).check()


def wait_until(page, expression: str, arg=None, timeout_ms: int = 15_000):
    """Poll a JavaScript expression (which may return a promise) until it is truthy.

    page.wait_for_function does not wait for promises, and IndexedDB and the Cache
    API only answer with promises.
    """
    waited = 0
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if waited >= timeout_ms:
            raise AssertionError(f"still false after {timeout_ms} ms: {expression}")
        page.wait_for_timeout(100)
        waited += 100


def screenshot(page, name: str) -> None:
    """Keep a full-page picture of what the inspector sees, for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    # caret="initial": hiding the caret leaves an empty style attribute on the page's inputs,
    # which htmx then copies onto the inputs it swaps in: a false CSP violation.
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), caret="initial")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-full.png"), full_page=True, caret="initial")


def log_in(page, username="inspector", password=PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")


def assert_fits_phone(page) -> None:
    """Nothing on the page makes it scroll sideways on a 360 px screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def forget_login(page, names=("session", "remember_token")) -> None:
    """Clear the login cookies as a phone losing them would. An answer may renew the session
    cookie (its idle time, at most once a minute), so a prefetch still running may set it
    again: clear until it stays gone."""
    for _ in range(50):
        for name in names:
            page.context.clear_cookies(name=name)
        page.wait_for_timeout(200)
        if not any(c["name"] in names for c in page.context.cookies()):
            return
    raise AssertionError("the login cookies keep coming back")
