"""Sessions that end on the server, remember-me, timeouts, CSRF rotation, log-in limits."""

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from flask import g
from sqlalchemy import select

from fieldapp import create_app
from fieldapp.extensions import db, limiter
from fieldapp.models import AuditEntry, User
from fieldapp.models import user as user_module
from tests.factories import PASSWORD

START = datetime(2021, 11, 11, 1, 0)


@pytest.fixture(autouse=True)
def user_loaded_at_each_request(app):
    """Tests share one app context, whose `g` would keep the user Flask-Login loaded at the
    first request: forget it, so every request checks its cookies as a server does."""

    def forget_the_user():
        g.pop("_login_user", None)

    app.before_request(forget_the_user)


def log_in(client, username="inspector", password=PASSWORD, remember=False, **headers):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data, headers=headers)


def cookie(client, name):
    found = client.get_cookie(name)
    return found.value if found else None


def replay(client, session_cookie=None, remember_cookie=None):
    """A fresh browser with only the copied cookies."""
    for name in ("session", "remember_token"):
        client.delete_cookie(name)
    if session_cookie:
        client.set_cookie("session", session_cookie)
    if remember_cookie:
        client.set_cookie("remember_token", remember_cookie)
    return client.get("/").status_code


def test_a_session_cookie_replayed_after_logout_is_refused(client, make_user):
    make_user()
    assert log_in(client).status_code == 303
    copied = cookie(client, "session")
    assert replay(client, copied) == 200
    assert client.post("/logout").status_code == 303
    assert replay(client, copied) == 302


def test_a_remember_cookie_replayed_after_logout_is_refused(client, make_user):
    make_user()
    log_in(client, remember=True)
    remembered = cookie(client, "remember_token")
    assert remembered
    assert replay(client, remember_cookie=remembered) == 200  # it does work until then
    log_in(client, remember=True)
    assert client.post("/logout").status_code == 303
    assert replay(client, remember_cookie=remembered) == 302


def test_logout_ends_the_sessions_on_other_phones(app, make_user):
    make_user()
    phone, other = app.test_client(), app.test_client()
    log_in(phone)
    log_in(other)
    phone.post("/logout")
    assert other.get("/").status_code == 302


def test_the_remember_token_changes_with_each_log_in_after_a_logout(client, make_user):
    make_user()
    log_in(client, remember=True)
    first = cookie(client, "remember_token")
    client.post("/logout")
    log_in(client, remember=True)
    assert cookie(client, "remember_token") != first


@pytest.mark.parametrize("change", ["password", "disable"])
def test_cookies_replayed_after_a_password_change_or_disabling_are_refused(
    client, make_user, change
):
    user = make_user()
    log_in(client, remember=True)
    copied, remembered = cookie(client, "session"), cookie(client, "remember_token")
    if change == "password":
        user.set_password("a new long passphrase")
    else:
        user.is_enabled = False
    db.session.commit()
    assert replay(client, copied) == 302
    assert replay(client, remember_cookie=remembered) == 302


def test_disabling_alone_refuses_the_user_even_at_the_same_version(client, make_user):
    user = make_user()
    log_in(client)
    copied = cookie(client, "session")
    db.session.execute(db.update(User).where(User.id == user.id).values(is_enabled=False))
    db.session.commit()
    assert replay(client, copied) == 302


def test_remember_me_is_unticked_and_its_cookie_is_bounded(client, make_user):
    make_user()
    page = client.get("/login").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="remember"[^>]*>', page).group(0)
    assert "checked" not in box
    response = log_in(client)
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))
    client.post("/logout")
    response = log_in(client, remember=True)
    remember = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
    )
    assert "HttpOnly" in remember and "SameSite=Lax" in remember
    assert "Secure" not in remember  # served over plain HTTP here
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", remember).group(1))
    assert expires <= datetime.now(UTC) + timedelta(days=30, minutes=1)
    session = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session


def test_cookies_are_secure_when_the_setting_says_https(app, make_user):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    make_user()
    client = app.test_client()
    response = log_in(client, remember=True, base_url="https://localhost")
    for set_cookie in response.headers.getlist("Set-Cookie"):
        assert "Secure" in set_cookie, set_cookie


