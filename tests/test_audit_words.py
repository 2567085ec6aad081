"""The audit trail in the screens' words: labels for codes, Vietnamese days and Vietnam's
time, entries worded "Đã sửa: Hà Thị Mai, ngày 08/12/2026" (issue 15); raw values kept."""

import json
import random
import uuid
from datetime import date, datetime

from sqlalchemy import select

from fieldapp import audit
from fieldapp.assignments.service import assign, cancel
from fieldapp.audit import AuditField, describe_fields, field_label, field_value, record_event
from fieldapp.extensions import db
from fieldapp.inspections.service import record_inspection
from fieldapp.letters.service import FIELDS as LETTER_FIELDS
from fieldapp.models import AuditEntry
from fieldapp.reviews.service import review_version
from fieldapp.venues.service import close_venue
from tests.factories import commune_named, inspection_answers
from tests.test_rollups import NO_GPS, NOWHERE, answers_for

# 18:30 UTC on 7 December is 01:30 on 8 December in Vietnam: the trail says the 8th.
LATE_EVENING_UTC = datetime(2026, 12, 7, 18, 30)


def entries_html(html: str) -> str:
    return html[html.index('id="audit"') :]


def test_a_findings_trail_words_codes_days_and_who_as_the_office_does(
    client, login, make_user, make_venue, record_finding, frozen_clock
):
    frozen_clock(datetime(2026, 12, 1, 2, 0))
    venue = make_venue("Chợ Sơn Hà")
    inspector = login(make_user("hung", display_name="Lò Văn Hùng"))
    finding = record_finding(
        venue,
        qr_posted="damaged",
        actions=["reminder", "poster_issued", "reinspection_scheduled"],
        reinspection_due="2026-12-08",
    )
    supervisor = login(make_user("mai", role="supervisor", display_name="Hà Thị Mai"))
    frozen_clock(LATE_EVENING_UTC)
    returned = client.post(
        f"/inspections/{finding.id}/return",
        data={"comment": "Ảnh mờ", "version": review_version(finding)},
    )
    assert returned.status_code in (302, 303)
    login(inspector)
    client.post(
        f"/inspections/{finding.id}/edit",
        data=inspection_answers(uuid=finding.uuid, actions=["reminder"], photos=None),
        content_type="multipart/form-data",
    )
    login(supervisor)
    approved = client.post(
        f"/inspections/{finding.id}/approve", data={"version": review_version(finding)}
    )
    assert approved.status_code in (302, 303)
    trail = entries_html(client.get(f"/inspections/{finding.id}").get_data(as_text=True))
    assert "Đã duyệt: Hà Thị Mai, ngày 08/12/2026" in trail
    assert "Đã sửa: Lò Văn Hùng, ngày 08/12/2026" in trail
    assert "Đã trả lại để sửa: Hà Thị Mai, ngày 08/12/2026" in trail
    assert "Đã ghi nhận: Lò Văn Hùng, ngày 01/12/2026" in trail
    assert "lúc 01:30" in trail and "bởi" not in trail
    # Several actions are joined as labels; the day as DD/MM/YYYY; states by their labels.
    assert "Đã nhắc nhở địa điểm, Đã cấp bản in mã QR mới, Đã hẹn kiểm tra lại" in trail
    assert "08/12/2026 → —" in trail and "Đã trả lại để sửa → Chờ duyệt" in trail
    for raw in ("reminder", "poster_issued", "2026-12-08", "returned", "pending", "damaged"):
        assert raw not in trail
    # The database keeps the raw values.
    edit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "edit", AuditEntry.entity_id == finding.id)
    ).one()
    changes = json.loads(edit.changes)
    assert changes["actions"] == ["reminder,poster_issued,reinspection_scheduled", "reminder"]
    assert changes["reinspection_due"] == ["2026-12-08", None]
    assert changes["review_state"] == ["returned", "pending"]


