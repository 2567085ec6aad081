"""The report page's charts (the bars and the trend) write numbers in the user's language,
1,300 and 33.0% in English, 1.300 and 33,0% in Vietnamese; the letter's PDF stays
Vietnamese whoever downloads it."""

import io

import lxml.html
import pypdfium2
import pytest

from fieldapp.reports.chart import bar_chart
from fieldapp.reports.trends import area_trends, trend_chart
from fieldapp.reports.weekly import Area, district_report
from tests.test_trends import D4, four_weeks

NUMBERS = {
    # language: (Sơn Lư's scans on D4, Sơn Hà's install rate, what the other language writes)
    "vi": ("2.600", "33,0%", ("2,600", "33.0%")),
    "en": ("2,600", "33.0%", ("2.600", "33,0%")),
}


def _texts(html: str, element_id: str) -> list[str]:
    tree = lxml.html.fromstring(html)
    (element,) = tree.xpath(f'//*[@id="{element_id}"]')
    return [text.strip() for text in element.xpath(".//svg//text()") if text.strip()]


def test_the_functions_take_a_locale(quan_son):
    four_weeks(quan_son)
    report = district_report(quan_son, D4)
    assert "2.600" in [bar.text for bar in bar_chart(report, "scans").bars]  # the documents'
    assert "2,600" in [bar.text for bar in bar_chart(report, "scans", "en").bars]
    assert "33.0%" in [bar.text for bar in bar_chart(report, "install_rate", "en").bars]
    trends = area_trends(Area.of_district(quan_son), D4)
    vietnamese, english = trend_chart(trends, "scans"), trend_chart(trends, "scans", "en")
    assert [label for _, label in english.ticks] == [
        label.replace(".", ",") for _, label in vietnamese.ticks
    ]
    assert any("," in label for _, label in english.ticks)  # the scale reaches thousands
    assert english.table[0][1][-1] == vietnamese.table[0][1][-1].replace(".", ",")
    rate = trend_chart(trends, "install_rate", "en")
    assert "33.0%" in [panel.value_text for panel in rate.panels]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_report_pages_charts_follow_the_users_language(
    client, login, make_user, quan_son, language
):
    four_weeks(quan_son)
    login(make_user("huyen", role="supervisor", locale=language))
    scans, rate, foreign = NUMBERS[language]
    page = client.get(f"/reports/{quan_son.id}/{D4}").get_data(as_text=True)
    bars = _texts(page, "report-chart")
    assert scans in bars and not set(foreign) & set(bars)
    trend = _texts(page, "report-trends")
    assert scans in trend and not set(foreign) & set(trend)
    # The other measures, by the page and by its htmx fragments.
    page = client.get(f"/reports/{quan_son.id}/{D4}?measure=install_rate&trend=install_rate")
    html = page.get_data(as_text=True)
    assert rate in _texts(html, "report-chart") and rate in _texts(html, "report-trends")
    fragment = client.get(
        f"/reports/{quan_son.id}/{D4}?measure=install_rate",
        headers={"HX-Request": "true", "HX-Target": "report-chart"},
    ).get_data(as_text=True)
    assert "<html" not in fragment and rate in _texts(fragment, "report-chart")
    trend_fragment = client.get(
        f"/reports/{quan_son.id}/{D4}?trend=install_rate",
        headers={"HX-Request": "true", "HX-Target": "report-trends"},
    ).get_data(as_text=True)
    assert "<html" not in trend_fragment
    assert rate in _texts(trend_fragment, "report-trends")


def test_the_pdf_stays_vietnamese_for_an_english_reader(client, login, make_user, quan_son):
    four_weeks(quan_son)
    login(make_user("huyen", role="supervisor", locale="en"))
    content = client.get(f"/reports/{quan_son.id}/{D4}.pdf").data
    document = pypdfium2.PdfDocument(io.BytesIO(content))
    text = "".join(page.get_textpage().get_text_range() for page in document)
    assert "2.600" in text and "2,600" not in text