def test_remember_days_are_at_most_thirty(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_REMEMBER_DAYS", "365")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)


def test_an_idle_session_ends(app, client, make_user, frozen_clock):
    app.config.update(SESSION_IDLE_MINUTES=30, SESSION_LIFETIME_HOURS=12)
    make_user()
    frozen_clock(START)
    log_in(client)
    frozen_clock(START + timedelta(minutes=29))
    assert client.get("/").status_code == 200
    frozen_clock(START + timedelta(minutes=58))  # 29 minutes after the last request
    assert client.get("/").status_code == 200
    frozen_clock(START + timedelta(minutes=89))
    assert client.get("/").status_code == 302


def test_an_ordinary_answer_sends_no_cookie(app, client, make_user, frozen_clock):
    # The session is re-signed only when it changes: the last request's moment is written
    # at most once a minute, and the phone's user cookie only at log-in.
    make_user()
    frozen_clock(START)
    assert log_in(client).headers.getlist("Set-Cookie")
    for seconds in (1, 30, 59):
        frozen_clock(START + timedelta(seconds=seconds))
        response = client.get("/")
        assert response.status_code == 200
        assert response.headers.getlist("Set-Cookie") == []
    frozen_clock(START + timedelta(seconds=61))
    renewed = client.get("/").headers.getlist("Set-Cookie")
    assert [c for c in renewed if c.startswith("session=")]


def test_a_busy_session_still_ends_after_its_lifetime(app, client, make_user, frozen_clock):
    app.config.update(SESSION_IDLE_MINUTES=30, SESSION_LIFETIME_HOURS=2)
    make_user()
    frozen_clock(START)
    log_in(client)
    for minutes in range(20, 120, 20):
        frozen_clock(START + timedelta(minutes=minutes))
        assert client.get("/").status_code == 200
    frozen_clock(START + timedelta(minutes=121))
    assert client.get("/").status_code == 302


def test_a_remembered_log_in_outlives_idleness_but_not_its_days(
    app, client, make_user, frozen_clock
):
    app.config.update(SESSION_IDLE_MINUTES=30, REMEMBER_DAYS=30)
    make_user()
    frozen_clock(START)
    log_in(client, remember=True)
    remembered = cookie(client, "remember_token")
    frozen_clock(START + timedelta(days=3))
    assert client.get("/").status_code == 200
    frozen_clock(START + timedelta(days=31))
    assert replay(client, remember_cookie=remembered) == 302


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def _login_page_token(client):
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _csrf_log_in(client, username):
    token = _login_page_token(client)
    response = log_in_with(client, username, token)
    assert response.status_code == 303
    return client.get("/account/csrf-token").get_json()["csrf_token"]


def log_in_with(client, username, token):
    return client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )


