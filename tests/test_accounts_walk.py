"""The reviewer's walk-through of accounts, log-in, error pages and the audit trail
(items 2, 6, 7, 11 and 12 of the report of 01/12/2026)."""

import pytest
from flask import g
from sqlalchemy import select

from fieldapp.audit import record_event
from fieldapp.extensions import db, limiter
from fieldapp.models import AuditEntry, PosterBatch, User
from fieldapp.users.service import AccountProblem, create_user_with_one_time_password
from tests.factories import PASSWORD, commune_named


@pytest.fixture(autouse=True)
def user_loaded_at_each_request(app):
    """Every request checks its session as a server does (tests share one app context)."""

    def forget_the_user():
        g.pop("_login_user", None)

    app.before_request(forget_the_user)


@pytest.fixture
def admin(login):
    return login(username="admin", role="admin")


@pytest.fixture
def province_official(make_user):
    """A province supervisor whose office sits in the admin's district."""
    return make_user("tinh", role="supervisor", scope="province", display_name="Lê Văn Tỉnh")


@pytest.fixture
def national_official(make_user):
    return make_user("bo", role="supervisor", scope="country", display_name="Bộ Trưởng Phòng")


def user_named(username):
    return db.session.scalar(select(User).where(User.username == username))


# Item 2: a district admin manages their district's own accounts only.


@pytest.mark.parametrize("scope", ["province", "country", "galaxy"])
def test_a_district_admin_cannot_create_a_wider_account(client, admin, quan_son, scope):
    form = {
        "username": "lan.ha",
        "display_name": "Hà Thị Lan",
        "role": "supervisor",
        "scope": scope,
        "district_id": quan_son.id,
    }
    response = client.post("/users/new", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'has-error" id="field-scope"' in page  # said under the scope
    assert "dòng lệnh" in page  # where such an account is made instead
    assert "Hà Thị Lan" in page  # what was typed is kept
    assert user_named("lan.ha") is None


def test_the_new_account_form_offers_the_district_scope_only(client, admin):
    page = client.get("/users/new").get_data(as_text=True)
    assert 'value="district"' in page
    assert 'value="province"' not in page and 'value="country"' not in page
    assert "flask create-user" in page  # where a province's account is made instead


def test_a_district_admin_cannot_widen_an_account(client, admin, make_user):
    user = make_user("lan", role="supervisor")
    response = client.post(
        f"/users/{user.id}",
        data={"display_name": "Hà Thị Lan", "role": "supervisor", "scope": "province"},
    )
    assert response.status_code == 422
    db.session.refresh(user)
    assert user.scope == "district" and not user.sees_province
    assert 'value="province"' not in client.get(f"/users/{user.id}").get_data(as_text=True)


def test_wider_accounts_are_neither_listed_nor_reached(
    client, admin, province_official, national_official, make_user
):
    make_user("lan", display_name="Hà Thị Lan")
    page = client.get("/users").get_data(as_text=True)
    assert "Hà Thị Lan" in page
    assert "Lê Văn Tỉnh" not in page and "Bộ Trưởng Phòng" not in page
    for official in (province_official, national_official):
        version, hash_before = official.session_version, official.password_hash
        assert client.get(f"/users/{official.id}").status_code == 404
        edit = {"display_name": "X", "role": "inspector", "scope": "district"}
        assert client.post(f"/users/{official.id}", data=edit).status_code == 404
        for action in ("reset-password", "disable", "enable"):
            url = f"/users/{official.id}/{action}"
            assert client.post(url, data={"confirm": "yes"}).status_code == 404
        db.session.refresh(official)
        assert official.is_enabled and official.password_hash == hash_before
        assert official.session_version == version and official.display_name != "X"


def test_the_rule_is_one_function_without_a_request(app, quan_son, make_user):
    """The screen's scopes are asked of users.service; only "district" is given there."""
    with pytest.raises(AccountProblem) as refused:
        create_user_with_one_time_password("tinh2", "Tỉnh", "supervisor", quan_son, "province")
    assert refused.value.field == "scope"
    user, _one_time = create_user_with_one_time_password(
        "lan", "Lan", "inspector", quan_son, "district"
    )
    assert user.scope == "district"


def test_the_command_line_still_makes_a_province_account(app, quan_son):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "tinh",
            "--role",
            "supervisor",
            "--scope",
            "province",
            "--district",
            "Quan Sơn",
            "--password",
            PASSWORD + "-long-enough",
        ]
    )
    assert result.exit_code == 0, result.output
    assert user_named("tinh").sees_province


# Item 6: a locked account is told so, but only when the password is right.

