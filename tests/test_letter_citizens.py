"""The weekly letter's section 2 names the communes with citizens' reports past their
deadline at the end of the report's period, and only when there are some."""

from datetime import date

from fieldapp.citizens.counts import CitizenCounts
from fieldapp.extensions import db
from fieldapp.letters.compose import letter_for
from fieldapp.letters.service import draft_section_two
from fieldapp.reports.notice import GroupRule
from fieldapp.reports.weekly import district_report
from tests.factories import commune_named
from tests.test_citizen_counts import DAY, make_report, vn, week  # noqa: F401
from tests.test_letter_template import report_of, row, text_of

OVERDUE = "còn phản ánh của người dân quá hạn chưa xử lý"


def with_citizens(unit, **counts):
    unit.citizens = CitizenCounts(**counts)
    return unit


def test_the_draft_names_the_communes_with_reports_past_their_deadline():
    report = report_of(
        with_citizens(row("Sơn Hà", 500), received=3, overdue=2),
        with_citizens(row("Sơn Lư", 600, kind="thi_tran"), overdue=1),
        with_citizens(row("Trung Xuân", 700), received=4, on_time=2, closed_late=2),
    )
    text = text_of(draft_section_two(report, GroupRule(low_count=1), "Cố định."))
    assert (
        "Một số đơn vị cấp xã còn phản ánh của người dân quá hạn chưa xử lý: "
        "xã Sơn Hà, thị trấn Sơn Lư." in text
    )
    assert "Trung Xuân" not in text.split(OVERDUE)[1]  # answered late, none still open
    assert text.endswith("Cố định.")  # the standing text still last


def test_one_commune_is_named_alone():
    report = report_of(with_citizens(row("Sơn Hà", 500), overdue=1), row("Sơn Lư", 600))
    text = text_of(draft_section_two(report, GroupRule()))
    assert "Đơn vị cấp xã còn phản ánh của người dân quá hạn chưa xử lý: xã Sơn Hà." in text
    assert "Một số đơn vị cấp xã" not in text


def test_no_sentence_without_reports_past_their_deadline():
    report = report_of(
        with_citizens(row("Sơn Hà", 500), received=5, on_time=3, closed_late=2),
        row("Sơn Lư", 600),
    )
    assert OVERDUE not in text_of(draft_section_two(report, GroupRule(), "Cố định."))


def test_the_district_s_letter_names_them_from_the_reports(week, client, login, make_user):  # noqa: F811
    son_lu = commune_named(week.quan_son, "Sơn Lư")
    make_report(son_lu, vn(date(2026, 12, 1)))  # due 04/12, still open
    db.session.commit()
    letter = letter_for(district_report(week.quan_son, DAY), week.quan_son)
    section_two = text_of(letter.sections[1].paragraphs)
    # In the report's order: the town before the communes (never imported, by kind).
    assert (
        "Một số đơn vị cấp xã còn phản ánh của người dân quá hạn chưa xử lý: "
        "thị trấn Sơn Lư, xã Sơn Hà." in section_two
    )
    login(make_user("supervisor", role="supervisor"))
    page = client.get(f"/letters/{week.quan_son.id}/{DAY}").get_data(as_text=True)
    assert "thị trấn Sơn Lư, xã Sơn Hà." in page


def test_the_letter_of_a_week_without_late_reports_names_none(week):  # noqa: F811
    # The week before (28/11 – 04/12): nothing was past its deadline at its end.
    letter = letter_for(district_report(week.quan_son, date(2026, 12, 4)), week.quan_son)
    assert OVERDUE not in text_of(letter.sections[1].paragraphs)
