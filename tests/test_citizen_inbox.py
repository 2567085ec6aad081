"""The district office's inbox of citizens' reports: tabs and filters, late ones, a report's
page, the flow report → assignment → finding → answer, rejecting, who may do what, the
holiday list and repeat reports in the escalations."""

import re
from datetime import date, datetime, timedelta

import lxml.html
import pytest
from sqlalchemy import select

from fieldapp import clock, storage
from fieldapp.citizens.deadlines import VIETNAM_HOLIDAYS, add_working_days, holiday_range
from fieldapp.citizens.intake import receive_report
from fieldapp.citizens.routes import HOLIDAY_REFUSALS
from fieldapp.citizens.service import (
    INBOX_PAGE_SIZE,
    assign_inspection,
    finding_recorded,
    open_count,
)
from fieldapp.extensions import db
from fieldapp.inspections.offences import venues_to_escalate
from fieldapp.letters.service import escalated_venues
from fieldapp.models import AuditEntry, CitizenReport, PublicHoliday
from tests.factories import commune_named

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# Monday 7/12/2026, 10:00 in Vietnam.
MONDAY = datetime(2026, 12, 7, 3, 0)


@pytest.fixture
def make_report(app, quan_son):
    """A report received through intake.receive_report (the one place reports are made)."""

    def make(venue=None, commune=None, **fields) -> CitizenReport:
        commune = commune or (venue.commune if venue else commune_named(quan_son, "Sơn Hà"))
        fields.setdefault("problem", "no_qr")
        report, _joined = receive_report(commune=commune, venue=venue, **fields)
        db.session.commit()
        return report

    return make


@pytest.fixture
def supervisor(login, make_user):
    return login(make_user("truong-phong", role="supervisor", display_name="Hà Thị Mai"))


def rows(response) -> list[str]:
    return re.findall(r'data-report="(\d+)"', response.get_data(as_text=True))


def test_the_inbox_lists_open_reports_with_their_age_due_date_and_late_ones(
    client, supervisor, make_report, make_venue, frozen_clock
):
    frozen_clock(MONDAY - timedelta(days=7))
    old = make_report(make_venue("Chợ Sơn Hà"), channel="hotline")
    frozen_clock(MONDAY)
    fresh = make_report(make_venue("Trường Tiểu học Sơn Lư"), problem="not_checked")
    make_report(fresh.venue, problem="not_checked")  # joined: +1
    response = client.get("/citizen-reports")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert rows(response) == [str(old.id), str(fresh.id)]  # the earliest due first
    late_rows = re.findall(r'data-report="(\d+)" data-state="new" data-late', page)
    assert late_rows == [str(old.id)]
    assert "Quá hạn" in page  # said in words, not only in red
    assert 'data-also="1"' in page and "+1" in page
    assert "Đường dây nóng" in page  # the channel
    assert "Nhận cách đây 7 ngày" in page
    assert f"hạn trả lời {fresh.due_date:%d/%m/%Y}" in page


def test_tabs_and_filters(client, supervisor, make_report, make_venue, quan_son):
    market = make_report(make_venue("Chợ Sơn Hà"), channel="phone")
    school = make_report(
        make_venue("Trường Sơn Lư", commune=commune_named(quan_son, "Sơn Lư")),
        problem="qr_not_working",
    )
    place = make_report(place="Quán cà phê Đồi Thông", problem="other", details="x")
    place.state = "resolved"
    db.session.commit()
    assert set(rows(client.get("/citizen-reports"))) == {str(market.id), str(school.id)}
    assert rows(client.get("/citizen-reports?tab=resolved")) == [str(place.id)]
    assert rows(client.get("/citizen-reports?tab=rejected")) == []
    son_lu = commune_named(quan_son, "Sơn Lư")
    assert rows(client.get(f"/citizen-reports?commune={son_lu.id}")) == [str(school.id)]
    assert rows(client.get("/citizen-reports?venue=cho son")) == [str(market.id)]
    assert rows(client.get("/citizen-reports?tab=resolved&venue=Đồi Thông")) == [str(place.id)]
    assert rows(client.get("/citizen-reports?problem=qr_not_working")) == [str(school.id)]
    assert rows(client.get("/citizen-reports?channel=phone")) == [str(market.id)]
    # Nonsense filters are ignored, never a 500.
    assert client.get("/citizen-reports?tab=x&commune=abc&page=-1&problem=z").status_code == 200


