"""Accounts managed in the app: the admin's screen, one's own password, one-time passwords."""

import re
from datetime import date

import pytest
from flask import g
from sqlalchemy import select

from fieldapp.assignments.service import assign
from fieldapp.extensions import db, limiter
from fieldapp.models import AuditEntry, User
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def user_loaded_at_each_request(app):
    """Every request checks its session as a server does (tests share one app context)."""

    def forget_the_user():
        g.pop("_login_user", None)

    app.before_request(forget_the_user)


@pytest.fixture
def admin(login):
    return login(username="admin", role="admin")


def user_named(username):
    return db.session.scalar(select(User).where(User.username == username))


def one_time_password(response) -> str:
    page = response.get_data(as_text=True)
    return re.search(r"data-one-time-password><strong>([^<]+)</strong>", page).group(1)


def test_the_menu_offers_accounts_to_admins_only(client, login):
    login(username="inspector")
    page = client.get("/").get_data(as_text=True)
    assert "/users" not in page and "/account/password" in page
    login(username="admin", role="admin")
    assert 'href="/users"' in client.get("/").get_data(as_text=True)


def test_the_list_shows_the_district_only(client, admin, make_user, other_district):
    make_user("lan", display_name="Hà Thị Lan")
    make_user("far", display_name="Lò Văn Xa", district=other_district)
    page = client.get("/users").get_data(as_text=True)
    assert "Hà Thị Lan" in page and "Lò Văn Xa" not in page
    far = user_named("far")
    assert client.get(f"/users/{far.id}").status_code == 404
    assert client.post(f"/users/{far.id}/reset-password").status_code == 404


def test_create_an_account_with_a_one_time_password(client, admin, quan_son):
    form = {"username": "Lan.Ha", "display_name": "Hà Thị Lan", "role": "inspector"}
    response = client.post(
        "/users/new", data={**form, "scope": "district", "district_id": quan_son.id}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    one_time = one_time_password(response)
    user = user_named("lan.ha")
    assert user.must_change_password and user.check_password(one_time)
    assert (user.display_name, user.role, user.district) == ("Hà Thị Lan", "inspector", quan_son)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"username": "Lan Hà"}, "Dùng từ 2 đến 50 chữ thường"),
        ({"username": "admin"}, "Tên đăng nhập này đã có người dùng"),
        ({"scope": "province"}, "được tạo bằng dòng lệnh"),
        ({"display_name": ""}, "Nhập họ tên"),
    ],
)
def test_creating_refuses_bad_input_and_keeps_what_was_typed(
    client, admin, quan_son, changes, message
):
    form = {
        "username": "lan.ha",
        "display_name": "Hà Thị Lan",
        "role": "inspector",
        "scope": "district",
        "district_id": quan_son.id,
        **changes,
    }
    response = client.post("/users/new", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if form["display_name"]:
        assert "Hà Thị Lan" in page
    assert user_named("lan.ha") is None


def test_an_admin_cannot_create_in_another_district(client, admin, other_district):
    form = {"username": "xa", "display_name": "Xa", "role": "inspector", "scope": "district"}
    response = client.post("/users/new", data={**form, "district_id": other_district.id})
    assert response.status_code == 422
    assert user_named("xa") is None


def test_edit_name_role_and_scope_ends_the_users_sessions(app, client, admin, make_user):
    user = make_user("lan", role="inspector")
    phone = app.test_client()
    phone.post("/login", data={"username": "lan", "password": PASSWORD})
    assert phone.get("/").status_code == 200
    response = client.post(
        f"/users/{user.id}",
        data={"display_name": "Hà Thị Lan", "role": "supervisor", "scope": "district"},
    )
    assert response.status_code == 303
    db.session.refresh(user)
    assert (user.display_name, user.role, user.can_review) == ("Hà Thị Lan", "supervisor", True)
    assert phone.get("/").status_code == 302  # logged in again, with the new role


def test_an_admin_keeps_their_own_role_and_account(client, admin):
    refused = client.post(
        f"/users/{admin.id}", data={"display_name": "A", "role": "inspector", "scope": "district"}
    )
    assert refused.status_code == 422
    assert "Bạn không thể đổi vai trò của chính mình" in refused.get_data(as_text=True)
    client.post(f"/users/{admin.id}/disable", data={"confirm": "yes"})
    db.session.refresh(admin)
    assert admin.is_enabled and admin.role == "admin"


def test_disabling_asks_first_then_logs_the_user_out(app, client, admin, make_user):
    user = make_user("lan")
    phone = app.test_client()
    phone.post("/login", data={"username": "lan", "password": PASSWORD})
    asked = client.post(f"/users/{user.id}/disable")
    assert asked.status_code == 200
    assert "Có, khóa tài khoản" in asked.get_data(as_text=True)
    db.session.refresh(user)
    assert user.is_enabled
    assert client.post(f"/users/{user.id}/disable", data={"confirm": "yes"}).status_code == 303
    db.session.refresh(user)
    assert not user.is_enabled
    assert phone.get("/").status_code == 302
    login = {"username": "lan", "password": PASSWORD}
    assert phone.post("/login", data=login).status_code == 422
    assert client.post(f"/users/{user.id}/enable").status_code == 303
    assert phone.post("/login", data=login).status_code == 303


def test_a_reset_gives_a_one_time_password_to_change_at_log_in(app, client, admin, make_user):
    user = make_user("lan")
    phone = app.test_client()
    assert phone.post("/login", data={"username": "lan", "password": PASSWORD}).status_code == 303
    response = client.post(f"/users/{user.id}/reset-password", data={"confirm": "yes"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    one_time = one_time_password(response)
    # Not their first log-in: their next one.
    assert "ở lần đăng nhập tới người đó phải tự chọn" in response.get_data(as_text=True)
    assert phone.get("/").status_code == 302  # the old session ended
    assert phone.post("/login", data={"username": "lan", "password": PASSWORD}).status_code == 422
    assert phone.post("/login", data={"username": "lan", "password": one_time}).status_code == 303
    # Every page leads to the password form until a new one is chosen.
    for url in ("/", "/venues", "/inspections"):
        sent = phone.get(url)
        assert sent.status_code == 302 and sent.headers["Location"] == "/account/password", url
    assert phone.get("/", headers={"HX-Request": "true"}).headers["HX-Redirect"] == (
        "/account/password"
    )
    assert phone.get("/", headers={"Accept": "application/json"}).status_code == 403
    assert phone.get("/account/password").status_code == 200
    changed = phone.post(
        "/account/password",
        data={"current": one_time, "new": "song ma ben bo", "again": "song ma ben bo"},
    )
    assert changed.status_code == 303
    assert phone.get("/").status_code == 200
    db.session.refresh(user)
    assert not user.must_change_password


def test_change_ones_own_password(app, client, login):
    user = login(username="lan")
    other_phone = app.test_client()
    other_phone.post("/login", data={"username": "lan", "password": PASSWORD})
    wrong = client.post(
        "/account/password",
        data={"current": "not it at all", "new": "song ma ben bo", "again": "song ma ben bo"},
    )
    assert wrong.status_code == 422
    assert "Đây không phải mật khẩu hiện tại" in wrong.get_data(as_text=True)
    for new, message in (
        ("short", "Dùng ít nhất 12 ký tự"),
        ("1q2w3e4r5t6y", "quá phổ biến"),
        ("x" * 129, "Dùng tối đa 128 ký tự"),
    ):
        refused = client.post(
            "/account/password", data={"current": PASSWORD, "new": new, "again": new}
        )
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), new
    differ = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "song ma ben bo", "again": "song ma ben bo!"},
    )
    assert differ.status_code == 422
    changed = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "song ma ben bo", "again": "song ma ben bo"},
    )
    assert changed.status_code == 303
    assert client.get("/").status_code == 200  # this phone stays logged in
    assert other_phone.get("/").status_code == 302  # the other one does not
    db.session.refresh(user)
    assert user.check_password("song ma ben bo")