def test_the_csrf_token_changes_at_login_and_logout(csrf_client, make_user):
    make_user("first")
    make_user("second")
    before_login = _login_page_token(csrf_client)
    first_token = _csrf_log_in(csrf_client, "first")
    assert first_token != before_login
    language = {"locale": "en", "next": "/"}
    assert (
        csrf_client.post(
            "/account/language", data={**language, "csrf_token": before_login}
        ).status_code
        == 400
    )
    assert (
        csrf_client.post(
            "/account/language", data={**language, "csrf_token": first_token}
        ).status_code
        == 303
    )
    csrf_client.post("/logout", data={"csrf_token": first_token})
    second_token = _csrf_log_in(csrf_client, "second")
    # The previous user's token is refused for the next one, on the same phone.
    refused = csrf_client.post(
        "/account/language",
        data={**language, "csrf_token": first_token},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 400 and refused.get_json()["status"] == "csrf"
    accepted = csrf_client.post("/account/language", data={**language, "csrf_token": second_token})
    assert accepted.status_code == 303


def test_the_csrf_token_lasts_all_day_for_the_outbox(csrf_client, app, make_user, frozen_clock):
    app.config.update(SESSION_IDLE_MINUTES=12 * 60)
    make_user()
    frozen_clock(START)
    token = _csrf_log_in(csrf_client, "inspector")
    frozen_clock(START + timedelta(hours=9))
    response = csrf_client.post(
        "/account/language", data={"locale": "en", "next": "/", "csrf_token": token}
    )
    assert response.status_code == 303


@pytest.fixture
def small_limits(app):
    app.config.update(LOGIN_LIMITS_PER_ACCOUNT="3/minute", LOGIN_LIMITS_PER_ADDRESS="5/hour")
    limiter.reset()
    yield
    limiter.reset()


def test_wrong_passwords_for_one_account_are_limited(client, make_user, small_limits):
    make_user()
    for _ in range(3):
        assert log_in(client, password="wrong password!").status_code == 422
    limited = log_in(client)  # even the right password waits now
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    page = limited.get_data(as_text=True)
    assert re.search(r"Thử quá nhiều lần. Hãy thử lại sau [12] phút.", page)
    assert 'value="inspector"' in page  # the log-in form again, with the username kept
    # Another account from the same address is not held up by this one.
    make_user("other")
    assert log_in(client, username="other").status_code == 303


def elsewhere(app):
    """Another browser at another address (the per-address limit is not what is tested)."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    return browser


def test_a_stranger_guessing_does_not_keep_the_owner_out_of_their_own_phone(
    app, client, make_user, small_limits
):
    """The owner's phone logged in before: its log-ins count apart from the world's, so the
    right password still gets in while a stranger is refused, and its own wrong guesses
    are limited all the same (auth/devices.py)."""
    make_user()
    assert log_in(client).status_code == 303  # the phone now knows this account
    client.post("/logout")
    stranger = elsewhere(app)
    for _ in range(3):
        assert log_in(stranger, password="wrong password!").status_code == 422
    assert log_in(stranger).status_code == 429  # the world's budget is spent
    assert log_in(client).status_code == 303  # the owner's phone is not held up
    client.post("/logout")
    for _ in range(3):
        assert log_in(client, password="wrong password!").status_code == 422
    assert log_in(client).status_code == 429  # its own guesses have a limit too


def test_a_forged_or_anothers_device_cookie_counts_as_a_stranger(
    app, client, make_user, small_limits
):
    make_user()
    make_user("other")
    assert log_in(client, username="other").status_code == 303  # knows "other" only
    client.post("/logout")
    stranger = elsewhere(app)
    for _ in range(3):
        log_in(stranger, password="wrong password!")
    assert log_in(client).status_code == 429  # "inspector" never logged in here
    forged = app.test_client()
    forged.set_cookie("fieldapp_device", cookie(client, "fieldapp_device")[:-2] + "xx")
    assert log_in(forged).status_code == 429


def test_an_addresss_spent_budget_does_not_keep_out_a_phone_that_knows_the_account(
    app, client, make_user, small_limits
):
    """An office's Wi-Fi (or a carrier's NAT) shared with someone guessing usernames."""
    make_user()
    assert log_in(client).status_code == 303
    client.post("/logout")
    neighbour = app.test_client()  # the same address
    for n in range(5):
        log_in(neighbour, username=f"nobody{n}", password="wrong password!")
    assert log_in(neighbour, username="nobody-else").status_code == 429
    assert log_in(client).status_code == 303


def test_a_client_hammering_past_the_limit_writes_one_audit_entry_a_minute(
    client, make_user, small_limits, frozen_clock
):
    make_user()
    for _ in range(3):
        log_in(client, password="wrong password!")
    for _ in range(20):
        assert log_in(client, password="wrong password!").status_code == 429
    for n in range(2):  # the address's budget (5) spent on other usernames
        assert log_in(client, username=f"guess{n}").status_code == 422
    for n in range(20):  # a new username each time writes no more either
        assert log_in(client, username=f"nobody{n}").status_code == 429
    limited = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "login_limited"))
    assert len(list(limited)) == 1


def test_a_right_password_does_not_count(client, make_user, small_limits):
    make_user()
    for _ in range(5):
        assert log_in(client).status_code == 303
        client.post("/logout")
    assert log_in(client, password="wrong password!").status_code == 422


def test_guesses_from_one_address_are_limited_across_usernames(client, make_user, small_limits):
    for n in range(5):
        assert log_in(client, username=f"nobody{n}").status_code == 422
    assert log_in(client, username="nobody-else").status_code == 429


def test_a_json_client_gets_a_429_it_can_retry(client, make_user, small_limits):
    make_user()
    for _ in range(3):
        log_in(client, password="wrong password!")
    limited = log_in(client, Accept="application/json")
    assert limited.status_code == 429
    body = limited.get_json()
    assert body["status"] == "limited" and body["retry_after"] > 0
    assert int(limited.headers["Retry-After"]) == body["retry_after"]


def test_an_unknown_username_checks_a_dummy_hash(client, make_user, monkeypatch):
    make_user()
    checked = []
    real = user_module.check_password_hash

    def recording(password_hash, password):
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(user_module, "check_password_hash", recording)
    assert log_in(client, username="nobody").status_code == 422
    assert checked == [user_module.dummy_hash()]
    assert log_in(client, password="wrong password!").status_code == 422
    assert len(checked) == 2 and checked[1] != checked[0]


def test_the_dummy_hash_uses_the_configured_method(app):
    assert user_module.dummy_hash().startswith(app.config["PASSWORD_HASH_METHOD"].split(":")[0])


def test_the_limits_can_live_in_redis(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_RATELIMIT_STORAGE_URI", "redis://localhost:6379/0")
    create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert type(limiter.storage).__name__ == "RedisStorage"
    monkeypatch.delenv("FIELDAPP_RATELIMIT_STORAGE_URI")
    create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert type(limiter.storage).__name__ == "MemoryStorage"