def test_the_inbox_fragment_and_empty_states(client, supervisor, make_report, make_venue):
    response = client.get("/citizen-reports")
    assert 'id="report-empty"' in response.get_data(as_text=True)
    make_report(make_venue())
    response = client.get("/citizen-reports?problem=other", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and 'id="report-results"' in fragment
    assert "Không có phản ánh nào phù hợp." in fragment
    assert "HX-Request" in response.headers["Vary"]


def test_the_inbox_leads_to_entering_and_importing_reports(client, supervisor):
    page = lxml.html.fromstring(client.get("/citizen-reports").get_data(as_text=True))
    links = {a.get("href") for a in page.xpath('//*[@id="report-entry"]//a')}
    assert links == {"/citizen-reports/new", "/citizen-reports/import"}
    for href in links:
        assert client.get(href).status_code == 200


def test_the_inbox_is_paged_in_few_queries(client, supervisor, make_report, quan_son, queries):
    for n in range(INBOX_PAGE_SIZE + 2):
        make_report(place=f"Quán số {n}", problem="other")
    queries.clear()
    first = client.get("/citizen-reports")
    assert len(rows(first)) == INBOX_PAGE_SIZE
    assert len(queries) < 15
    second = client.get("/citizen-reports?page=2")
    assert len(rows(second)) == 2
    assert 'rel="prev"' in second.get_data(as_text=True)


def test_the_whole_flow_report_assignment_finding_answer(
    client, login, make_user, make_report, make_venue, post_finding
):
    inspector = make_user("can-bo", display_name="Lò Văn Páo")
    boss = login(make_user("truong-phong", role="supervisor", display_name="Hà Thị Mai"))
    report = make_report(make_venue("Chợ Sơn Hà"), contact_phone="0912 345 678")
    page = client.get(f"/citizen-reports/{report.id}").get_data(as_text=True)
    assert 'href="tel:0912345678"' in page and 'id="report-assign"' in page

    form = client.get(f"/citizen-reports/{report.id}/assign")
    assert form.status_code == 200
    due = clock.today() + timedelta(days=30)
    response = client.post(
        f"/citizen-reports/{report.id}/assign",
        data={"inspector": inspector.id, "due": due.isoformat(), "note": ""},
    )
    assert response.status_code == 303
    db.session.expire_all()
    report = db.session.get(CitizenReport, report.id)
    assert report.state == "checking" and report.assignment.inspector_id == inspector.id
    assert report.assignment.note == f"Phản ánh {report.tracking_code}"

    login(inspector)
    assert post_finding(report.venue, qr_posted="missing").status_code == 303
    db.session.expire_all()
    report = db.session.get(CitizenReport, report.id)
    assert report.state == "ready" and report.inspection is not None

    login(boss)
    page = client.get(f"/citizen-reports/{report.id}").get_data(as_text=True)
    assert f'data-outcome="{report.inspection.outcome}"' in page
    confirm = client.get(f"/citizen-reports/{report.id}/resolve")
    assert confirm.status_code == 200 and 'id="close-confirm"' in confirm.get_data(as_text=True)
    answer = "Đã kiểm tra, yêu cầu chợ niêm yết lại mã QR."
    response = client.post(f"/citizen-reports/{report.id}/resolve", data={"answer": answer})
    assert response.status_code == 303
    db.session.expire_all()
    report = db.session.get(CitizenReport, report.id)
    # What the tracking page reads: the state and the public answer.
    assert (report.state, report.public_answer) == ("resolved", answer)
    assert report.closed_by_id == boss.id and report.closed_at is not None

    trail = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "citizen_report", AuditEntry.entity_id == report.id)
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.user_id) for e in trail] == [
        ("citizen_report_received", None),  # from a citizen: no one's name
        ("citizen_report_assigned", boss.id),
        ("citizen_report_ready", inspector.id),
        ("citizen_report_resolved", boss.id),
    ]
    page = client.get(f"/citizen-reports/{report.id}").get_data(as_text=True)
    assert "Đã trả lời: Hà Thị Mai" in page
    assert "Tình trạng</strong>: Chờ trả lời → Đã giải quyết" in page  # labels, not codes
    assert 'id="report-actions"' not in page  # closed: nothing more to do
    again = client.post(f"/citizen-reports/{report.id}/resolve", data={"answer": "x"})
    assert again.status_code == 409