def test_guessing_the_current_password_is_limited(app, client, login):
    app.config.update(LOGIN_LIMITS_PER_ACCOUNT="2/minute")
    limiter.reset()
    login(username="lan")
    wrong = {"current": "not it at all", "new": "song ma ben bo", "again": "song ma ben bo"}
    for _ in range(2):
        assert client.post("/account/password", data=wrong).status_code == 422
    limited = client.post("/account/password", data={**wrong, "current": PASSWORD})
    assert limited.status_code == 429
    assert "Thử quá nhiều lần" in limited.get_data(as_text=True)
    limiter.reset()


def _assign(make_venue, inspector, admin, count: int) -> list:
    venues = [make_venue(f"Chợ số {n}") for n in range(count)]
    made = assign(venues, inspector, date(2099, 1, 1), "", admin, date(2098, 12, 1))
    db.session.commit()
    return made


def test_disabling_an_inspector_names_then_cancels_their_open_visits(
    client, admin, make_user, make_venue
):
    """Nobody can do a locked account's visits: the confirmation names them, and they are
    cancelled with it, so they return to the lists the office assigns from."""
    lan = make_user("lan", display_name="Lê Thị Hòa")
    made = _assign(make_venue, lan, admin, 2)
    asked = client.post(f"/users/{lan.id}/disable").get_data(as_text=True)
    assert 'data-open-assignments="2"' in asked and "Chợ số 1" in asked
    assert 'href="/assignments"' not in asked  # an admin cannot assign: no link to a 403
    assert all(a.closed_at is None for a in made)  # asking cancels nothing
    done = client.post(f"/users/{lan.id}/disable", data={"confirm": "yes"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Đã hủy 2 việc giao đang mở" in page and "trở lại danh sách để giao" in page
    assert all(a.closed_at is not None for a in made)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "venue"))
    assert list(actions).count("assignment_cancelled") == 2


def test_another_role_for_an_inspector_with_visits_asks_before_cancelling_them(
    client, admin, make_user, make_venue
):
    lan = make_user("lan", display_name="Lê Thị Hòa")
    made = _assign(make_venue, lan, admin, 1)
    form = {"display_name": "Lê Thị Hòa (VHTT)", "role": "supervisor", "scope": "district"}
    refused = client.post(f"/users/{lan.id}", data=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="cancel-assignments"' in page
    assert 'value="Lê Thị Hòa (VHTT)"' in page  # what was typed is kept
    assert user_named("lan").role == "inspector" and made[0].closed_at is None
    saved = client.post(f"/users/{lan.id}", data={**form, "cancel_assignments": "yes"})
    assert saved.status_code == 303
    assert user_named("lan").role == "supervisor" and made[0].closed_at is not None
    # A name change alone asks nothing.
    other = make_user("minh")
    _assign(make_venue, other, admin, 1)
    kept = {"display_name": "Trần Văn Minh", "role": "inspector", "scope": "district"}
    assert client.post(f"/users/{other.id}", data=kept).status_code == 303
