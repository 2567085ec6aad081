"""Every action the app records in its audit trail is shown on /audit in words, in the
reader's language: no raw name of a stored detail or change (`payload`, `due_date`...),
with links to the records a reader may open.

The actions are found in the source (every call of a recording function), so an action
added later without an example here, or without its words, fails this test."""

import ast
import json
import re
from datetime import date
from pathlib import Path

import pytest
from flask_babel import refresh
from sqlalchemy import select

from fieldapp import clock
from fieldapp.assignments import service as assignments
from fieldapp.audit import ALL_ACTION_LABELS, record_change, record_event, snapshot
from fieldapp.citizens import deadlines as holidays
from fieldapp.citizens import service as citizens
from fieldapp.citizens.intake import receive_report
from fieldapp.extensions import db
from fieldapp.models import AuditEntry, PosterBatch, Venue
from fieldapp.posters import service as posters
from fieldapp.reports.figures import save_figures
from fieldapp.users.service import account_fields, record_account_event
from fieldapp.venues import service as venues
from tests.factories import commune_named
from tests.test_audit_words import LATE_EVENING_UTC

PACKAGE = Path(__file__).resolve().parent.parent / "fieldapp"
# The functions that record an entry, and the position of the action among their arguments.
RECORDERS = {
    "record_event": 0,
    "record_change": 1,
    "record_poster_event": 0,
    "record_account_event": 0,
    "_audit": 0,
}


def recorded_actions() -> tuple[set[str], set[str]]:
    """The actions the source records: the names written out, and the patterns of those
    built from a value (f"citizen_report_{state}")."""
    names, patterns = set(), set()
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            function = node.func
            called = function.attr if isinstance(function, ast.Attribute) else None
            called = function.id if isinstance(function, ast.Name) else called
            if called not in RECORDERS or len(node.args) <= RECORDERS[called]:
                continue
            action = node.args[RECORDERS[called]]
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                names.add(action.value)
            elif isinstance(action, ast.JoinedStr):
                patterns.add(
                    "".join(
                        re.escape(part.value) if isinstance(part, ast.Constant) else "[a-z_]+"
                        for part in action.values
                    )
                )
            elif isinstance(action, ast.IfExp):  # "user_enabled" if enable else "user_disabled"
                names.update(
                    part.value
                    for part in (action.body, action.orelse)
                    if isinstance(part, ast.Constant)
                )
    return names, patterns