def test_another_inspectors_visit_does_not_answer_the_report(
    app, login, make_user, make_report, make_venue, record_finding
):
    """Only the linked assignment's finding moves the report (the rule in finding_recorded)."""
    inspector = make_user("can-bo")
    boss = make_user("truong-phong", role="supervisor")
    report = make_report(make_venue())
    assign_inspection(report, inspector, date(2026, 6, 1), "", boss, date(2026, 1, 1))
    db.session.commit()
    login(make_user("nguoi-khac"))
    finding = record_finding(report.venue)
    assert finding_recorded(finding) == []
    db.session.refresh(report)
    assert report.state == "checking"


def test_answer_and_reason_are_required_and_kept(client, supervisor, make_report, make_venue):
    report = make_report(make_venue())
    response = client.post(f"/citizen-reports/{report.id}/resolve", data={"answer": "   "})
    assert response.status_code == 422
    assert "Nhập nội dung trả lời" in response.get_data(as_text=True)
    response = client.post(f"/citizen-reports/{report.id}/reject", data={"reason": ""})
    assert response.status_code == 422
    long_answer = "a" * 2001
    response = client.post(f"/citizen-reports/{report.id}/resolve", data={"answer": long_answer})
    assert response.status_code == 422 and long_answer in response.get_data(as_text=True)
    response = client.post(
        f"/citizen-reports/{report.id}/assign", data={"inspector": "", "due": "31/02/2026"}
    )
    assert response.status_code == 422 and 'value="31/02/2026"' in response.get_data(as_text=True)
    db.session.refresh(report)
    assert report.state == "new"


def test_rejecting_with_a_reason(client, supervisor, make_report, make_venue):
    report = make_report(make_venue())
    confirm = client.get(f"/citizen-reports/{report.id}/reject")
    assert 'data-action="reject"' in confirm.get_data(as_text=True)
    reason = "Địa điểm đã đóng cửa từ tháng 10."
    response = client.post(f"/citizen-reports/{report.id}/reject", data={"reason": reason})
    assert response.status_code == 303
    db.session.refresh(report)
    assert (report.state, report.reject_reason) == ("rejected", reason)
    page = client.get(f"/citizen-reports/{report.id}").get_data(as_text=True)
    assert reason in page and "Lý do từ chối" in page
    assert rows(client.get("/citizen-reports?tab=rejected")) == [str(report.id)]


def test_a_ready_report_cannot_be_rejected(client, supervisor, make_report, make_venue):
    report = make_report(make_venue())
    report.state = "ready"
    db.session.commit()
    response = client.post(f"/citizen-reports/{report.id}/reject", data={"reason": "x"})
    assert response.status_code == 409


def test_a_place_not_in_the_registry(client, supervisor, make_report, make_venue, quan_son):
    report = make_report(place="Quán karaoke bản Mùa Xuân", problem="no_qr")
    page = client.get(f"/citizen-reports/{report.id}").get_data(as_text=True)
    assert 'id="report-add-venue"' in page and 'id="report-assign"' not in page
    assert "/venues/new?name=" in page
    assert client.post(f"/citizen-reports/{report.id}/assign", data={}).status_code in (409, 422)
    response = client.post(f"/citizen-reports/{report.id}/venue", data={"code": "QS-NONE"})
    assert response.status_code == 422 and 'value="QS-NONE"' in response.get_data(as_text=True)
    venue = make_venue("Quán karaoke Mùa Xuân", code="QS-SH-0099")
    response = client.post(f"/citizen-reports/{report.id}/venue", data={"code": "qs-sh-0099"})
    assert response.status_code == 303
    db.session.refresh(report)
    assert report.venue_id == venue.id


