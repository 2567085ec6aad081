"""The audit trail of events: log-ins, failed log-ins, log-outs and refusals, each with
who, from which address and its details."""

import pytest
from sqlalchemy import select

from fieldapp.audit import record_event
from fieldapp.extensions import db, limiter
from fieldapp.models import AuditEntry
from tests.factories import PASSWORD

ADDRESS = {"REMOTE_ADDR": "203.0.113.7"}


def entries(action):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def log_in(client, username="inspector", password=PASSWORD):
    return client.post(
        "/login", data={"username": username, "password": password}, environ_base=ADDRESS
    )


def test_an_event_outside_a_request_has_no_address(app, make_user):
    user = make_user()
    entry = record_event("export", user, detail={"format": "xlsx", "line": "a\nb"})
    db.session.commit()
    assert entry.address is None
    assert entry.entity == "export" and entry.entity_id is None
    assert entry.district_id == user.district_id
    assert entry.details == {"format": "xlsx", "line": "a\nb"}  # free text stays a value


def test_a_login_is_recorded_with_the_address(client, make_user):
    user = make_user()
    assert log_in(client).status_code == 303
    (entry,) = entries("login")
    assert entry.user_id == user.id
    assert entry.address == "203.0.113.7"
    assert entry.district_id == user.district_id


def test_a_failed_login_records_the_username_tried_and_never_the_password(client, make_user):
    user = make_user()
    assert log_in(client, password="Secret guess 123").status_code == 422
    (entry,) = entries("login_failed")
    assert entry.user_id is None
    assert entry.details == {"username": "inspector"}
    assert entry.address == "203.0.113.7"
    assert entry.district_id == user.district_id
    assert "Secret guess" not in (entry.detail or "") + entry.changes


def test_a_failed_login_of_an_unknown_user_is_recorded_too(client, quan_son):
    assert log_in(client, username="nobody").status_code == 422
    (entry,) = entries("login_failed")
    assert entry.details == {"username": "nobody"} and entry.district_id is None


def test_a_logout_is_recorded(client, make_user):
    user = make_user()
    log_in(client)
    assert client.post("/logout", environ_base=ADDRESS).status_code == 303
    (entry,) = entries("logout")
    assert entry.user_id == user.id and entry.address == "203.0.113.7"


@pytest.fixture
def small_limits(app):
    app.config.update(LOGIN_LIMITS_PER_ACCOUNT="2/minute")
    limiter.reset()
    yield
    limiter.reset()


def test_a_refused_login_attempt_is_recorded(client, make_user, small_limits):
    make_user()
    for _ in range(2):
        assert log_in(client, password="wrong password!").status_code == 422
    assert log_in(client).status_code == 429
    (entry,) = entries("login_limited")
    assert entry.details == {"username": "inspector"} and entry.address == "203.0.113.7"