def test_a_venues_trail_names_its_commune_type_and_state(
    client, login, make_user, quan_son, frozen_clock
):
    frozen_clock(LATE_EVENING_UTC)
    login(make_user("mai", display_name="Hà Thị Mai"))
    response = client.post(
        "/venues/new",
        data={
            "name": "Quán cà phê Bản Bôn",
            "venue_type": "shop",
            "commune_id": str(commune_named(quan_son, "Trung Xuân").id),
        },
    )
    assert response.status_code == 303
    created = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "venue")).one()
    # A later change as an edit of the venue would record it (the venue form's rows).
    sơn_hà = commune_named(quan_son, "Sơn Hà")
    db.session.add(
        AuditEntry(
            entity="venue",
            entity_id=created.entity_id,
            action="edit",
            user_id=created.user_id,
            at=LATE_EVENING_UTC,
            changes=json.dumps(
                {
                    "commune_id": [commune_named(quan_son, "Trung Xuân").id, sơn_hà.id],
                    "venue_type": ["shop", "market"],
                    "is_active": [True, False],
                }
            ),
        )
    )
    db.session.commit()
    trail = entries_html(client.get(f"/venues/{created.entity_id}").get_data(as_text=True))
    assert "Đã ghi nhận: Hà Thị Mai, ngày 08/12/2026" in trail
    assert "Đã sửa: Hà Thị Mai, ngày 08/12/2026" in trail
    assert "Trung Xuân → Sơn Hà" in trail and "Có → Không" in trail
    assert "shop" not in trail and "market" not in trail


def test_the_audit_screen_words_events_details(client, login, make_user, quan_son, frozen_clock):
    frozen_clock(LATE_EVENING_UTC)
    admin = make_user("admin", role="admin", display_name="Hà Thị Mai")
    record_event(
        "poster_issued",
        admin,
        entity="poster",
        entity_id=7,
        detail={
            "serial": "QS-SH-0002-v2",
            "venue": "QS-00001",
            "reason": "damaged",
            "printed": True,
        },
    )
    record_event(
        "export",
        admin,
        detail={"format": "pdf", "level": "district", "area": "Quan Sơn", "date": "2026-12-04"},
    )
    record_event(
        "deadline_changed",
        admin,
        entity="deadline",
        entity_id=quan_son.province_id,
        changes={"weekday": [4, 0], "time": ["16:00", "09:00"]},
    )
    db.session.commit()
    login(admin)
    page = client.get("/audit").get_data(as_text=True)
    screen = page[page.index('class="list audit"') :]
    assert ": Hà Thị Mai, ngày 08/12/2026" in screen
    assert "lúc 01:30" in screen
    assert "Mã hư hỏng" in screen  # the poster's reason by its label
    assert "PDF" in screen and "04/12/2026" in screen and "2026-12-04" not in screen
    assert "Thứ Sáu → Thứ Hai" in screen
    assert ">damaged<" not in screen and ": damaged" not in screen and ": district" not in screen


def test_a_row_added_to_the_table_words_that_field(app):
    """Another area words its own field by adding a row: a mapping of codes or a function."""
    describe_fields({"cancel_reason": AuditField("Lý do hủy", {"moved": "Chuyển người"})})
    try:
        assert field_label("cancel_reason") == "Lý do hủy"
        assert field_value("cancel_reason", "moved") == "Chuyển người"
        assert field_value("cancel_reason", ["moved", "other"]) == "Chuyển người, other"
    finally:
        del audit.FIELDS["cancel_reason"]
    describe_fields({"reason": AuditField("Lý do đóng")}, entity="venue")
    try:
        assert field_label("reason", "venue") == "Lý do đóng"
        assert field_value("reason", "Dừng kinh doanh", "venue") == "Dừng kinh doanh"
        assert field_value("reason", "damaged", "poster") == "Mã hư hỏng"
        assert field_value("reason", "damaged, then torn", "venue") == "damaged, then torn"
    finally:
        del audit.ENTITY_FIELDS[("venue", "reason")]
    assert field_value("anything", None) == "—" and field_value("anything", "2026-12-08") == (
        "08/12/2026"
    )
    # Text with commas that is not codes stays whole.
    assert field_value("actions", "reminder,poster_issued").count(",") == 1
    assert field_value("actions", "nhắc, rồi đi") == "nhắc, rồi đi"


def test_the_letters_rows_name_a_templates_fields_and_an_edits_parts(app):
    with app.test_request_context():
        for field in LETTER_FIELDS:
            assert field_label(field.name, "letter_template") == str(field.label)
        assert field_value("edited", ["number", "section_2"], "letter_edit") == (
            "Số công văn, 2. Tồn tại, hạn chế"
        )