def test_hostile_text_is_escaped(client, supervisor, make_report, make_venue):
    report = make_report(place=HOSTILE, details=HOSTILE, contact_phone="0912")
    for url in ("/citizen-reports", f"/citizen-reports/{report.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_the_photo_is_served_to_the_office_only(
    client, login, make_user, make_report, other_district
):
    storage.area("photos").put("citizens/abc/photo.jpg", b"\xff\xd8\xff not really")
    report = make_report(place="Chợ", photo_path="citizens/abc/photo.jpg")
    login(make_user("truong-phong", role="supervisor"))
    response = client.get(f"/citizen-reports/{report.id}/photo")
    assert response.status_code == 200 and response.data.startswith(b"\xff\xd8")
    assert 'id="report-photo"' in client.get(f"/citizen-reports/{report.id}").get_data(as_text=True)
    login(make_user("can-bo"))
    assert client.get(f"/citizen-reports/{report.id}/photo").status_code == 403
    login(make_user("yc", role="supervisor", district=other_district))
    assert client.get(f"/citizen-reports/{report.id}/photo").status_code == 404


def test_a_join_shows_its_own_photo_phone_and_channel_to_the_office_only(
    client, login, make_user, make_report, make_venue, other_district
):
    photos = storage.area("photos")
    photos.put("citizen-reports/first.jpg", b"\xff\xd8\xff the first")
    photos.put("citizen-reports/second.jpg", b"\xff\xd8\xff the second")
    venue = make_venue("Chợ Sơn Hà")
    report = make_report(venue, contact_phone="0987654321", photo_path="citizen-reports/first.jpg")
    make_report(
        venue,
        channel="hotline",
        contact_phone="0912345678",
        photo_path="citizen-reports/second.jpg",
    )
    (join,) = report.joins
    login(make_user("truong-phong", role="supervisor"))
    page = lxml.html.fromstring(client.get(f"/citizen-reports/{report.id}").get_data())
    assert page.get_element_by_id("report-phone").text_content().strip() == "0987654321"
    (item,) = page.xpath('//*[@id="report-joins"]//*[@data-join]')
    assert item.get("data-channel") == "hotline" and "Đường dây nóng" in item.text_content()
    assert item.xpath(".//*[@data-join-phone]")[0].get("href") == "tel:0912345678"
    photo_url = f"/citizen-reports/{report.id}/joins/{join.id}/photo"
    assert item.xpath(".//img[@data-join-photo]")[0].get("src") == photo_url
    served = client.get(photo_url)
    assert served.status_code == 200 and served.data.endswith(b"the second")
    assert client.get(f"/citizen-reports/{report.id}/joins/{join.id + 1}/photo").status_code == 404
    # The citizen's tracking page says nothing of either reporter.
    client.get("/logout")
    public = client.get(f"/phan-anh/{report.tracking_code}").get_data(as_text=True)
    assert "0912345678" not in public and "0987654321" not in public and "photo" not in public
    login(make_user("can-bo"))
    assert client.get(photo_url).status_code == 403
    login(make_user("yc", role="supervisor", district=other_district))
    assert client.get(photo_url).status_code == 404


def test_who_sees_and_who_acts(
    client, login, make_user, make_report, make_venue, other_district, neighbour_district
):
    report = make_report(make_venue(), contact_phone="0987 654 321")
    login(make_user("can-bo"))
    assert client.get("/citizen-reports").status_code == 403
    assert client.get(f"/citizen-reports/{report.id}").status_code == 403

    login(make_user("quan-tri", role="admin"))
    page = client.get(f"/citizen-reports/{report.id}").get_data(as_text=True)
    assert "tel:0987654321" in page and 'id="report-actions"' not in page
    assert (
        client.post(f"/citizen-reports/{report.id}/resolve", data={"answer": "x"}).status_code
        == 403
    )

    login(make_user("tinh", role="supervisor", district=neighbour_district, scope="province"))
    assert rows(client.get("/citizen-reports")) == [str(report.id)]
    page = client.get(f"/citizen-reports/{report.id}").get_data(as_text=True)
    assert "0987" not in page and 'id="report-actions"' not in page  # read-only, no phone
    assert (
        client.post(f"/citizen-reports/{report.id}/resolve", data={"answer": "x"}).status_code
        == 403
    )

    login(make_user("yc", role="supervisor", district=other_district))
    assert client.get(f"/citizen-reports/{report.id}").status_code == 404
    assert (
        client.post(f"/citizen-reports/{report.id}/reject", data={"reason": "x"}).status_code == 404
    )
    assert rows(client.get("/citizen-reports")) == []
    db.session.refresh(report)
    assert report.state == "new"


