"""The weekly letter (issue 14): its parts composed from a district's report."""

import pytest

from fieldapp.letters.compose import letter_for
from fieldapp.reports.notice import GroupRule, high_group, low_group, unit_list
from fieldapp.reports.weekly import district_report
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
