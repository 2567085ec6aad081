"""The audit trail of events: log-ins, failed log-ins, log-outs and refusals, each with
who, from which address and its details."""

import getpass
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldapp import clock
from fieldapp.audit import detail_lines, record_event
from fieldapp.extensions import db, limiter
from fieldapp.models import AuditEntry, Poster, User
from tests.factories import PASSWORD, commune_named
from tests.test_cli import GOOD_CSV

FIGURES = Path(__file__).parent / "fixtures" / "figures"

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


def test_an_address_longer_than_its_column_is_cut_not_refused(client, make_user):
    """An IPv6 address with its zone, or whatever a misconfigured proxy forwards: the
    log-in still works and the entry keeps the column's 45 characters (PostgreSQL refuses
    longer text; SQLite would have kept it whole)."""
    make_user()
    address = "fe80::1ff:fe23:4567:890a%" + "very-long-interface-name" * 2
    response = client.post(
        "/login",
        data={"username": "inspector", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": address},
    )
    assert response.status_code == 303
    (entry,) = entries("login")
    assert entry.address == address[:45]


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


@pytest.fixture
def supervisor(client, make_user):
    user = make_user("supervisor", role="supervisor")
    assert log_in(client, "supervisor").status_code == 303
    return user


def type_in(client, district, scans: dict, **extra):
    data = dict(extra)
    for commune in district.communes:
        if commune.name in scans:
            data[f"venues_with_qr-{commune.id}"] = "10"
            data[f"scans-{commune.id}"] = str(scans[commune.name])
    return client.post(
        f"/reports/{district.id}/2021-11-05/figures", data=data, environ_base=ADDRESS
    )


def test_figures_typed_overwritten_and_removed_are_recorded(client, supervisor, quan_son):
    assert type_in(client, quan_son, {"Sơn Hà": 1000, "Sơn Lư": 2000}).status_code == 303
    assert type_in(client, quan_son, {"Sơn Hà": 1100}).status_code == 303
    son_lu = commune_named(quan_son, "Sơn Lư")
    tick = {f"clear-{son_lu.id}": "1"}
    assert type_in(client, quan_son, {}, **tick).status_code == 200  # asks first
    assert entries("figures_removed") == []
    confirmed = type_in(client, quan_son, {}, **tick, confirm_removal=str(son_lu.id))
    assert confirmed.status_code == 303
    first, second = entries("figures_saved")
    # in the form's order, the official one: the thị trấn before the xã
    assert first.details["communes"] == ["Sơn Lư", "Sơn Hà"] and first.details["overwritten"] == []
    assert second.details["overwritten"] == ["Sơn Hà"] and second.details["date"] == "2021-11-05"
    (removed,) = entries("figures_removed")
    assert removed.details == {
        "date": "2021-11-05",
        "communes": ["Sơn Lư"],
        # the numbers removed, so that a removal by mistake can be typed again
        "removed_counts": {
            "Sơn Lư": {"venues_with_qr": 10, "scans": 2000, "installs": None, "smartphones": None}
        },
    }
    # /audit says them in words (the reader's language: Vietnamese here)
    with client.application.test_request_context(headers={"Accept-Language": "vi"}):
        lines = {label: value for label, value, _ in detail_lines(removed)}
    assert lines["Số liệu đã xóa"] == (
        "Sơn Lư: Số địa điểm tạo mã QR 10, Tổng lượt quét 2.000, Số máy đã cài PC-Covid —, "
        "Số máy điện thoại thông minh —"
    )
    for entry in (first, second, removed):
        assert entry.user_id == supervisor.id and entry.address == "203.0.113.7"
        assert entry.district_id == quan_son.id


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf", "docx"])
def test_an_export_is_recorded(client, supervisor, quan_son, fmt):
    url = f"/reports/{quan_son.id}/2021-11-05.{fmt}"
    assert client.get(url, environ_base=ADDRESS).status_code == 200
    (entry,) = entries("export")
    assert entry.user_id == supervisor.id and entry.address == "203.0.113.7"
    assert entry.district_id == quan_son.id
    assert entry.details == {
        "format": fmt,
        "level": "district",
        "area": "Quan Sơn",
        "date": "2021-11-05",
    }


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def test_figures_imported_from_the_command_line_record_who_ran_it(cli, quan_son):
    csv = str(FIGURES / "quan_son_2021-11-05.csv")
    assert cli("import-stats", csv, "--date", "05/11/2021").exit_code == 0
    assert cli("import-stats", csv, "--date", "05/11/2021", "--as", "tran.b").exit_code == 0
    first, second = entries("figures_saved")
    assert first.user_id is None and first.address is None
    assert first.details["os_user"] == getpass.getuser() and "as" not in first.details
    assert first.details["source"] == "quan_son_2021-11-05.csv"
    assert second.details["as"] == "tran.b" and second.details["overwritten"]


def test_a_report_written_from_the_command_line_is_recorded(cli, quan_son, tmp_path):
    out = str(tmp_path / "r.csv")
    result = cli("report", "--date", "05/11/2021", "--format", "csv", "-o", out)
    assert result.exit_code == 0, result.output
    (entry,) = entries("export")
    assert entry.details["format"] == "csv" and entry.details["os_user"] == getpass.getuser()
    assert entry.district_id == quan_son.id


@pytest.fixture
def admin(client, make_user):
    user = make_user("admin", role="admin")
    assert log_in(client, "admin").status_code == 303
    return user


def test_account_changes_are_recorded_with_the_admin_and_never_a_password(
    client, admin, make_user, quan_son
):
    new = {"username": "lan", "display_name": "Lan", "role": "inspector", "scope": "district"}
    created = client.post(
        "/users/new", data={**new, "district_id": quan_son.id}, environ_base=ADDRESS
    )
    assert created.status_code == 200
    lan = db.session.scalar(select(User).where(User.username == "lan"))
    edited = {"display_name": "Hà Thị Lan", "role": "supervisor", "scope": "district"}
    post = {"environ_base": ADDRESS}
    assert client.post(f"/users/{lan.id}", data=edited, **post).status_code == 303
    assert (
        client.post(f"/users/{lan.id}/disable", data={"confirm": "yes"}, **post).status_code == 303
    )
    assert client.post(f"/users/{lan.id}/enable", **post).status_code == 303
    reset = client.post(f"/users/{lan.id}/reset-password", data={"confirm": "yes"}, **post)
    one_time = re.search(r"data-one-time-password><strong>([^<]+)</strong>", reset.text).group(1)
    actions = ["user_created", "user_edited", "user_disabled", "user_enabled", "password_reset"]
    for action in actions:
        (entry,) = entries(action)
        assert (entry.user_id, entry.entity, entry.entity_id) == (admin.id, "user", lan.id)
        assert entry.address == "203.0.113.7" and entry.details["username"] == "lan"
        assert one_time not in (entry.detail or "") + entry.changes
    (edit,) = entries("user_edited")
    assert edit.change_list == [
        ("display_name", "Lan", "Hà Thị Lan"),
        ("role", "inspector", "supervisor"),
    ]


def test_changing_ones_own_password_is_recorded(client, make_user):
    user = make_user()
    log_in(client)
    new = "song ma ben bo"
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": new, "again": new},
        environ_base=ADDRESS,
    )
    assert response.status_code == 303
    (entry,) = entries("password_changed")
    assert entry.user_id == user.id and entry.entity_id == user.id
    assert new not in (entry.detail or "") + entry.changes