def test_the_menu_counts_open_reports(client, login, make_user, make_report, make_venue):
    make_report(make_venue("A"))
    make_report(make_venue("B"))
    closed = make_report(make_venue("C"))
    closed.state = "rejected"
    db.session.commit()
    login(make_user("truong-phong", role="supervisor"))
    page = client.get("/").get_data(as_text=True)
    assert re.search(
        r'id="menu-citizen-reports"[^>]*>[^<]*<span class="count" data-open-reports>2<', page
    )
    login(make_user("can-bo"))
    assert 'id="menu-citizen-reports"' not in client.get("/").get_data(as_text=True)


def test_the_menu_count_covers_the_user_s_area(
    app, make_user, make_report, make_venue, other_district, neighbour_district
):
    make_report(make_venue("A"))
    make_report(commune=neighbour_district.communes[0], place="Quán nước")
    make_report(commune=other_district.communes[0], place="Chợ Chiềng Đông")
    district = make_user("truong-phong", role="supervisor")
    province = make_user("tinh", role="supervisor", scope="province")
    country = make_user("quoc", role="supervisor", scope="country")
    assert [open_count(u) for u in (district, province, country)] == [1, 2, 3]


def test_repeat_reports_raise_a_venue_for_escalation(
    app, client, supervisor, make_report, make_venue
):
    app.config["ESCALATION_THRESHOLD"] = 3
    venue = make_venue("Quán Bi-a Thanh Niên")
    quiet = make_venue("Chợ Sơn Hà")
    make_report(venue)
    make_report(venue)  # +1
    make_report(venue, problem="not_checked")
    make_report(quiet)
    rejected = make_report(quiet, problem="other")
    rejected.state = "rejected"
    db.session.commit()
    page = client.get("/escalations").get_data(as_text=True)
    assert "Quán Bi-a Thanh Niên" in page and 'data-reported="3"' in page
    assert "Chợ Sơn Hà" not in page


def test_the_holiday_list(client, login, make_user, frozen_clock):
    frozen_clock(datetime(2026, 12, 1, 3))  # the days below are within the list's range
    login(make_user("quoc-gia", role="supervisor", scope="country"))
    assert client.get("/holidays").status_code == 200
    bad = client.post("/holidays", data={"day": "32/13/2026", "name": "Nghỉ bù"})
    assert bad.status_code == 422 and 'value="Nghỉ bù"' in bad.get_data(as_text=True)
    assert client.post("/holidays", data={"day": "2026-12-07", "name": ""}).status_code == 422
    ok = client.post("/holidays", data={"day": "07/12/2026", "name": "Nghỉ bù"})
    assert ok.status_code == 303
    assert add_working_days(date(2026, 12, 3), 3) == date(2026, 12, 9)  # skipped now
    assert client.post("/holidays", data={"day": "2026-12-07", "name": "x"}).status_code == 422
    confirm = client.get("/holidays/remove?day=2026-12-07")
    assert confirm.status_code == 200 and "Nghỉ bù" in confirm.get_data(as_text=True)
    assert client.get("/holidays/remove?day=2026-12-08").status_code == 404
    assert client.post("/holidays/remove", data={"day": "2026-12-07"}).status_code == 303
    assert db.session.get(PublicHoliday, date(2026, 12, 7)) is None
    assert client.post("/holidays/seed").status_code == 303
    assert db.session.query(PublicHoliday).count() == len(VIETNAM_HOLIDAYS)
    client.post("/holidays/seed")  # again: nothing doubled
    assert db.session.query(PublicHoliday).count() == len(VIETNAM_HOLIDAYS)
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "holiday")
    ).all()
    assert actions.count("holiday_added") == 1 + len(VIETNAM_HOLIDAYS)
    assert actions.count("holiday_removed") == 1
    login(make_user("truong-phong", role="supervisor"))
    assert client.get("/holidays").status_code == 403