def test_a_finding_recorded_as_received_in_the_past_is_in_the_trail_at_that_time(
    app, make_venue, make_user, frozen_clock
):
    """The demo (and any replay of what the server received earlier) records a finding at
    the time it reached the server: its trail says that time, not the moment of recording."""
    frozen_clock(datetime(2026, 12, 1, 2, 0))
    venue = make_venue("Chợ Sơn Hà")
    inspector = make_user("hung", display_name="Lò Văn Hùng")
    received = datetime(2026, 11, 28, 9, 7)
    inspection, _new = record_inspection(
        venue,
        inspector,
        str(uuid.uuid4()),
        answers_for(random.Random(1)),
        None,
        NOWHERE,
        NO_GPS,
        [],
        received_at=received,
    )
    db.session.commit()
    (created,) = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_id == inspection.id, AuditEntry.action == "create"
        )
    )
    assert created.at == received == inspection.server_time


def test_the_trail_names_venues_and_assignments_as_officials_know_them(
    client, login, make_user, make_venue, frozen_clock
):
    frozen_clock(datetime(2026, 12, 1, 2, 0))
    admin = login(make_user("quan-tri", role="admin", display_name="Hà Thị Mai"))
    inspector = make_user("thanh", display_name="Lò Văn Thành")
    venue = make_venue("Nhà văn hóa bản Bơ", code="QS-SH-0012")
    (assignment,) = assign([venue], inspector, date(2026, 12, 8), "", admin, date(2026, 12, 1))
    cancel(assignment, admin)
    close_venue(venue, admin, "Đã giải thể")
    db.session.commit()

    closed = client.get("/audit?action=venue_closed").get_data(as_text=True)
    assert "QS-SH-0012 · Nhà văn hóa bản Bơ" in closed
    assert f"số {venue.id}" not in closed
    cancelled = client.get("/audit?action=assignment_cancelled").get_data(as_text=True)
    assert "QS-SH-0012 · Nhà văn hóa bản Bơ: Lò Văn Thành, hạn 08/12/2026" in cancelled
    assert f"số {assignment.id}" not in cancelled
    assert f'href="/venues/{venue.id}"' in cancelled
    # Gone from the database: its number, as before.
    assert field_value("assignment", 999, "venue") == "số 999"


def test_a_venues_own_trail_shows_each_events_details(
    client, login, make_user, make_venue, frozen_clock
):
    """The venue page's "Changes" gives what the audit screen gives: to whom and by when an
    inspection was assigned, not only "Đã giao kiểm tra"."""
    frozen_clock(datetime(2026, 12, 1, 2, 0))
    supervisor = login(make_user("mai", role="supervisor", display_name="Hà Thị Mai"))
    inspector = make_user("thanh", display_name="Lò Văn Thành")
    venue = make_venue("Nhà văn hóa bản Bơ", code="QS-SH-0012")
    assign([venue], inspector, date(2026, 12, 8), "Mang bản in mới", supervisor, date(2026, 12, 1))
    db.session.commit()
    trail = entries_html(client.get(f"/venues/{venue.id}").get_data(as_text=True))
    text = " ".join(trail.split())
    assert "Lò Văn Thành" in text and "08/12/2026" in text and "Mang bản in mới" in text
    assert "2026-12-08" not in text


def test_a_province_supervisors_assignment_is_filed_under_the_venues_district(
    client, login, make_user, make_venue, neighbour_district, frozen_clock
):
    """Filed under the assigner's own district, Cẩm Thủy's admins would never read it."""
    frozen_clock(datetime(2026, 12, 1, 2, 0))
    province = make_user("tinh", role="supervisor", scope="province", display_name="Trịnh Hùng")
    inspector = make_user("ct-can-bo", district=neighbour_district, display_name="Mai Văn An")
    venue = make_venue("Chợ Cẩm Châu", commune=neighbour_district.communes[0], code="CT-CC-1")
    assign([venue], inspector, date(2026, 12, 8), "", province, date(2026, 12, 1))
    db.session.commit()
    (entry,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "assignment_created")
    )
    assert entry.district_id == neighbour_district.id
    login(make_user("ct-quan-tri", role="admin", district=neighbour_district))
    page = client.get("/audit").get_data(as_text=True)
    assert "CT-CC-1 · Chợ Cẩm Châu: Mai Văn An, hạn 08/12/2026" in page
