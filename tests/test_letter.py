"""The weekly letter (issue 14): its parts composed from a district's report."""

from datetime import date
from types import SimpleNamespace

import pytest

from fieldapp.extensions import db
from fieldapp.letters.compose import letter_for, place_date
from fieldapp.models import LetterEdit, LetterTemplate
from fieldapp.reports.notice import GroupRule, high_group, low_group, unit_list
from fieldapp.reports.weekly import (
    district_month_report,
    district_report,
    national_report,
    province_report,
)
from tests.test_letter_template import template_form
from tests.test_reports import WEEK_2, import_both_weeks


@pytest.fixture
def supervisor(login, make_user):
    return login(make_user("supervisor", role="supervisor"))


def test_a_districts_letter_has_its_parts_in_order(client, supervisor, quan_son):
    import_both_weeks(client, quan_son)
    letter = letter_for(district_report(quan_son, WEEK_2), quan_son)
    assert (letter.issuer_parent, letter.issuer) == ("ỦY BAN NHÂN DÂN", "HUYỆN QUAN SƠN")
    assert letter.place_date == "Quan Sơn, ngày 12 tháng 11 năm 2021"
    assert letter.subject.endswith("tính đến 12/11/2021")
    assert [s.number for s in letter.sections] == ["1", "2", "3"]
    assert "4.336 địa điểm" in letter.sections[0].paragraphs[0].text
    assert letter.appendix_title.endswith("ngày 12/11/2021")
    assert letter.appendix_rows[-1][0] == "Tổng cộng"
    assert letter.appendix_rows[-1][3:5] == (4336, 18336)


def test_the_low_group_takes_ties_and_every_commune_without_scans(client, supervisor, quan_son):
    import_both_weeks(client, quan_son)
    report = district_report(quan_son, WEEK_2)
    low = low_group(report, GroupRule(low_count=1))
    assert [row.name for row in low] == ["Trung Xuân"]
    high = high_group(report, GroupRule())
    assert unit_list(high) == "xã Sơn Hà, thị trấn Sơn Lư"


def test_a_districts_letter_reads_its_template_and_the_edit_of_its_date(
    client, supervisor, quan_son
):
    """letter_for reads the district's saved template and the edit kept for the report date;
    a month's report of the district and the province's summary keep the defaults."""
    import_both_weeks(client, quan_son)
    form = template_form(signer_name="Lương Văn Thắng", low_count="2")
    assert client.post(f"/letters/{quan_son.id}/template", data=form).status_code == 303
    db.session.add(
        LetterEdit(district_id=quan_son.id, report_date=WEEK_2, section_two="Sửa tay.", number="7")
    )
    db.session.commit()
    letter = letter_for(district_report(quan_son, WEEK_2), quan_son)
    assert letter.signer_name == "Lương Văn Thắng"
    assert letter.number == "Số: 7/UBND-VHTT"
    assert [p.text for p in letter.sections[1].paragraphs] == ["Sửa tay."]
    assert letter.edited_parts == {"number", "section_2"}
    month = district_month_report(quan_son, WEEK_2.replace(day=1))
    assert letter_for(month, quan_son).edited_parts == frozenset()
    province = letter_for(province_report(quan_son.province, WEEK_2))
    assert province.issuer == "TỈNH THANH HÓA" and province.signer_name == ""
    assert db.session.query(LetterTemplate).count() == 1


def test_a_provinces_and_the_countrys_summary_letters_name_their_issuer(
    app, client, supervisor, quan_son
):
    """Not a district's wording: the province's people's committee, to the ministry and
    the districts; the country's summary from the ministry the setting names."""
    import_both_weeks(client, quan_son)
    province = letter_for(province_report(quan_son.province, WEEK_2))
    assert (province.issuer_parent, province.issuer) == ("ỦY BAN NHÂN DÂN", "TỈNH THANH HÓA")
    assert province.place_date.startswith("Thanh Hóa, ngày 12 tháng 11 năm 2021")
    assert "trên địa bàn tỉnh" in province.subject and "trên địa bàn tỉnh" in province.opening
    assert province.recipients[0] == "- Bộ Thông tin và Truyền thông;"
    app.config["NATIONAL_REPORT_ISSUER"] = "Bộ Y tế"
    country = letter_for(national_report(WEEK_2))
    assert (country.issuer_parent, country.issuer) == ("", "BỘ Y TẾ")
    assert country.place_date.startswith("Hà Nội, ngày 12")
    assert "phạm vi cả nước" in country.subject


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (date(2026, 5, 8), "Quan Sơn, ngày 08 tháng 5 năm 2026"),
        (date(2026, 2, 27), "Quan Sơn, ngày 27 tháng 02 năm 2026"),
        (date(2026, 1, 2), "Quan Sơn, ngày 02 tháng 01 năm 2026"),
        (date(2026, 12, 4), "Quan Sơn, ngày 04 tháng 12 năm 2026"),
        (date(2026, 9, 18), "Quan Sơn, ngày 18 tháng 9 năm 2026"),
    ],
)
def test_the_letters_date_pads_days_under_10_and_months_1_and_2_only(day, written):
    """Decree 30/2020, Appendix I: "ngày nhỏ hơn 10 và tháng 1, 2 phải ghi thêm số 0"."""
    assert place_date("Quan Sơn", SimpleNamespace(report_date=day)) == written
