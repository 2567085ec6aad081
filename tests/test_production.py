"""A production server: what it needs from its environment, behind a proxy, its log and
its health endpoint."""

import json
import logging
import shutil

import pytest
from sqlalchemy import select

from fieldapp import create_app, health
from fieldapp.config import SettingError
from fieldapp.extensions import db, limiter
from fieldapp.models import AuditEntry
from tests.factories import FAST_HASH, PASSWORD

SECRET = "a-secret-key-from-the-environment"
FORWARDED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "fieldapp.example",
}
BEHIND_NGINX = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture(autouse=True)
def _no_json_log_left_behind():
    """An app made with the JSON log adds a handler to the root logger: take it away."""
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "fieldapp_json", False)]:
        root.removeHandler(handler)


@pytest.fixture
def make_server_app(app, quan_son, tmp_path):
    """Another app on the test's database (as a second server would be), with settings as a
    server would have them."""
    made = []

    def make(**overrides):
        server = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                "PASSWORD_HASH_METHOD": FAST_HASH,
                "WTF_CSRF_ENABLED": False,
                **overrides,
            }
        )
        made.append(server)
        return server

    yield make
    for server in made:  # its connections closed, so that the next test may empty the tables
        with server.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("FIELDAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", "postgresql://fieldapp@db.invalid/fieldapp")


# What a server needs from its environment.


