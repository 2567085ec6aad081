"""The district's letter template and the edits kept per report date (issue 14): defaults,
the settings page, the drafts of sections 2 and 3, editing on the report page, access."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.letters import service
from fieldapp.letters.compose import letter_for
from fieldapp.letters.service import (
    LetterSettings,
    communes_lacking_qr,
    draft_section_three,
    draft_section_two,
    escalated_venues,
    settings_for,
)
from fieldapp.models import AuditEntry, Commune, CommuneFigures, LetterEdit, LetterTemplate
from fieldapp.reports.findings import Findings
from fieldapp.reports.notice import GroupRule
from fieldapp.reports.weekly import ReportRow, WeeklyReport, district_report
from tests.factories import commune_named
from tests.test_reports import WEEK_1, WEEK_2, import_both_weeks


@pytest.fixture
def supervisor(login, make_user):
    return login(make_user("supervisor", role="supervisor", display_name="Hà Văn Minh"))


def template_form(**changes) -> dict:
    """A complete settings form, as a district would fill it in."""
    form = {
        "issuer_parent": "ỦY BAN NHÂN DÂN",
        "issuer": "HUYỆN QUAN SƠN",
        "department_code": "UBND-VHTT",
        "place": "Quan Sơn",
        "recipients": "- Các phòng, ban, ngành cấp huyện;\n- UBND các xã, thị trấn.",
        "opening": "Thực hiện Công văn số 1234/UBND-KGVX ngày 01/11/2021 của UBND tỉnh.",
        "shortcomings": "Một số xã chưa đăng nhập hệ thống phản ánh, kiến nghị.",
        "offices_instructions": "Các phòng, ban quét mã khi ra, vào cơ quan.",
        "centre_instructions": "Trung tâm tuyên truyền trên loa truyền thanh.",
        "communes_instructions": "Các xã bố trí người hướng dẫn quét mã.",
        "closing": "",
        "copies_to": "- Như trên;\n- Lưu: VT, VHTT.",
        "signer_authority": "KT. CHỦ TỊCH",
        "signer_title": "PHÓ CHỦ TỊCH",
        "signer_name": "Lương Văn Thắng",
        "low_count": "1",
        "high_threshold": "",
    }
    form.update(changes)
    return form


def text_of(paragraphs) -> str:
    return "\n".join(p.text for p in paragraphs)


# The template and its defaults ----------------------------------------------------------


def test_a_district_with_no_template_gets_the_vietnamese_defaults(client, supervisor, quan_son):
    import_both_weeks(client, quan_son)
    letter = letter_for(district_report(quan_son, WEEK_2), quan_son)
    assert (letter.issuer_parent, letter.issuer) == ("ỦY BAN NHÂN DÂN", "HUYỆN QUAN SƠN")
    assert letter.number == "Số:        /UBND-VHTT"
    assert letter.place_date.startswith("Quan Sơn, ngày 12")
    assert letter.copies_to[-1] == "- Lưu: VT, VHTT."
    assert (letter.signer_authority, letter.signer_title) == ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    assert "tỉnh Thanh Hóa" in letter.opening
    two, three = letter.sections[1], letter.sections[2]
    assert (two.number, two.title) == ("2", "Tồn tại, hạn chế")
    assert [s.number for s in three.subsections] == ["3.1", "3.2", "3.3"]
    assert "Trung tâm Văn hóa - Thông tin" in three.subsections[1].title
    assert all(s.paragraphs for s in three.subsections)
    assert letter.edited_parts == frozenset()
    assert settings_for(quan_son).low_count == 3


def test_a_saved_template_changes_the_letter(client, supervisor, quan_son):
    import_both_weeks(client, quan_son)
    page = client.get(f"/letters/{quan_son.id}/template?day={WEEK_2.isoformat()}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "UBND-VHTT" in body and f"/reports/{quan_son.id}/{WEEK_2.isoformat()}" in body
    saved = client.post(
        f"/letters/{quan_son.id}/template",
        data=template_form(department_code="UBND-VP", place="Sơn Lư", closing="Đề nghị ./."),
    )
    assert saved.status_code == 303
    letter = letter_for(district_report(quan_son, WEEK_2), quan_son)
    assert letter.number.endswith("/UBND-VP")
    assert letter.place_date.startswith("Sơn Lư, ngày 12 tháng 11 năm 2021")
    assert letter.recipients == ("- Các phòng, ban, ngành cấp huyện;", "- UBND các xã, thị trấn.")
    assert letter.opening.startswith("Thực hiện Công văn số 1234")
    assert letter.signer_name == "Lương Văn Thắng"
    assert letter.closing == "Đề nghị ./."
    section_two = text_of(letter.sections[1].paragraphs)
    assert section_two.endswith("Một số xã chưa đăng nhập hệ thống phản ánh, kiến nghị.")
    # The low group of one (Trung Xuân, 4.336 scans) is named in sections 2 and 3.3.
    assert "xã Trung Xuân" in section_two and "xã Sơn Hà" not in section_two
    communes = text_of(letter.sections[2].subsections[2].paragraphs)
    assert communes.startswith("Các xã bố trí người hướng dẫn quét mã.")
    assert "xã Trung Xuân" in communes
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "letter_template_saved")
    )
    assert entry.district_id == quan_son.id and "UBND-VP" in entry.changes
    assert client.get(f"/letters/{quan_son.id}/template").status_code == 200
    assert db.session.scalar(select(LetterTemplate)).updated_by.username == "supervisor"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"issuer": ""}, "issuer", "Hãy điền"),
        ({"department_code": "UBND VHTT"}, "department_code", "UBND-VHTT"),
        ({"low_count": "0"}, "low_count", "1"),
        ({"low_count": "ba"}, "low_count", "1"),
        ({"high_threshold": "-5"}, "high_threshold", "trung bình"),
        ({"signer_title": "PHÓ\nCHỦ TỊCH"}, "signer_title", "một dòng"),
        ({"place": "x" * 101}, "place", "100"),
    ],
)
def test_a_template_that_needs_fixing_is_refused_keeping_what_was_typed(
    client, supervisor, quan_son, changes, field, message
):
    response = client.post(
        f"/letters/{quan_son.id}/template",
        data=template_form(signer_name="Lương Văn Thắng", **changes),
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'id="template-{field}-error"' in body and message in body
    assert "Lương Văn Thắng" in body  # the rest of the form is kept
    assert db.session.scalar(select(LetterTemplate)) is None


def test_a_threshold_sets_the_high_group(client, supervisor, quan_son):
    import_both_weeks(client, quan_son)
    client.post(f"/letters/{quan_son.id}/template", data=template_form(high_threshold="4.000"))
    settings = settings_for(quan_son)
    assert settings.rule == GroupRule(low_count=1, high_threshold=4000)


# The drafts, from a report's data ---------------------------------------------------------


def row(name, scans, kind="xa", inspected=0, visible=0) -> ReportRow:
    return ReportRow(
        name=name,
        district_name="Quan Sơn",
        kind=kind,
        has_figures=scans is not None,
        venues_with_qr=10,
        scans=scans,
        findings=Findings(venues_inspected=inspected, qr_visible=visible),
    )


def report_of(*rows) -> WeeklyReport:
    return WeeklyReport(
        level="district",
        area_name="Quan Sơn",
        province_name="Thanh Hóa",
        report_date=WEEK_2,
        previous_date=WEEK_1,
        period_start=date(2021, 11, 6),
        rows=list(rows),
        total=row("", sum(r.scans or 0 for r in rows)),
    )


def test_the_draft_of_section_two_names_the_low_communes_with_ties_and_zero_scans():
    report = report_of(
        row("Mường Mìn", 100),
        row("Na Mèo", 0),
        row("Sơn Điện", 300),
        row("Sơn Hà", 500),
        row("Sơn Lư", 900, kind="thi_tran"),
        row("Trung Xuân", 100),
        row("Tam Thanh", None),  # no figures: never named
    )
    text = text_of(draft_section_two(report, GroupRule(low_count=2), "Văn bản cố định."))
    low, *rest = text.split("\n")
    assert low.startswith("Một số đơn vị có lượt quét thấp và không quét gồm:")
    for name in ("xã Mường Mìn", "xã Na Mèo", "xã Trung Xuân"):  # 0, then 100 twice (a tie)
        assert name in low
    for name in ("Sơn Điện", "Sơn Hà", "Sơn Lư", "Tam Thanh"):
        assert name not in low
    assert low.endswith("Trong đó, xã Na Mèo chưa có lượt quét nào.")
    assert rest == ["Văn bản cố định."]


def test_a_zero_scan_commune_is_named_even_beyond_the_low_count():
    report = report_of(row("Sơn Hà", 5), row("Na Mèo", 0), row("Sơn Lư", 900, "thi_tran"))
    low = text_of(draft_section_two(report, GroupRule(low_count=1)))
    assert "xã Na Mèo" in low and "xã Sơn Hà" not in low
    three = draft_section_three(report, GroupRule(low_count=1), _defaults())
    assert "Chủ tịch Ủy ban nhân dân xã Na Mèo tập trung" in text_of(three[2].paragraphs)


def _defaults():
    return LetterSettings(
        issuer_parent="ỦY BAN NHÂN DÂN",
        issuer="HUYỆN QUAN SƠN",
        department_code="UBND-VHTT",
        place="Quan Sơn",
        recipients=(),
        opening="",
        shortcomings="",
        offices_instructions="Các phòng, ban.",
        centre_instructions="Trung tâm.",
        communes_instructions="Các xã.",
        closing="",
        copies_to=(),
        signer_authority="",
        signer_title="CHỦ TỊCH",
        signer_name="",
    )


def test_the_draft_names_communes_whose_inspected_venues_mostly_lacked_a_visible_code():
    report = report_of(
        row("Sơn Hà", 500, inspected=3, visible=1),  # 2 of 3 lacked it: named
        row("Sơn Lư", 900, "thi_tran", inspected=4, visible=2),  # half: not "mostly"
        row("Trung Xuân", 700, inspected=0),  # nothing inspected
    )
    assert [r.name for r, _ in communes_lacking_qr(report)] == ["Sơn Hà"]
    text = text_of(draft_section_two(report, GroupRule(low_count=1)))
    assert (
        "Phần lớn địa điểm được kiểm tra chưa niêm yết mã QR công khai, rõ ràng tại: "
        "xã Sơn Hà (2/3 địa điểm)."
    ) in text
    assert "Sơn Lư (" not in text


def test_the_draft_names_the_venues_to_escalate():
    report = report_of(row("Sơn Hà", 500))
    escalated = [("Chợ Sơn Hà", "xã Sơn Hà", 4)] + [
        (f"Quán {n}", "xã Sơn Hà", 3) for n in range(11)
    ]
    text = text_of(draft_section_two(report, GroupRule(), escalated=escalated))
    assert "cần xử lý: Chợ Sơn Hà (xã Sơn Hà, 4 lần), Quán 0 (xã Sơn Hà, 3 lần)" in text
    assert "Quán 8 (xã Sơn Hà, 3 lần) và 2 địa điểm khác." in text


def test_a_report_without_figures_drafts_only_the_standing_text():
    report = report_of(row("Sơn Hà", None))
    assert text_of(draft_section_two(report, GroupRule(), "Cố định.")) == "Cố định."
    three = draft_section_three(report, GroupRule(), _defaults())
    assert [text_of(s.paragraphs) for s in three] == ["Các phòng, ban.", "Trung tâm.", "Các xã."]


def test_venues_found_non_compliant_again_and_again_are_escalated(
    app, client, supervisor, quan_son, make_venue, record_finding, other_district
):
    venue = make_venue("Quán Cà phê Bản Na")
    for _ in range(app.config["ESCALATION_THRESHOLD"]):
        record_finding(venue, qr_posted="missing", checkin_method="visitors_scan")
    once = make_venue("Chợ Trung Xuân", commune=commune_named(quan_son, "Trung Xuân"))
    record_finding(once, qr_posted="missing", checkin_method="visitors_scan")
    assert escalated_venues(quan_son) == [("Quán Cà phê Bản Na", "xã Sơn Hà", 3)]
    assert escalated_venues(other_district) == []
    import_both_weeks(client, quan_son)
    letter = letter_for(district_report(quan_son, WEEK_2), quan_son)
    assert "Quán Cà phê Bản Na (xã Sơn Hà, 3 lần)" in text_of(letter.sections[1].paragraphs)


def test_the_draft_counts_the_findings_of_the_period(
    client, supervisor, quan_son, make_venue, record_finding, frozen_clock
):
    import_both_weeks(client, quan_son)
    frozen_clock(datetime(2021, 11, 10, 2, 0))
    trung_xuan = commune_named(quan_son, "Trung Xuân")
    for n in range(2):
        record_finding(
            make_venue(f"Nhà văn hóa bản {n}", commune=trung_xuan),
            qr_posted="missing",
            checkin_method="staff_scan",
        )
    record_finding(make_venue("Trạm y tế", commune=trung_xuan))
    letter = letter_for(district_report(quan_son, WEEK_2), quan_son)
    assert "rõ ràng tại: xã Trung Xuân (2/3 địa điểm)." in text_of(letter.sections[1].paragraphs)


# Editing sections 2 and 3 for a report date ------------------------------------------------


def edit_form(client, district, day) -> dict:
    """The edit form's fields as the page fills them (the letter's current texts)."""
    fragment = client.get(
        f"/letters/{district.id}/{day.isoformat()}", headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    letter = letter_for(district_report(district, day), district)
    two, three = letter.sections[1], letter.sections[2]
    return {
        "number": "",
        "section_two": text_of(two.paragraphs),
        "offices_instructions": text_of(three.subsections[0].paragraphs),
        "centre_instructions": text_of(three.subsections[1].paragraphs),
        "communes_instructions": text_of(three.subsections[2].paragraphs),
    }


def test_an_edit_is_kept_for_its_report_date_only_and_shown_as_edited(
    client, supervisor, quan_son, neighbour_district
):
    import_both_weeks(client, quan_son)
    url = f"/letters/{quan_son.id}/{WEEK_2.isoformat()}"
    form = edit_form(client, quan_son, WEEK_2)
    form["section_two"] = "Xã Trung Xuân chậm triển khai.\n\nNhiều quán chưa dán mã."
    form["number"] = "125"
    saved = client.post(url, data=form, headers={"HX-Request": "true"})
    assert saved.status_code == 200
    fragment = saved.get_data(as_text=True)
    assert "<html" not in fragment and 'id="letter"' in fragment
    assert "Đã sửa" in fragment and "Hà Văn Minh" in fragment

    letter = letter_for(district_report(quan_son, WEEK_2), quan_son)
    assert letter.edited_parts == {"section_2", "number"}
    assert letter.number == "Số: 125/UBND-VHTT"
    assert [p.text for p in letter.sections[1].paragraphs] == [
        "Xã Trung Xuân chậm triển khai.",
        "Nhiều quán chưa dán mã.",
    ]
    # Section 3 was sent as drafted: not an edit.
    edit = db.session.scalar(select(LetterEdit))
    assert edit.communes_instructions is None and edit.edited_by.username == "supervisor"
    # The week before and another district keep their drafts.
    before = letter_for(district_report(quan_son, WEEK_1), quan_son)
    assert before.edited_parts == frozenset()
    assert "chậm triển khai" not in text_of(before.sections[1].paragraphs)
    other = letter_for(district_report(neighbour_district, WEEK_2), neighbour_district)
    assert other.edited_parts == frozenset()
    # The report page shows the letter (loaded into it) and the page itself keeps the edit.
    report_page = client.get(f"/reports/{quan_son.id}/{WEEK_2.isoformat()}").get_data(as_text=True)
    assert f'hx-get="{url}"' in report_page
    page = client.get(url).get_data(as_text=True)
    assert "<html" in page and "Nhiều quán chưa dán mã." in page and "Đã sửa" in page
    assert (
        db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "letter_edited")
        ).district_id
        == quan_son.id
    )


def test_section_three_edited_then_back_to_the_draft(client, supervisor, quan_son):
    import_both_weeks(client, quan_son)
    url = f"/letters/{quan_son.id}/{WEEK_2.isoformat()}"
    form = edit_form(client, quan_son, WEEK_2)
    drafted = form["centre_instructions"]
    form["centre_instructions"] = "Trung tâm phát thanh 3 lần mỗi ngày."
    assert client.post(url, data=form).status_code == 303  # without htmx: back to the report
    letter = letter_for(district_report(quan_son, WEEK_2), quan_son)
    assert letter.edited_parts == {"section_3"}
    assert text_of(letter.sections[2].subsections[1].paragraphs) == (
        "Trung tâm phát thanh 3 lần mỗi ngày."
    )
    reverted = client.post(f"{url}/draft", headers={"HX-Request": "true"})
    assert reverted.status_code == 200 and "Đã sửa" not in reverted.get_data(as_text=True)
    letter = letter_for(district_report(quan_son, WEEK_2), quan_son)
    assert letter.edited_parts == frozenset()
    assert text_of(letter.sections[2].subsections[1].paragraphs) == drafted
    assert db.session.scalar(select(LetterEdit)) is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "letter_reverted"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"number": "12a"}, "number"), ({"section_two": "  \n "}, "section_two")],
)
def test_an_edit_that_needs_fixing_is_refused_keeping_what_was_typed(
    client, supervisor, quan_son, changes, field
):
    import_both_weeks(client, quan_son)
    form = edit_form(client, quan_son, WEEK_2)
    form["communes_instructions"] = "Các xã khẩn trương khắc phục ngay."
    form.update(changes)
    response = client.post(
        f"/letters/{quan_son.id}/{WEEK_2.isoformat()}", data=form, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'id="letter-{field}-error"' in body
    assert "Các xã khẩn trương khắc phục ngay." in body
    assert db.session.scalar(select(LetterEdit)) is None


def test_a_month_report_and_a_province_report_have_no_editor(client, quan_son, login, make_user):
    login(make_user("tinh", role="supervisor", scope="province"))
    import_both_weeks(client, quan_son)
    month = client.get(f"/reports/{quan_son.id}/month/2021-11").get_data(as_text=True)
    assert "/letters/" not in month
    province = client.get(f"/reports/province/{quan_son.province_id}/{WEEK_2.isoformat()}")
    assert "/letters/" not in province.get_data(as_text=True)
    day = client.get(f"/reports/{quan_son.id}/{WEEK_2.isoformat()}").get_data(as_text=True)
    assert f"/letters/{quan_son.id}/{WEEK_2.isoformat()}" in day


def test_an_inspector_and_another_districts_supervisor_are_refused(
    client, login, make_user, quan_son, other_district
):
    urls = [
        f"/letters/{quan_son.id}/template",
        f"/letters/{quan_son.id}/{WEEK_2.isoformat()}",
    ]
    login(make_user("inspector", role="inspector"))
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.post(url, data=template_form()).status_code == 403
    login(make_user("yen-chau", role="supervisor", district=other_district))
    for url in urls:
        assert client.get(url).status_code == 404
        assert client.post(url, data=template_form()).status_code == 404
    assert client.post(f"{urls[1]}/draft").status_code == 404
    assert db.session.scalar(select(LetterTemplate)) is None


def test_a_commune_added_later_does_not_break_a_kept_edit(client, supervisor, quan_son):
    import_both_weeks(client, quan_son)
    form = edit_form(client, quan_son, WEEK_2)
    form["section_two"] = "Đã sửa tay."
    client.post(f"/letters/{quan_son.id}/{WEEK_2.isoformat()}", data=form)
    commune = Commune(name="Na Mèo", kind="xa", district=quan_son)
    db.session.add(CommuneFigures(commune=commune, report_date=WEEK_2, venues_with_qr=1, scans=0))
    db.session.commit()
    letter = letter_for(district_report(quan_son, WEEK_2), quan_son)
    assert text_of(letter.sections[1].paragraphs) == "Đã sửa tay."
    # 3.3 was not edited: its draft follows the data and names the new zero-scan commune.
    assert "xã Na Mèo" in text_of(letter.sections[2].subsections[2].paragraphs)


def test_a_double_submit_saves_over_the_edit_saved_first(client, supervisor, quan_son, monkeypatch):
    """Two saves of the same date at once: the second finds the first's row only when it
    inserts (unique district and date); it saves over it rather than failing."""
    import_both_weeks(client, quan_son)
    form = edit_form(client, quan_son, WEEK_2)
    db.session.add(LetterEdit(district_id=quan_son.id, report_date=WEEK_2, section_two="Trước."))
    db.session.commit()
    real_edit_for, missed = service.edit_for, []

    def edit_for_racing(district, day):
        if not missed:  # the first look happens before the other request commits
            missed.append(True)
            return None
        return real_edit_for(district, day)

    monkeypatch.setattr(service, "edit_for", edit_for_racing)
    form["section_two"] = "Sau."
    response = client.post(f"/letters/{quan_son.id}/{WEEK_2.isoformat()}", data=form)
    assert response.status_code == 303
    db.session.expire_all()
    assert [e.section_two for e in db.session.scalars(select(LetterEdit))] == ["Sau."]
    assert missed


def test_the_opening_and_closing_are_one_paragraph_each(client, supervisor, quan_son):
    form = template_form(
        opening="Thực hiện Công văn số 1234/UBND-KGVX\nngày 01/11/2021 của UBND tỉnh.",
        closing="Đề nghị các đơn vị\n\nthực hiện./.",
    )
    assert client.post(f"/letters/{quan_son.id}/template", data=form).status_code == 303
    settings = settings_for(quan_son)
    assert settings.opening == "Thực hiện Công văn số 1234/UBND-KGVX ngày 01/11/2021 của UBND tỉnh."
    assert settings.closing == "Đề nghị các đơn vị thực hiện./."


def test_the_letter_fragment_runs_the_same_queries_whatever_the_venues_to_escalate(
    app, client, supervisor, quan_son, make_venue, record_finding, queries
):
    import_both_weeks(client, quan_son)
    url = f"/letters/{quan_son.id}/{WEEK_2.isoformat()}"

    def escalate(name, commune):
        venue = make_venue(name, commune=commune_named(quan_son, commune))
        for _ in range(app.config["ESCALATION_THRESHOLD"]):
            record_finding(venue, qr_posted="missing", checkin_method="visitors_scan")

    def counted() -> int:
        queries.clear()
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
        return len(queries)

    escalate("Quán Bản Na", "Sơn Hà")
    once = counted()
    escalate("Chợ Sơn Lư", "Sơn Lư")
    escalate("Quán Trung Xuân", "Trung Xuân")
    assert counted() == once
    assert "Quán Trung Xuân (xã Trung Xuân, 3 lần)" in client.get(url).get_data(as_text=True)