def test_a_holiday_far_ahead_or_long_past_is_refused_naming_the_range(
    client, login, make_user, frozen_clock
):
    frozen_clock(datetime(2026, 12, 1, 3))
    login(make_user("quoc-gia", role="supervisor", scope="country"))
    for day in ("01/01/2999", "03/12/2027", "29/11/2025"):
        refused = client.post("/holidays", data={"day": day, "name": "Xa"})
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422, day
        assert "30/11/2025" in page and "02/12/2027" in page  # the range, named
        assert 'value="Xa"' in page
    assert db.session.query(PublicHoliday).count() == 0
    picker = lxml.html.fromstring(refused.data).xpath('//input[@id="holiday-day"]')[0]
    assert (picker.get("min"), picker.get("max")) == ("2025-11-30", "2027-12-02")
    for day in ("30/11/2025", "02/12/2027"):  # the range's own ends are accepted
        assert client.post("/holidays", data={"day": day, "name": "Xa"}).status_code == 303


def test_back_after_removing_a_holiday_says_it_was_removed(client, login, make_user, frozen_clock):
    frozen_clock(datetime(2026, 12, 1, 3))
    login(make_user("quoc-gia", role="supervisor", scope="country", display_name="Hà Thị Mai"))
    client.post("/holidays", data={"day": "03/12/2026", "name": "Nghỉ bù"})
    assert client.post("/holidays/remove", data={"day": "2026-12-03"}).status_code == 303
    back = client.get("/holidays/remove?day=2026-12-03")
    html = lxml.html.fromstring(back.get_data(as_text=True))
    assert back.status_code == 404
    assert html.xpath('//*[@id="holiday-gone-removed"]')
    assert "Nghỉ bù" in html.text_content() and "Hà Thị Mai" in html.text_content()
    assert html.xpath('//a[@id="holiday-gone-list"]/@href') == ["/holidays"]
    assert not html.xpath('//form[@method="post"]//input[@name="day"]')
    never = lxml.html.fromstring(client.get("/holidays/remove?day=2026-12-04").data)
    assert never.xpath('//*[@id="holiday-gone"]') and not never.xpath(
        '//*[@id="holiday-gone-removed"]'
    )
    # A second tap on the confirmation's button: the same page, nothing removed twice.
    again = client.post("/holidays/remove", data={"day": "2026-12-03"})
    assert again.status_code == 404 and b"holiday-gone-removed" in again.data


def test_a_district_admin_reads_the_national_holiday_list_and_changes_nothing(
    client, login, make_user, make_report, make_venue, frozen_clock, other_district
):
    """Cẩm Thủy's admin added a day and moved Quan Sơn's deadlines: the list is national,
    so a district's admin reads it, told who keeps it, and every change is refused."""
    frozen_clock(datetime(2026, 12, 1, 3, 0))
    report = make_report(make_venue("Chợ Sơn Hà"))
    due = report.due_date
    db.session.add(PublicHoliday(day=date(2026, 12, 24), name="Ngày thử"))
    db.session.commit()
    login(make_user("ct-admin", role="admin", district=other_district))
    page = client.get("/holidays")
    assert page.status_code == 200
    html = lxml.html.fromstring(page.get_data(as_text=True))
    assert html.xpath('//*[@id="holiday-keeper"]')
    assert html.xpath('//*[@data-day="2026-12-24"]')
    assert not html.xpath('//*[@id="holiday-add"] | //*[@id="holiday-seed"]')
    assert not html.xpath('//a[contains(@href, "/holidays/remove")]')
    refused = [
        client.post("/holidays", data={"day": "03/12/2026", "name": "Nghỉ bù"}),
        client.get("/holidays/remove?day=2026-12-24"),
        client.post("/holidays/remove", data={"day": "2026-12-24"}),
        client.post("/holidays/seed"),
    ]
    assert [r.status_code for r in refused] == [403] * 4
    db.session.expire_all()
    assert db.session.get(PublicHoliday, date(2026, 12, 3)) is None
    assert db.session.get(PublicHoliday, date(2026, 12, 24)) is not None
    assert db.session.get(CitizenReport, report.id).due_date == due


def test_the_removal_confirmation_says_open_reports_move_too(client, login, make_user):
    db.session.add(PublicHoliday(day=date(2026, 12, 24), name="Ngày thử"))
    db.session.commit()
    login(make_user("quoc-gia", role="supervisor", scope="country"))
    page = client.get("/holidays/remove?day=2026-12-24").get_data(as_text=True)
    (effect,) = lxml.html.fromstring(page).xpath('//*[@id="holiday-remove-effect"]')
    text = effect.text_content()
    assert "phản ánh đang xử lý nhận trước ngày này" in text
    assert "Phản ánh nhận sau" not in page