LOCKED = "Tài khoản đã bị khóa. Hãy liên hệ quản trị viên của huyện."
WRONG = "Sai tên đăng nhập hoặc mật khẩu."


def log_in(client, username="lan", password=PASSWORD, **headers):
    return client.post("/login", data={"username": username, "password": password}, headers=headers)


@pytest.fixture
def small_limits(app):
    app.config.update(LOGIN_LIMITS_PER_ACCOUNT="3/minute", LOGIN_LIMITS_PER_ADDRESS="50/hour")
    limiter.reset()
    yield
    limiter.reset()


def test_a_locked_account_with_the_right_password_is_told_it_is_locked(client, make_user):
    make_user("lan", is_enabled=False)
    response = log_in(client)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert LOCKED in page and WRONG not in page
    assert client.get("/").status_code == 302  # not logged in
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "login_locked" and entry.details == {"username": "lan"}


def test_a_locked_account_with_a_wrong_password_says_nothing_of_the_lock(client, make_user):
    make_user("lan", is_enabled=False)
    page = log_in(client, password="not the password").get_data(as_text=True)
    assert WRONG in page and LOCKED not in page
    page = log_in(client, username="nobody", password="not the password").get_data(as_text=True)
    assert WRONG in page and LOCKED not in page


def test_a_locked_account_is_still_limited(client, make_user, small_limits):
    """Attempts on a locked account count as failed ones, and a limited attempt says only
    when to try again, even with the right password."""
    make_user("lan", is_enabled=False)
    for _ in range(3):
        assert log_in(client).status_code == 422
    limited = log_in(client)
    assert limited.status_code == 429
    assert LOCKED not in limited.get_data(as_text=True)
    limiter.reset()
    for _ in range(3):
        assert log_in(client, password="not the password").status_code == 422
    limited = log_in(client)
    assert limited.status_code == 429
    assert LOCKED not in limited.get_data(as_text=True)


def test_an_enabled_account_logs_in_as_before(client, make_user, small_limits):
    make_user("lan")
    assert log_in(client).status_code == 303


def test_an_open_session_of_a_locked_user_lands_on_the_login_page_told_so(
    app, client, admin, make_user
):
    lan = make_user("lan")
    phone = app.test_client()
    assert log_in(phone).status_code == 303
    assert phone.get("/").status_code == 200
    client.post(f"/users/{lan.id}/disable", data={"confirm": "yes"})
    sent_away = phone.get("/venues")
    assert sent_away.status_code == 302 and "/login" in sent_away.headers["Location"]
    login_page = phone.get(sent_away.headers["Location"])
    assert LOCKED in login_page.get_data(as_text=True)
    # An htmx request is sent to the same page, told the same.
    fragment = phone.get("/venues", headers={"HX-Request": "true"})
    assert fragment.status_code == 401
    assert LOCKED in phone.get(fragment.headers["HX-Redirect"]).get_data(as_text=True)


def test_a_logged_out_session_is_not_told_of_a_lock(app, client, admin, make_user):
    """Someone else on a phone whose user logged out before the lock learns nothing."""
    lan = make_user("lan")
    phone = app.test_client()
    log_in(phone)
    phone.post("/logout")
    client.post(f"/users/{lan.id}/disable", data={"confirm": "yes"})
    sent_away = phone.get("/venues")
    assert LOCKED not in phone.get(sent_away.headers["Location"]).get_data(as_text=True)


# Item 7: a reset asks first; a GET of a POST-only address is the app's own 405 page.


def test_a_reset_asks_first_and_changes_nothing_until_confirmed(app, client, admin, make_user):
    lan = make_user("lan")
    phone = app.test_client()
    assert log_in(phone).status_code == 303
    hash_before, version_before = lan.password_hash, lan.session_version
    edit_page = client.get(f"/users/{lan.id}").get_data(as_text=True)
    assert 'id="reset-password"' in edit_page
    asked = client.post(f"/users/{lan.id}/reset-password")
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert 'name="confirm" value="yes"' in page and "data-one-time-password" not in page
    assert f'href="/users/{lan.id}"' in page  # a way back without resetting
    db.session.refresh(lan)
    assert (lan.password_hash, lan.session_version) == (hash_before, version_before)
    assert not lan.must_change_password
    assert phone.get("/").status_code == 200  # still logged in
    assert not db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "password_reset")
    ).all()
    done = client.post(f"/users/{lan.id}/reset-password", data={"confirm": "yes"})
    assert "data-one-time-password" in done.get_data(as_text=True)
    db.session.refresh(lan)
    assert lan.must_change_password and lan.password_hash != hash_before
    assert phone.get("/").status_code == 302


