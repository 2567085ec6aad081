"""Logging in and out, language choice, CSRF."""

import re

import pytest

from fieldapp.config import load_config
from fieldapp.extensions import db
from fieldapp.models import User
from tests.factories import PASSWORD


def test_pages_need_a_login(client, quan_son):
    for url in [
        "/",
        "/venues",
        "/venues/1",
        "/venues/new",
        "/venues/1/inspections/new",
        "/inspections/1",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


def test_posts_need_a_login(client, quan_son):
    assert client.post("/venues/1/inspections").status_code == 302
    assert client.post("/venues/1/inspections/preview").status_code == 302


def test_login_page_is_vietnamese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Đăng nhập" in page
    assert 'lang="vi"' in page


def test_login_with_wrong_password_says_so_and_keeps_username(client, make_user):
    make_user()
    response = client.post("/login", data={"username": "inspector", "password": "nope"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Sai tên đăng nhập hoặc mật khẩu" in page
    assert 'value="inspector"' in page


def test_login_with_empty_fields_says_what_is_missing(client, quan_son):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 422
    assert "Nhập tên đăng nhập" in response.get_data(as_text=True)


def test_login_then_logout(client, login):
    user = login()
    home = client.get("/")
    assert home.status_code == 200
    assert user.display_name in home.get_data(as_text=True)
    assert client.post("/logout").status_code == 303
    assert client.get("/").status_code == 302


def test_disabled_account_cannot_log_in(client, make_user):
    make_user(is_enabled=False)
    response = client.post("/login", data={"username": "inspector", "password": PASSWORD})
    assert response.status_code == 422


def test_login_follows_only_local_next(client, make_user):
    make_user()
    response = client.post(
        "/login?next=https://evil.example/x", data={"username": "inspector", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post(
        "/login?next=/venues", data={"username": "inspector", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/venues"


def test_english_is_selectable_and_kept_on_the_account(client, login, app):
    user = login()
    response = client.post("/account/language", data={"locale": "en", "next": "/"})
    assert response.status_code == 303
    assert "Due for re-inspection" in client.get("/").get_data(as_text=True)

    assert db.session.get(User, user.id).locale == "en"
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_refused(client, login):
    login()
    assert client.post("/account/language", data={"locale": "fr"}).status_code == 400


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def test_csrf_is_enforced_on_login(csrf_client, make_user):
    make_user()
    response = csrf_client.post("/login", data={"username": "inspector", "password": PASSWORD})
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)


def test_csrf_token_from_the_page_is_accepted(csrf_client, make_user):

    make_user()
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = csrf_client.post(
        "/login", data={"username": "inspector", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303


def test_htmx_posts_need_the_csrf_header(csrf_client, make_user, make_venue):

    make_user()
    venue = make_venue()
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    csrf_client.post(
        "/login", data={"username": "inspector", "password": PASSWORD, "csrf_token": token}
    )
    url = f"/venues/{venue.id}/inspections/preview"
    assert csrf_client.post(url, headers={"HX-Request": "true"}).status_code == 400
    home = csrf_client.get("/").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    response = csrf_client.post(url, headers={"HX-Request": "true", "X-CSRFToken": header_token})
    assert response.status_code == 200


def test_config_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db/fieldapp")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("MAX_PHOTO_MB", "2")

    config = load_config(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/fieldapp"
    assert config["SECRET_KEY"] == "from-env"
    assert config["MAX_PHOTO_BYTES"] == 2 * 1024 * 1024


def test_default_config_is_local_sqlite_with_a_kept_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)

    first = load_config(tmp_path)
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'fieldapp.db'}"
    assert len(first["SECRET_KEY"]) >= 32
    assert load_config(tmp_path)["SECRET_KEY"] == first["SECRET_KEY"]