def test_the_holidays_command(app, make_report, make_venue, frozen_clock):
    """The command line changes the list too, moving the open reports' due dates."""
    frozen_clock(datetime(2026, 12, 3, 3, 0))
    report = make_report(make_venue("Chợ Sơn Hà"))
    runner = app.test_cli_runner()
    added = runner.invoke(args=["holidays", "add", "07/12/2026", "Nghỉ bù"])
    assert added.exit_code == 0 and "1 open reports" in added.output
    db.session.expire_all()
    assert db.session.get(CitizenReport, report.id).due_date == date(2026, 12, 9)
    assert runner.invoke(args=["holidays", "add", "07/12/2026", "x"]).exit_code == 1
    removed = runner.invoke(args=["holidays", "remove", "07/12/2026"])
    assert removed.exit_code == 0
    db.session.expire_all()
    assert db.session.get(CitizenReport, report.id).due_date == date(2026, 12, 8)
    assert runner.invoke(args=["holidays", "remove", "07/12/2026"]).exit_code == 1


def test_the_seeded_holidays_are_weekdays_and_skip_tet():
    """Each day a holiday closes is a working day (a weekend one is moved: nghỉ bù)."""
    assert all(day.weekday() < 5 for day, _name in VIETNAM_HOLIDAYS)
    days = {day for day, _name in VIETNAM_HOLIDAYS}
    assert {date(2026, 2, 17), date(2026, 4, 30), date(2026, 9, 2), date(2027, 1, 1)} <= days


def test_a_report_received_before_tet_is_due_after_it(app):
    for day, name in VIETNAM_HOLIDAYS:
        db.session.add(PublicHoliday(day=day, name=name))
    db.session.commit()
    # Friday 13/2/2026: Tết closes 16-20/2; due Wednesday 25/2.
    assert add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)


def test_a_venue_already_assigned_is_followed_not_assigned_twice(
    client, login, make_user, make_report, make_venue, record_finding
):
    inspector = make_user("can-bo")
    boss = login(make_user("truong-phong", role="supervisor"))
    venue = make_venue()
    from_before = make_report(venue, problem="not_checked")
    assign_inspection(from_before, inspector, date(2026, 6, 1), "", boss, date(2026, 1, 1))
    db.session.commit()
    report = make_report(venue)  # another problem: a report of its own
    page = client.get(f"/citizen-reports/{report.id}/assign").get_data(as_text=True)
    assert 'id="assign-follow"' in page
    twice = client.post(
        f"/citizen-reports/{report.id}/assign",
        data={"inspector": inspector.id, "due": (clock.today() + timedelta(days=30)).isoformat()},
    )
    assert twice.status_code == 409  # never two open assignments of a venue
    response = client.post(
        f"/citizen-reports/{report.id}/assign", data={"follow": from_before.assignment_id}
    )
    assert response.status_code == 303
    db.session.refresh(report)
    assert (report.state, report.assignment_id) == ("checking", from_before.assignment_id)
    login(inspector)
    record_finding(venue)
    for each in (report, from_before):
        db.session.refresh(each)
        assert each.state == "ready"


def test_the_seed_holidays_command(app):
    result = app.test_cli_runner().invoke(args=["seed-holidays"])
    assert result.exit_code == 0 and f"{len(VIETNAM_HOLIDAYS)} holidays added." in result.output
    again = app.test_cli_runner().invoke(args=["seed-holidays"])
    assert "0 holidays added." in again.output
    assert db.session.query(PublicHoliday).count() == len(VIETNAM_HOLIDAYS)


def test_the_letter_names_only_venues_that_failed_inspections(
    app, make_report, make_venue, quan_son
):
    """Repeat reports raise a venue in the escalations list, not in the letter's sentence
    about venues found non-compliant again and again."""
    app.config["ESCALATION_THRESHOLD"] = 2
    venue = make_venue("Quán Bi-a Thanh Niên")
    make_report(venue)
    make_report(venue, problem="other")
    assert [v.name for v, _o in venues_to_escalate([quan_son.id], 2).rows] == [venue.name]
    assert escalated_venues(quan_son) == []