def test_account_commands_record_who_ran_them(cli, quan_son, make_user):
    make_user("lan")
    assert cli("disable-user", "lan").exit_code == 0
    assert cli("set-password", "lan", "--password", "song ma ben bo").exit_code == 0
    for action in ("user_disabled", "password_changed"):
        (entry,) = entries(action)
        assert entry.user_id is None and entry.details["os_user"] == getpass.getuser()


def test_posters_issued_printed_delivered_and_app_payloads_are_recorded(
    app, client, login, make_user, make_venue, record_finding, quan_son
):
    venue = make_venue()
    inspector = login()
    inspection = record_finding(venue, qr_posted="damaged")
    url = f"/inspections/{inspection.id}/replacement"
    assert client.post(url, data={"print": "queue"}, environ_base=ADDRESS).status_code == 303
    bare = make_venue("Quán nước Bản Bôn", venue_type="shop", qr_payload="")
    assert client.post(f"/venues/{bare.id}/payload", environ_base=ADDRESS).status_code == 303
    office = login(make_user("supervisor", role="supervisor"))
    assert client.post("/posters/queue/print", environ_base=ADDRESS).status_code == 303
    poster = db.session.scalar(select(Poster))
    delivered = client.post(f"/posters/{poster.id}/delivered", environ_base=ADDRESS)
    assert delivered.status_code == 303
    (issued,) = entries("poster_issued")
    assert (issued.user_id, issued.entity, issued.entity_id) == (inspector.id, "poster", poster.id)
    assert issued.details == {
        "serial": poster.serial,
        "venue": venue.code,
        "reason": "damaged",
        "printed": False,
    }
    (printed,) = entries("poster_printed")
    assert printed.user_id == office.id and printed.details["serial"] == poster.serial
    (arrived,) = entries("poster_delivered")
    assert arrived.user_id == office.id and arrived.address == "203.0.113.7"
    (payload,) = entries("payload_issued")
    assert (payload.user_id, payload.entity, payload.entity_id) == (inspector.id, "venue", bare.id)
    assert payload.details["payload"] == bare.qr_payload and payload.address == "203.0.113.7"
    for entry in (issued, printed, arrived, payload):
        assert entry.district_id == quan_son.id