@pytest.fixture
def trail(app, quan_son, make_user, make_venue, record_finding, client, login, frozen_clock):
    """One entry (at least) of every action the app records, made by the app's own code
    where a service records it, in Quan Sơn; the admin who reads them."""
    frozen_clock(LATE_EVENING_UTC)
    admin = make_user("admin", role="admin", display_name="Hà Thị Mai")
    boss = make_user("boss", role="supervisor", display_name="Đinh Văn Tâm")
    hoa = make_user("hoa", display_name="Lương Thị Hoa")
    lan = make_user("lan", display_name="Vi Thị Lan")
    son_ha = commune_named(quan_son, "Sơn Hà")
    market = make_venue("Chợ Sơn Hà", code="QS-SH-0001")
    shop = make_venue("Cửa hàng Bản Bôn", code="QS-SH-0002", qr_payload="")

    # A finding recorded, corrected, reviewed (inspections.service, reviews.service).
    login(hoa)
    finding = record_finding(market, qr_posted="damaged")
    login.logout()
    before = snapshot(finding)
    finding.notes = "Đã nhắc nhở"
    record_change(finding, "edit", hoa, before)
    before = snapshot(finding)
    finding.review_state = "approved"
    record_change(finding, "review", boss, before)
    # A venue registered, edited, closed, reopened, and one merged away (deleted).
    record_change(shop, "create", admin, None)
    venues.edit_venue(shop, admin, name="Cửa hàng Bản Bôn 2", venue_type="market")
    venues.close_venue(shop, admin, "Dừng kinh doanh")
    venues.reopen_venue(shop, admin)
    record_change(shop, "delete", admin, snapshot(shop))
    # Posters: an app-issued code, a poster issued, printed in a batch, delivered, undone.
    posters.give_app_issued_payload(shop, admin)
    poster = posters.issue_poster(market, boss, "damaged", inspection=finding)
    batch = PosterBatch(
        district_id=quan_son.id, requested_by_id=boss.id, commune_id=son_ha.id, total=1
    )
    db.session.add(batch)
    db.session.flush()
    posters.record_poster_event("poster_printed", poster, boss, batch=batch.id)
    poster.state = "printed"
    posters.mark_delivered(poster, boss)
    posters.undo_delivered(poster, boss)
    # Assignments: made, reassigned, cancelled.
    today = clock.today()
    (assignment,) = assignments.assign(
        [market], hoa, date(2026, 12, 10), "Kiểm tra lại", boss, today
    )
    (assignment,) = assignments.assign(
        [market], lan, date(2026, 12, 11), "", boss, today, replacing=[assignment.id]
    )
    assignments.cancel(assignment, boss)
    # A citizen's report: received, joined, assigned, ready, named a venue, answered, and
    # another rejected; holidays added and removed.
    report, _ = receive_report(commune=son_ha, venue=market, problem="no_qr", channel="web")
    receive_report(
        commune=son_ha, venue=market, problem="no_qr", channel="hotline", entered_by=boss
    )
    citizens.assign_inspection(report, hoa, date(2026, 12, 12), "", boss, today)
    login(hoa)
    record_finding(market, qr_posted="visible")
    login.logout()
    db.session.refresh(report)
    citizens.resolve(report, "Địa điểm đã niêm yết lại mã QR.", boss)
    elsewhere, _ = receive_report(commune=son_ha, place="Quán nước đầu bản", problem="no_qr")
    citizens.link_venue(elsewhere, market.code, boss)
    citizens.reject(elsewhere, "Trùng phản ánh khác", boss)
    holiday_moved = holidays.add_holiday(date(2026, 12, 24), "Ngày thử", boss)
    assert holiday_moved >= 0
    holidays.remove_holiday(holidays.holidays_listed(date(2026, 12, 24))[0], boss)
    # Accounts (users.service), as the screens and the command line record them.
    record_account_event("user_created", lan, admin, **account_fields(lan))
    before = account_fields(lan)
    lan.role = "supervisor"
    record_account_event("user_edited", lan, admin, before)
    for action in ("user_disabled", "user_enabled", "password_reset"):
        record_account_event(action, lan, admin)
    record_account_event("password_changed", lan, None, os_user="root", **{"as": "admin"})
    # Figures saved (two files: the second leaves out counts) and removed.
    save_figures(
        {son_ha: {"venues_with_qr": 10, "scans": 100, "installs": 5, "smartphones": 9}},
        date(2026, 12, 4),
        boss,
        "so-lieu.xlsx",
    )
    save_figures(
        {son_ha: {"venues_with_qr": 11, "scans": 120, "installs": None, "smartphones": None}},
        date(2026, 12, 4),
        boss,
        "so-lieu-2.xlsx",
        {"kept_figures": {"Sơn Hà": ["installs", "smartphones"]}},
    )
    db.session.flush()
    # What the other areas record with record_event, as they write it (their services need
    # a spreadsheet, a log-in form or a letter): the same details.
    district = quan_son.id
    events = [
        ("login", None, "session", None, {}, {}),
        ("logout", None, "session", None, {}, {}),
        ("login_failed", None, "session", None, {}, {"username": "hoa"}),
        ("login_limited", None, "session", None, {}, {"username": "hoa"}),
        ("login_locked", None, "session", None, {}, {"username": "hoa"}),
        (
            "export",
            None,
            None,
            None,
            {},
            {
                "format": "pdf",
                "level": "district",
                "area": "Quan Sơn",
                "date": "2026-12-04",
                "month": "2026-11",
                "os_user": "root",
            },
        ),
        (
            "figures_removed",
            None,
            "figures",
            None,
            {},
            {"date": "2026-12-04", "communes": ["Sơn Hà"]},
        ),
        (
            "venues_imported",
            None,
            "venue",
            None,
            {},
            {
                "file": "dia-diem.csv",
                "imported": ["QS-SH-0003"],
                "updated": [],
                "os_user": "root",
                "as": "admin",
            },
        ),
        (
            "citizen_reports_imported",
            None,
            "citizen_report",
            None,
            {},
            {"file": "phan-anh.xlsx", "created": 3, "joined": 1, "known": 2, "refused": 0},
        ),
        (
            "places_imported",
            None,
            "district",
            None,
            {},
            {"file": "xa.csv", "communes": ["Na Mèo"], "os_user": "root"},
        ),
        (
            "letter_template_saved",
            boss,
            "letter_template",
            None,
            {"signer_name": ["", "Hà Văn Bình"]},
            {},
        ),
        (
            "letter_edited",
            boss,
            "letter_edit",
            1,
            {},
            {"report_date": "2026-12-04", "edited": ["number", "section_2"]},
        ),
        ("letter_reverted", boss, "letter_edit", None, {}, {"report_date": "2026-12-04"}),
        (
            "deadline_changed",
            admin,
            "deadline",
            quan_son.province_id,
            {"weekday": [4, 0], "time": ["16:00", "09:00"]},
            {"province": "Thanh Hóa"},
        ),
    ]
    for action, user, entity, entity_id, changes, detail in events:
        record_event(
            action,
            user,
            entity=entity,
            entity_id=entity_id,
            changes=changes,
            detail=detail,
            district_id=district,
        )
    db.session.commit()
    return admin