def test_a_late_report_says_so_on_its_page(
    client, supervisor, make_report, make_venue, frozen_clock
):
    frozen_clock(MONDAY - timedelta(days=10))
    report = make_report(make_venue())
    frozen_clock(MONDAY)
    page = client.get(f"/citizen-reports/{report.id}").get_data(as_text=True)
    assert re.search(r'id="report-state" data-state="new" data-late', page)
    assert "Quá hạn" in page and "Nhận cách đây 10 ngày" in page


def commune_options(page: str, select_id: str) -> list[str]:
    tree = lxml.html.fromstring(page)
    return [option.text_content() for option in tree.get_element_by_id(select_id)][1:]


def test_a_province_user_picks_communes_named_with_their_district(
    client, login, make_user, quan_son, neighbour_district
):
    login(make_user("tinh", role="supervisor", scope="province"))
    entry = client.get("/citizen-reports/new").get_data(as_text=True)
    inbox = client.get("/citizen-reports").get_data(as_text=True)
    for options in (
        commune_options(entry, "where-commune"),
        commune_options(inbox, "report-commune"),
    ):
        assert "Xã Sơn Hà — huyện Quan Sơn" in options
        assert any(option.endswith("— huyện Cẩm Thủy") for option in options)
    login(make_user("truong-phong", role="supervisor"))
    entry = client.get("/citizen-reports/new").get_data(as_text=True)
    assert "Sơn Hà" in commune_options(entry, "where-commune")
    assert "huyện" not in "".join(commune_options(entry, "where-commune"))


def test_a_holiday_added_late_moves_the_open_reports_due_dates(
    client, login, make_user, make_report, make_venue, frozen_clock
):
    """Thursday 3/12/2026's reports are due Tuesday 8/12. Monday 7/12 declared a day off:
    the open ones are due Wednesday 9/12 (the admin is told how many moved); the one
    answered already, and one received after the day, keep theirs. Taking the day off the
    list again moves them back."""
    frozen_clock(datetime(2026, 12, 3, 3, 0))
    open_one = make_report(make_venue("Quán Bi-a Thanh Niên"))
    answered = make_report(make_venue("Chợ Sơn Hà"))
    answered.state = "resolved"
    answered.closed_at = datetime(2026, 12, 4, 3, 0)
    frozen_clock(datetime(2026, 12, 7, 3, 0))
    later = make_report(make_venue("Nhà văn hóa bản Na Hồ"))  # Monday 7/12 itself
    db.session.commit()
    assert (open_one.due_date, answered.due_date) == (date(2026, 12, 8), date(2026, 12, 8))
    later_due = later.due_date
    login(make_user("quoc-gia", role="supervisor", scope="country"))
    added = client.post(
        "/holidays", data={"day": "07/12/2026", "name": "Nghỉ bù"}, follow_redirects=True
    )
    assert "Đã tính lại hạn trả lời của 1 phản ánh đang xử lý." in added.get_data(as_text=True)
    db.session.expire_all()
    assert open_one.due_date == date(2026, 12, 9)
    assert answered.due_date == date(2026, 12, 8) and later.due_date == later_due
    removed = client.post("/holidays/remove", data={"day": "2026-12-07"}, follow_redirects=True)
    assert "Đã tính lại hạn trả lời của 1 phản ánh" in removed.get_data(as_text=True)
    db.session.expire_all()
    assert open_one.due_date == date(2026, 12, 8)


def test_the_holidays_command_names_the_days_it_accepts(app, frozen_clock):
    result = app.test_cli_runner().invoke(args=["holidays", "add", "01/01/2999", "Tết"])
    assert result.exit_code == 1
    first, last = holiday_range()
    assert clock.day_text(first) in result.output and clock.day_text(last) in result.output
    assert "day_out_of_range" not in result.output
    assert db.session.query(PublicHoliday).count() == 0
    added = app.test_cli_runner().invoke(args=["holidays", "add", clock.day_text(last), "Nghỉ bù"])
    assert added.exit_code == 0, added.output
    assert db.session.query(PublicHoliday).count() == 1


def test_the_holidays_command_refuses_to_remove_a_day_not_in_the_list(app):
    result = app.test_cli_runner().invoke(args=["holidays", "remove", "01/01/2001"])
    assert result.exit_code == 1
    assert result.output.strip().endswith(HOLIDAY_REFUSALS["not_found"]())