@pytest.mark.parametrize("variable", ["SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without(variable, production, monkeypatch, tmp_path):
    monkeypatch.delenv(variable)
    with pytest.raises(SettingError) as refused:
        create_app({"UPLOAD_FOLDER": str(tmp_path / "uploads")})
    message = str(refused.value)
    assert f"FIELDAPP_ENV=production: set {variable} in the environment" in message
    other = {"SECRET_KEY": "DATABASE_URL", "DATABASE_URL": "SECRET_KEY"}[variable]
    assert f"set {other}" not in message and "deploy/.env.example" in message
    monkeypatch.setenv(variable, "   ")  # empty is missing too
    with pytest.raises(SettingError, match=f"set {variable} "):
        create_app({"UPLOAD_FOLDER": str(tmp_path / "uploads")})


def test_production_names_both_when_both_are_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SettingError, match="set SECRET_KEY and DATABASE_URL in the environment"):
        create_app({"UPLOAD_FOLDER": str(tmp_path / "uploads")})


def test_an_unknown_environment_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_ENV", "prod")
    with pytest.raises(SettingError, match=r"FIELDAPP_ENV=.prod.*production or development"):
        create_app({"UPLOAD_FOLDER": str(tmp_path / "uploads")})


def test_production_takes_both_from_the_environment_with_secure_cookies(production, tmp_path):
    config = create_app({"UPLOAD_FOLDER": str(tmp_path / "uploads")}).config
    assert config["ENV"] == "production" and config["SECRET_KEY"] == SECRET
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://fieldapp@db.invalid/fieldapp"
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True
    assert config["LOG_FORMAT"] == "json"


def test_production_cookies_may_still_be_switched_off(production, monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_SESSION_COOKIE_SECURE", "false")
    config = create_app({"UPLOAD_FOLDER": str(tmp_path / "uploads")}).config
    assert config["SESSION_COOKIE_SECURE"] is False and config["REMEMBER_COOKIE_SECURE"] is False


def test_with_no_environment_the_app_starts_for_local_use(monkeypatch, tmp_path):
    for variable in ("FIELDAPP_ENV", "SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    config = create_app({"UPLOAD_FOLDER": str(tmp_path / "uploads")}).config
    assert config["ENV"] == "development" and config["SECRET_KEY"]
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["SESSION_COOKIE_SECURE"] is False and config["LOG_FORMAT"] == "text"
    assert config["TRUSTED_PROXIES"] == 0


def test_sql_errors_leave_their_parameters_out_of_the_log(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    assert db.engine.hide_parameters is True


def test_a_production_login_sets_secure_http_only_same_site_cookies(
    production, make_server_app, make_user
):
    make_user()
    app = make_server_app()
    client = app.test_client()
    base = "https://fieldapp.example"
    response = client.post(
        "/login",
        data={"username": "inspector", "password": PASSWORD, "remember": "y"},
        base_url=base,
    )
    assert response.status_code == 303
    cookies = {c.split("=")[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        assert "; Secure" in cookies[name] and "; HttpOnly" in cookies[name], cookies[name]
        assert "; SameSite=Lax" in cookies[name]


# Behind a proxy.


@pytest.fixture
def behind_one_proxy(make_server_app):
    app = make_server_app(TRUSTED_PROXIES=1, LOGIN_LIMITS_PER_ADDRESS="2/hour")
    limiter.reset()
    yield app
    limiter.reset()


def _failed_login(client, headers, username="nobody"):
    return client.post(
        "/login",
        data={"username": username, "password": "wrong password!"},
        headers=headers,
        environ_base=BEHIND_NGINX,
    )


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(behind_one_proxy):
    client = behind_one_proxy.test_client()
    # A client may send its own X-Forwarded-For: nginx appends the address it saw, the one
    # the app believes.
    headers = {**FORWARDED, "X-Forwarded-For": "198.51.100.66, 203.0.113.9"}
    assert _failed_login(client, headers).status_code == 422
    with behind_one_proxy.app_context():
        addresses = db.session.scalars(select(AuditEntry.address)).all()
    assert addresses == ["203.0.113.9"]


def test_behind_a_trusted_proxy_login_limits_count_per_client(behind_one_proxy):
    client = behind_one_proxy.test_client()
    for _ in range(2):
        assert _failed_login(client, FORWARDED).status_code == 422
    assert _failed_login(client, FORWARDED).status_code == 429
    # Another client behind the same nginx is not limited.
    other = {**FORWARDED, "X-Forwarded-For": "203.0.113.10"}
    assert _failed_login(client, other).status_code == 422


def test_behind_a_trusted_proxy_https_posts_pass_the_same_origin_check(behind_one_proxy):
    client = behind_one_proxy.test_client()
    own = {**FORWARDED, "Origin": "https://fieldapp.example"}
    assert _failed_login(client, own).status_code == 422
    other_site = {**FORWARDED, "Origin": "https://evil.example"}
    assert _failed_login(client, other_site).status_code == 400
    plain_http = {**FORWARDED, "Origin": "http://fieldapp.example"}
    assert _failed_login(client, plain_http).status_code == 400


def test_behind_a_trusted_proxy_https_gets_hsts(behind_one_proxy):
    client = behind_one_proxy.test_client()
    secure = client.get("/login", headers=FORWARDED, environ_base=BEHIND_NGINX)
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = {**FORWARDED, "X-Forwarded-Proto": "http"}
    assert "Strict-Transport-Security" not in client.get("/login", headers=plain).headers


def test_behind_a_trusted_proxy_csrf_checks_the_https_referer(make_server_app, make_user):
    """Flask-WTF checks an HTTPS post's Referer against the host: the forwarded one."""
    make_user()
    app = make_server_app(TRUSTED_PROXIES=1, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login", headers=FORWARDED).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={"csrf_token": token, "username": "inspector", "password": PASSWORD},
        headers={**FORWARDED, "Referer": "https://fieldapp.example/login"},
    )
    assert response.status_code == 303


def test_with_no_trusted_proxy_forwarded_headers_are_ignored(make_server_app):
    app = make_server_app(LOGIN_LIMITS_PER_ADDRESS="2/hour")
    client = app.test_client()
    limiter.reset()
    own = {**FORWARDED, "Origin": "https://fieldapp.example"}
    assert _failed_login(client, own).status_code == 400  # the app is http://localhost
    assert "Strict-Transport-Security" not in client.get("/login", headers=FORWARDED).headers
    limiter.reset()
    for n in range(2):
        other = {**FORWARDED, "X-Forwarded-For": f"203.0.113.{n}"}
        assert _failed_login(client, other).status_code == 422
    # Every forwarded address was the same client: nginx's own.
    assert _failed_login(client, FORWARDED).status_code == 429
    with app.app_context():
        assert set(db.session.scalars(select(AuditEntry.address))) == {"127.0.0.1"}
    limiter.reset()


@pytest.mark.parametrize("count", ["-1", "two"])
def test_a_bad_number_of_proxies_stops_the_start(count, monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_TRUSTED_PROXIES", count)
    with pytest.raises(SettingError, match="FIELDAPP_TRUSTED_PROXIES"):
        create_app({"UPLOAD_FOLDER": str(tmp_path / "uploads")})


# The log.


def _log_lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def _request_lines(capsys) -> list[dict]:
    return [line for line in _log_lines(capsys) if line["logger"] == "fieldapp.requests"]


def test_each_request_is_one_json_line_with_its_id_user_and_duration(
    make_server_app, make_user, capsys
):
    user = make_user()
    app = make_server_app(LOG_FORMAT="json", TRUSTED_PROXIES=1)
    client = app.test_client()
    capsys.readouterr()
    client.post(
        "/login",
        data={"username": "inspector", "password": PASSWORD},
        headers=FORWARDED,
        environ_base=BEHIND_NGINX,
    )
    response = client.get("/venues?q=secret-search-token", headers=FORWARDED)
    login_line, search_line = _request_lines(capsys)
    assert login_line["method"] == "POST" and login_line["path"] == "/login"
    assert login_line["status"] == 303 and login_line["level"] == "INFO"
    assert search_line["path"] == "/venues" and search_line["status"] == 200
    assert search_line["user_id"] == user.id and search_line["client"] == "203.0.113.9"
    assert search_line["request_id"] == response.headers["X-Request-Id"]
    assert len(search_line["request_id"]) == 32
    assert isinstance(search_line["duration_ms"], float) and search_line["duration_ms"] >= 0
    assert search_line["message"] == "GET /venues 200"
    assert search_line["time"].endswith("+00:00")


def test_the_log_holds_no_password_cookie_nor_query_string(make_server_app, make_user, capsys):
    make_user()
    app = make_server_app(LOG_FORMAT="json")
    client = app.test_client()
    capsys.readouterr()
    client.post("/login", data={"username": "inspector", "password": PASSWORD})
    client.post("/login?next=/token-in-the-query", data={"username": "x", "password": "pw-typed"})
    client.get("/venues?q=private-words")
    cookie = client.get_cookie("session").value
    written = capsys.readouterr().out
    assert len(written.splitlines()) >= 3
    for secret in (PASSWORD, "pw-typed", cookie, "token-in-the-query", "private-words"):
        assert secret not in written


def test_a_trusted_proxys_request_id_is_kept_anything_else_replaced(make_server_app, capsys):
    behind = make_server_app(LOG_FORMAT="json", TRUSTED_PROXIES=1).test_client()
    sent = {"X-Request-Id": "0123456789abcdef0123456789abcdef"}
    assert behind.get("/login", headers=sent).headers["X-Request-Id"] == sent["X-Request-Id"]
    odd = behind.get("/login", headers={"X-Request-Id": "<script>"}).headers["X-Request-Id"]
    assert odd != "<script>" and len(odd) == 32
    direct = make_server_app(LOG_FORMAT="json").test_client()
    assert direct.get("/login", headers=sent).headers["X-Request-Id"] != sent["X-Request-Id"]
    ids = [line["request_id"] for line in _request_lines(capsys)]
    assert ids[0] == sent["X-Request-Id"] and len(set(ids)) == 3


def test_an_error_is_logged_as_json_with_its_traceback_and_request_id(make_server_app, capsys):
    app = make_server_app(LOG_FORMAT="json", TESTING=False)

    def boom():
        raise RuntimeError("the disk is on fire")

    app.add_url_rule("/boom", view_func=boom)
    capsys.readouterr()
    response = app.test_client().get("/boom?token=abc")
    assert response.status_code == 500
    lines = _log_lines(capsys)
    (error,) = [line for line in lines if line["level"] == "ERROR"]
    (request_line,) = [line for line in lines if line["logger"] == "fieldapp.requests"]
    assert error["level"] == "ERROR" and error["message"] == "Exception on /boom [GET]"
    assert (
        "Traceback" in error["traceback"]
        and "RuntimeError: the disk is on fire" in (error["traceback"])
    )
    assert error["request_id"] == request_line["request_id"] == response.headers["X-Request-Id"]
    assert request_line["status"] == 500 and "token" not in json.dumps([error, request_line])


def test_in_development_the_log_stays_readable_text(app, client, capsys, caplog):
    caplog.set_level(logging.INFO, logger="fieldapp.requests")
    response = client.get("/login")
    (record,) = [r for r in caplog.records if r.name == "fieldapp.requests"]
    assert record.getMessage() == "GET /login 200"
    assert record.request_id == response.headers["X-Request-Id"]
    assert "{" not in capsys.readouterr().out  # no JSON on standard output


def test_an_unknown_log_format_stops_the_start(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_LOG_FORMAT", "xml")
    with pytest.raises(SettingError, match="FIELDAPP_LOG_FORMAT='xml'"):
        create_app({"UPLOAD_FOLDER": str(tmp_path / "uploads")})


# /healthz.


def test_healthz_answers_ok_without_a_login_and_is_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_answers_503_when_a_check_fails_and_says_no_more(client, monkeypatch, caplog):
    def queue():
        raise ConnectionError("redis at 10.0.0.5:6379 refused the connection")

    monkeypatch.setattr(health, "CHECKS", [*health.CHECKS, queue])
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json() == {"status": "unavailable"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "10.0.0.5" not in response.get_data(as_text=True)
    assert "redis at 10.0.0.5" in caplog.text  # the reason goes to the log only
    monkeypatch.setattr(health, "CHECKS", [*health.CHECKS[:-1], lambda: False])
    assert client.get("/healthz").status_code == 503


def test_healthz_answers_503_when_the_database_does_not(make_server_app, tmp_path):
    app = make_server_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/folder/x.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json() == {"status": "unavailable"}


def test_the_database_check_is_one_of_the_checks(app):
    assert health.database() is True and health.database in health.CHECKS


def test_healthz_answers_503_when_the_photo_storage_does_not(app, client):
    assert client.get("/healthz").status_code == 200
    shutil.rmtree(app.config["UPLOAD_FOLDER"])  # the photos' disk is gone (unmounted)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json() == {"status": "unavailable"}