def _stored_names(entries) -> set[str]:
    """Every name of a detail or a change the entries keep."""
    names = set()
    for entry in entries:
        names.update(entry.details)
        names.update(json.loads(entry.changes or "{}"))
    return names


def _screen_text(html: str) -> str:
    screen = html[html.index('class="list audit"') :]
    return re.sub(r"<[^>]+>", " ", screen)


def test_every_recorded_action_has_an_example_here_and_words(app):
    names, patterns = recorded_actions()
    assert names, "no recording call found: the scan is broken"
    actions = set(ALL_ACTION_LABELS)
    assert names <= actions, f"actions without words: {sorted(names - actions)}"
    for pattern in patterns:
        assert any(re.fullmatch(pattern, action) for action in actions), pattern


def test_the_audit_screen_words_every_actions_details_in_both_languages(trail, client, login):
    entries = db.session.scalars(select(AuditEntry)).all()
    recorded = {entry.action for entry in entries}
    names, patterns = recorded_actions()
    wanted = names | {a for a in ALL_ACTION_LABELS for p in patterns if re.fullmatch(p, a)}
    assert wanted - recorded == set(), "give these actions an example in the fixture"
    stored = _stored_names(entries)
    assert {"payload", "due_date", "reassigned_to", "kept_figures", "delivered_at"} <= stored

    login(trail)
    pages = []
    page = 1
    while True:
        response = client.get(f"/audit?page={page}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        pages.append(html)
        if f"/audit?page={page + 1}" not in html:
            break
        page += 1
    shown = {int(n) for html in pages for n in re.findall(r'data-audit-entry="(\d+)"', html)}
    assert {entry.id for entry in entries} <= shown  # (and the log-in just made)
    vietnamese = " ".join(_screen_text(html) for html in pages)
    for name in sorted(stored):
        assert not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", vietnamese), name
    for entity in {entry.entity for entry in entries}:
        assert not re.search(rf"(?<![\w-]){re.escape(entity)}(?![\w-])", vietnamese), entity
    # Records one may open are linked: the venue a poster names, the batch, the finding.
    html = " ".join(pages)
    assert 'href="/venues/' in html and 'href="/posters/batches/' in html
    assert 'href="/inspections/' in html and 'href="/citizen-reports/' in html

    # In English, each detail's label is a word, never the stored name.
    trail.locale = "en"
    db.session.commit()
    login(trail)
    refresh()
    english = [client.get(f"/audit?page={n}").get_data(as_text=True) for n in range(1, page + 1)]
    labels = {
        label.strip()
        for html in english
        for label in re.findall(
            r"<li><strong>([^<]+)</strong>:", html[html.index('class="list audit"') :]
        )
    }
    assert labels and not labels & stored, labels & stored
    assert all("_" not in label for label in labels)
    assert "App-issued code" in " ".join(english) and "Mã do ứng dụng cấp" in vietnamese


def test_a_link_is_given_only_for_a_record_the_reader_may_open(
    app, client, login, make_user, make_venue, quan_son, other_district
):
    """A venue of another district, an account the admin does not manage, a batch gone: the
    words, no link."""
    admin = make_user("admin", role="admin")
    ours = make_venue("Chợ Sơn Hà", code="QS-SH-0001")
    theirs = make_venue("Chợ Cẩm Châu", code="CT-CC-0001", commune=other_district.communes[0])
    for code in (ours.code, theirs.code):
        record_event(
            "payload_issued",
            admin,
            entity="venue",
            entity_id=db.session.scalar(select(Venue.id).where(Venue.code == code)),
            detail={"venue": code, "payload": f"FIELDAPP:{code}:AB12"},
            district_id=quan_son.id,
        )
    colleague = make_user("hoa")
    stranger = make_user("mai", district=other_district)
    for account in (colleague, stranger):
        record_event(
            "user_edited",
            admin,
            entity="user",
            entity_id=account.id,
            detail={"username": account.username},
            district_id=quan_son.id,
        )
    record_event(
        "poster_printed",
        admin,
        entity="poster",
        entity_id=999,
        detail={"batch": 999},
        district_id=quan_son.id,
    )
    db.session.commit()
    login(admin)
    html = client.get("/audit").get_data(as_text=True)
    assert f'href="/venues/{ours.id}"' in html
    assert f'href="/venues/{theirs.id}"' not in html and "CT-CC-0001" in html
    assert 'href="/posters/batches/999"' not in html and "số 999" in html
    # The account the admin manages opens; another district's is named, not linked.
    assert f'href="/users/{colleague.id}"' in html
    assert f'href="/users/{stranger.id}"' not in html and f"Tài khoản số {stranger.id}" in html