@pytest.mark.parametrize(
    "url", ["/users/{id}/reset-password", "/logout", "/posters/1/delivered", "/users/{id}/disable"]
)
def test_a_get_of_a_post_only_address_is_the_apps_405_page(client, admin, make_user, url):
    lan = make_user("lan")
    response = client.get(url.format(id=lan.id))
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    page = response.get_data(as_text=True)
    assert 'class="error-status">405<' in page
    assert 'lang="vi"' in page and "Method Not Allowed" not in page
    assert 'href="/"' in page  # the way back
    db.session.refresh(lan)
    assert lan.is_enabled and not lan.must_change_password


def test_the_405_page_in_english_and_as_json(client, login, make_user):
    login(make_user("boss", role="admin", locale="en"))
    page = client.get("/logout").get_data(as_text=True)
    assert 'lang="en"' in page and "Method Not Allowed" not in page
    assert "cannot be opened" in page
    answer = client.get("/logout", headers={"Accept": "application/json"})
    assert answer.status_code == 405 and answer.get_json()["status"] == "refused"
    assert answer.get_json()["message"]


# Item 11: a printed poster's batch is named in words, with a link to the batch.


def test_a_printed_posters_batch_is_worded_and_linked(client, admin, quan_son):
    batch = PosterBatch(
        district_id=quan_son.id,
        requested_by_id=admin.id,
        commune_id=commune_named(quan_son, "Sơn Hà").id,
        venue_ids="1",
        total=1,
    )
    db.session.add(batch)
    db.session.flush()
    record_event(
        "poster_printed",
        admin,
        entity="poster",
        entity_id=7,
        detail={"serial": "QS-1", "batch": batch.id},
    )
    record_event(
        "poster_printed",
        admin,
        entity="poster",
        entity_id=8,
        detail={"serial": "QS-2", "batch": 999},
    )
    db.session.commit()
    page = client.get("/audit").get_data(as_text=True)
    screen = page[page.index('class="list audit"') :]
    assert "batch:" not in screen and "<strong>batch</strong>" not in screen
    assert "<strong>Đợt in mã QR</strong>" in screen
    assert f'href="/posters/batches/{batch.id}"' in screen
    assert "Bản in mã QR: Sơn Hà (1)" in screen
    assert "số 999" in screen  # a batch no longer found: its number, no link
    assert 'href="/posters/batches/999"' not in screen


# Item 12: the audit's filters each have a label one can see (the browser test measures them).


def test_each_audit_filter_has_its_own_visible_label(client, admin):
    page = client.get("/audit?action=nothing-known").get_data(as_text=True)
    start = page.index('id="audit-filters"')
    form = page[start : page.index("</form>", start)]
    for control, name in (
        ("audit-user", "user"),
        ("audit-action", "action"),
        ("audit-entity", "entity"),
        ("audit-record", "record"),
    ):
        assert f'<label class="label" for="{control}">' in form, control
        assert f'id="{control}" name="{name}"' in form, control
    assert "aria-label" not in form  # a label one sees, not one only read out
    # The refusal is said under its own filter.
    action_field = form[form.index('for="audit-action"') : form.index('for="audit-entity"')]
    assert 'role="alert"' in action_field


@pytest.mark.parametrize("scope", [None, "", "DISTRICT"])
def test_a_missing_or_odd_scope_is_refused_not_a_500(client, admin, quan_son, make_user, scope):
    form = {"username": "lan.ha", "display_name": "Hà Thị Lan", "role": "inspector"}
    if scope is not None:
        form["scope"] = scope
    response = client.post("/users/new", data={**form, "district_id": quan_son.id})
    assert response.status_code == 422 and user_named("lan.ha") is None
    other = make_user("mai")
    edit = {key: value for key, value in form.items() if key != "username"}
    # Without a scope the account keeps its own (the district's); any other value is refused.
    assert client.post(f"/users/{other.id}", data=edit).status_code == (
        303 if scope is None else 422
    )
    db.session.refresh(other)
    assert other.scope == "district"


def test_a_remembered_login_of_a_locked_user_is_told_so_too(app, client, admin, make_user):
    lan = make_user("lan")
    phone = app.test_client()
    response = phone.post("/login", data={"username": "lan", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 303 and phone.get_cookie("remember_token")
    phone.delete_cookie("session")  # the browser was closed: only remember-me is left
    client.post(f"/users/{lan.id}/disable", data={"confirm": "yes"})
    sent_away = phone.get("/venues")
    assert sent_away.status_code == 302
    assert LOCKED in phone.get(sent_away.headers["Location"]).get_data(as_text=True)