def test_venues_imported_from_the_command_line_record_who_ran_it(cli, quan_son, tmp_path):
    path = tmp_path / "venues.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    result = cli("import-venues", str(path), "--district", "Quan Sơn", "--as", "tran.b")
    assert result.exit_code == 0, result.output
    (entry,) = entries("venues_imported")
    assert entry.user_id is None and entry.district_id == quan_son.id
    assert entry.details["as"] == "tran.b" and entry.details["os_user"] == getpass.getuser()
    assert entry.details["file"] == "venues.csv" and len(entry.details["imported"]) > 0


# The admin's screen ---------------------------------------------------------------------------


def audit_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'data-audit-entry="(\d+)"', response.text)]


def test_the_screen_lists_the_districts_entries_newest_first_in_vietnamese(
    client, admin, make_user, other_district
):
    lan = make_user("lan")
    stranger = make_user("yen", district=other_district)
    ours = record_event("export", lan, detail={"format": "csv"})
    theirs = record_event("export", stranger, detail={"format": "pdf"})
    db.session.commit()
    response = client.get("/audit")
    assert response.status_code == 200
    ids = audit_ids(response)
    assert ours.id in ids and theirs.id not in ids
    assert ids == sorted(ids, reverse=True)  # newest first (the admin's log-in is newer)
    assert "Đã xuất báo cáo" in response.text and "Đã đăng nhập" in response.text
    assert "Nhật ký hệ thống" in client.get("/").text  # the admin menu links to it


def test_another_districts_admin_does_not_see_these_entries(client, make_user, other_district):
    lan = make_user("lan")
    ours = record_event("export", lan)
    make_user("admin2", role="admin", district=other_district)
    db.session.commit()
    assert log_in(client, "admin2").status_code == 303
    response = client.get("/audit")
    assert response.status_code == 200 and ours.id not in audit_ids(response)


def test_others_than_admins_are_refused(client, make_user):
    make_user("supervisor", role="supervisor")
    log_in(client, "supervisor")
    assert client.get("/audit").status_code == 403


def test_the_filters(client, admin, make_user):
    lan = make_user("lan")
    export = record_event("export", lan, detail={"format": "csv"})
    edited = record_event("user_edited", admin, entity="user", entity_id=lan.id)
    db.session.commit()

    def shown(**args):
        response = client.get("/audit", query_string=args)
        assert response.status_code == 200
        return set(audit_ids(response))

    assert shown(user=lan.id) == {export.id}
    assert shown(action="user_edited") == {edited.id}
    assert shown(entity="user", record=lan.id) == {edited.id}
    day = clock.vietnam_date(export.at)
    assert export.id in shown(**{"from": day.isoformat(), "to": day.isoformat()})
    assert shown(**{"from": "2000-01-01", "to": "2000-01-02"}) == set()


def test_the_screen_pages_by_thirty(client, admin, make_user):
    lan = make_user("lan")
    for _ in range(35):
        record_event("export", lan)
    db.session.commit()
    first = client.get("/audit", query_string={"action": "export"})
    assert (len(audit_ids(first)) == 30 and "Trang 1/2" in first.text) or "1" in first.text
    second = client.get("/audit", query_string={"action": "export", "page": 2})
    assert len(audit_ids(second)) == 5
    assert not set(audit_ids(first)) & set(audit_ids(second))


@pytest.mark.parametrize(
    "args",
    [
        {"user": "99999999999999999999"},
        {"user": "-1"},
        {"action": "<script>"},
        {"from": "9999-99-99"},
        {"to": "31/02/2021\x00"},
        {"entity": "'; drop table audit_entry; --"},
        {"record": "1e9"},
        {"record": "99999999999999999999999"},
        {"page": "99999999999999999999"},
    ],
)
def test_hostile_filter_values_never_fail_the_request(client, admin, args):
    response = client.get("/audit", query_string=args)
    assert response.status_code in (200, 422)
    if "page" not in args:
        assert response.status_code == 422
        assert 'role="alert"' in response.text


def test_no_route_edits_or_deletes_entries(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/audit")]
    assert rules and all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in rules)
