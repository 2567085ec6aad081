"""The walk-through's printing and figures items: posters' stacked marks clear of the line
above, the figures form's rules, the trend chart's axis labels, undoing "delivered", and
numbers in the user's language."""

import io
import itertools
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium
import pytest
from flask import render_template_string, session
from flask_babel import refresh
from PIL import Image
from reportlab.graphics.shapes import String
from reportlab.pdfbase.pdfmetrics import stringWidth
from sqlalchemy import select

from fieldapp.config import load_config
from fieldapp.extensions import db
from fieldapp.models import AuditEntry, CommuneFigures, Poster
from fieldapp.posters.render import (
    PDF_FONTS,
    PosterText,
    layout_poster,
    poster_pdf,
    poster_png,
    register_fonts,
)
from fieldapp.posters.service import issue_poster
from fieldapp.reports.figures import (
    Sheet,
    apply_import,
    check_typed_figures,
    field_name,
    installs_problem,
    preview_import,
)
from fieldapp.reports.trends import area_trends, trend_chart, trend_drawing
from fieldapp.reports.weekly import Area
from tests.factories import commune_named

FONT_DIR = Path(load_config()["POSTER_FONT_DIR"])

# --- item 3: a poster's stacked marks stand clear of the line above -------------------------
# Capitals with two marks (Ể, Ỗ, Ẫ, Ầ), dots below (Ệ, Ợ) and descenders, on every line.
STACKED_NAMES = [
    "Chợ Sơn Hà",
    "TRƯỜNG MẦM NON ĐIỆN BIÊN THƯỢNG ỔN ĐỊNH KIỂM SOÁT ẪẨẲ",
    "Nhà văn hóa bản Bơ: àáảãạ ằắẳẵặ ầấẩẫậ ỗộ ểễệ ợ ỵ gy",
]
ISSUERS = [
    "Phòng Văn hóa và Thông tin huyện Quan Sơn",
    # Long enough to wrap: two issuer lines, the lower's marks under the upper's dots.
    (
        "Phòng Văn hóa, Thể thao, Du lịch và Thông tin huyện Quan Sơn, tỉnh Thanh Hóa, "
        "Ủy ban nhân dân huyện Quan Sơn"
    ),
]
# White between two lines' ink, in em of the lower line: well above the white inside a
# stacked mark (about 0.05 em), so a hook never reads as the upper line's dot.
CLEAR = 0.15


@pytest.fixture(scope="module")
def fonts():
    register_fonts(FONT_DIR)


def poster_text(name: str, issuer: str = ISSUERS[0]) -> PosterText:
    return PosterText(
        payload="https://qr.pccovid.gov.vn/v/QS-SH-0001?k=8F3A",
        venue_name=name,
        venue_code="QS-SH-0001",
        address="Bản Na Hồ",
        commune="Xã Sơn Hà",
        district="huyện Quan Sơn",
        province="Thanh Hóa",
        issuer=issuer,
        serial="QS-SH-0001-v2",
        print_date=date(2026, 11, 22),
        report_url="http://localhost:5000/p/QS-SH-0001",
    )


def pdf_of(texts, page) -> bytes:
    out = io.BytesIO()
    poster_pdf(texts, out, page)
    return out.getvalue()


def text_lines(page) -> list[list[tuple[float, float, float, float, float]]]:
    """The page's lines as pdfium reads them: each glyph's tight box (left, bottom, right,
    top in points from the bottom) and its font size."""
    chars = page.get_textpage()
    text = chars.get_text_range()
    lines, line = [], []
    for index, char in enumerate(text):
        if char in "\r\n":
            if line:
                lines.append(line)
            line = []
        elif char.strip():
            size = pdfium.FPDFText_GetFontSize(chars, index)
            line.append((*chars.get_charbox(index), size))
    if line:
        lines.append(line)
    return lines


def closest(upper, lower) -> tuple[float, float] | None:
    """The least white between a glyph of `upper` and one of `lower` over it (points), and
    the lower line's size; None if the lines stand side by side."""
    gaps = [
        (a_bottom - b_top, b_size)
        for a_left, a_bottom, a_right, _a_top, _a_size in upper
        for b_left, _b_bottom, b_right, b_top, b_size in lower
        if a_right > b_left and b_right > a_left
    ]
    return min(gaps) if gaps else None


@pytest.mark.parametrize("page", ["A4", "A5", "A6"])
@pytest.mark.parametrize("issuer", ISSUERS)
def test_every_line_s_marks_stand_clear_of_the_line_above(fonts, page, issuer):
    """In the PDF as a reader gets it: each line's tallest mark (Ể's hook over its
    circumflex) is CLEAR em below the lowest ink of the line above (Ệ's dot, a g)."""
    pdf = pdf_of([poster_text(name, issuer) for name in STACKED_NAMES], page)
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == len(STACKED_NAMES)  # a batch's pages too
    for index in range(len(document)):
        lines = text_lines(document[index])
        assert len(lines) >= 8
        for upper, lower in itertools.pairwise(lines):
            found = closest(upper, lower)
            if found is None:
                continue
            white, size = found
            assert white >= CLEAR * size, (page, index, white, size)


@pytest.mark.parametrize("page", ["A4", "A6"])
def test_the_header_s_rows_between_lines_are_blank_at_200_dpi(fonts, page):
    """Rasterised at 200 dpi, the rows between two header lines' ink hold no ink at all, and
    there are enough of them to see."""
    dpi = 200
    pdf = pdf_of([poster_text(STACKED_NAMES[1], ISSUERS[1])], page)
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=dpi / 72).to_pil().convert("L")
    height = document[0].get_size()[1]
    lines = text_lines(document[0])[:6]  # issuer (2), title, name (2), address
    for upper, lower in itertools.pairwise(lines):
        top = (height - min(box[1] for box in upper)) * dpi / 72  # the upper's lowest ink
        bottom = (height - max(box[3] for box in lower)) * dpi / 72  # the lower's highest
        left = max(min(box[0] for box in upper), min(box[0] for box in lower)) * dpi / 72
        right = min(max(box[2] for box in upper), max(box[2] for box in lower)) * dpi / 72
        rows = range(round(top) + 1, round(bottom) - 1)
        size = lower[0][4] * dpi / 72
        assert len(rows) >= CLEAR * size - 2, (page, len(rows), size)
        band = image.crop((round(left), rows.start, round(right), rows.stop))
        assert band.getextrema()[0] > 128, (page, rows)  # no dark pixel in the band


@pytest.mark.parametrize("page", ["A4", "A6"])
def test_the_png_sets_its_lines_where_the_pdf_does(fonts, page):
    """Both drawings follow one layout: the PNG's header rows of ink are the PDF's (they
    were 0.15 em lower, putting a mark nearer the line above)."""
    dpi = 150
    text = poster_text(STACKED_NAMES[1], ISSUERS[1])
    layout = layout_poster(text, page)
    header = round(layout.code_top * dpi / 72)
    png = Image.open(io.BytesIO(poster_png(text, FONT_DIR, page, dpi)), formats=["PNG"])
    pdf = pypdfium2.PdfDocument(pdf_of([text], page))[0].render(scale=dpi / 72).to_pil()

    def inked_rows(image):
        gray = image.convert("L")
        return [gray.crop((0, y, gray.width, y + 1)).getextrema()[0] < 128 for y in range(header)]

    png_rows, pdf_rows = inked_rows(png), inked_rows(pdf)

    def agreement(shift):
        return sum(
            png_rows[y] == pdf_rows[y + shift] for y in range(12, header - 12) if y + shift >= 0
        )

    best = max(range(-10, 11), key=agreement)
    assert abs(best) <= 1, best
    assert agreement(best) >= 0.9 * (header - 24)


# --- item 14: the figures form: installs over smartphones, removing pre-filled figures ----
REPORT_DAY = date(2021, 11, 5)


@pytest.fixture
def supervisor(login, make_user):
    return login(make_user("supervisor", role="supervisor"))


def figures_url(district) -> str:
    return f"/reports/{district.id}/{REPORT_DAY.isoformat()}/figures"


def stored_figures() -> dict[str, tuple]:
    rows = db.session.scalars(select(CommuneFigures)).all()
    return {row.commune.name: (row.installs, row.smartphones) for row in rows}


def test_more_installs_than_smartphones_is_refused_naming_the_commune_and_both_numbers(
    client, supervisor, quan_son
):
    son_ha = commune_named(quan_son, "Sơn Hà")
    typed = {
        f"venues_with_qr-{son_ha.id}": "12",
        f"scans-{son_ha.id}": "4.336",
        f"installs-{son_ha.id}": "1.250",
        f"smartphones-{son_ha.id}": "1000",
    }
    response = client.post(figures_url(quan_son), data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and stored_figures() == {}
    error = page[page.index(f'id="installs-{son_ha.id}-error"') :]
    error = error[: error.index("</p>")]
    assert "Sơn Hà" in error and "1.250" in error and "1.000" in error
    assert 'value="1.250"' in page and 'value="1000"' in page and 'value="4.336"' in page
    # As many installs as smartphones (100 %) is fine; so is either one left out.
    typed[f"installs-{son_ha.id}"] = "1000"
    assert client.post(figures_url(quan_son), data=typed).status_code == 303
    assert stored_figures() == {"Sơn Hà": (1000, 1000)}


def test_the_rule_is_one_function_without_a_request(quan_son):
    son_ha = commune_named(quan_son, "Sơn Hà")
    assert installs_problem(son_ha, {"installs": 50, "smartphones": 10})
    assert installs_problem(son_ha, {"installs": 10, "smartphones": 10}) is None
    assert installs_problem(son_ha, {"installs": 50, "smartphones": None}) is None
    assert installs_problem(son_ha, {"installs": None, "smartphones": 0}) is None
    typed = check_typed_figures(
        [son_ha],
        {},
        {
            field_name("venues_with_qr", son_ha): "1",
            field_name("scans", son_ha): "1",
            field_name("installs", son_ha): "50",
            field_name("smartphones", son_ha): "10",
        },
        REPORT_DAY,
        REPORT_DAY,
    )
    assert typed.errors == {
        field_name("installs", son_ha): installs_problem(
            son_ha, {"installs": 50, "smartphones": 10}
        )
    }


def sheet_of(*rows) -> Sheet:
    headers = ["STT", "Huyện", "Thị trấn/xã", "Tổng số địa điểm tạo mã QR", "Tổng lượt quét"]
    headers += ["Số máy đã cài PC-Covid", "Số máy điện thoại thông minh"][: len(rows[0]) - 5]
    return Sheet(headers=headers, header_row=1, rows=list(enumerate(rows, start=2)))


def test_the_spreadsheet_import_refuses_the_same_rows(app, quan_son):
    """A sheet's row with more installs than smartphones is refused in the preview with the
    same words; so is one whose installs exceed the smartphones a re-import would keep."""
    son_ha, son_lu = commune_named(quan_son, "Sơn Hà"), commune_named(quan_son, "Sơn Lư")
    preview = preview_import(
        sheet_of(
            [1, "Quan Sơn", "Xã Sơn Hà", 12, 400, 50, 10], [2, "", "Thị trấn Sơn Lư", 3, 9, 5, 9]
        ),
        quan_son,
        REPORT_DAY,
        REPORT_DAY,
    )
    [refused] = preview.refused
    assert refused.number == 2
    assert refused.problem == installs_problem(son_ha, {"installs": 50, "smartphones": 10})
    assert [row.commune for row in preview.accepted] == [son_lu]
    apply_import(preview, None, "sheet.xlsx")
    db.session.commit()
    # Sơn Lư's 9 smartphones are kept by a sheet without that column: 12 installs refused.
    again = preview_import(
        sheet_of([2, "", "Thị trấn Sơn Lư", 3, 9, 12]), quan_son, REPORT_DAY, REPORT_DAY
    )
    assert [row.problem for row in again.rows] == [
        installs_problem(son_lu, {"installs": 12, "smartphones": 9})
    ]
    told_to_remove = preview_import(
        sheet_of([2, "", "Thị trấn Sơn Lư", 3, 9, 12]),
        quan_son,
        REPORT_DAY,
        REPORT_DAY,
        remove_omitted=True,
    )
    assert told_to_remove.refused == [] and told_to_remove.can_apply


def test_removing_works_with_the_figures_the_form_was_filled_with(client, supervisor, quan_son):
    """The form comes filled with the stored figures: ticking "Remove" and saving, the
    figures left as shown, removes them (it answered 422 "not both")."""
    son_ha, son_lu = commune_named(quan_son, "Sơn Hà"), commune_named(quan_son, "Sơn Lư")
    first = {}
    for commune, scans in ((son_ha, "7.000"), (son_lu, "900")):
        first |= {
            f"venues_with_qr-{commune.id}": "10",
            f"scans-{commune.id}": scans,
            f"installs-{commune.id}": "5",
            f"smartphones-{commune.id}": "",
        }
    assert client.post(figures_url(quan_son), data=first).status_code == 303
    page = client.get(figures_url(quan_son)).get_data(as_text=True)
    shown = dict(re.findall(r'name="([a-z_]+-\d+)" class="input"[^>]* value="([^"]*)"', page))
    assert shown[f"scans-{son_ha.id}"] == "7000" and shown[f"smartphones-{son_ha.id}"] == ""
    removal = {**shown, f"clear-{son_lu.id}": "1", "confirm_removal": str(son_lu.id)}
    removed = client.post(figures_url(quan_son), data=removal)
    assert removed.status_code == 303
    db.session.expire_all()
    assert stored_figures() == {"Sơn Hà": (5, None)}
    # Figures changed as well as ticked stay ambiguous: refused, nothing removed.
    changed = {**shown, f"scans-{son_ha.id}": "7001", f"clear-{son_ha.id}": "1"}
    refused = client.post(figures_url(quan_son), data=changed)
    assert refused.status_code == 422 and 'value="7001"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert stored_figures() == {"Sơn Hà": (5, None)}


# --- item 13: the trend chart's axis labels fit left of the plot ---------------------------
TREND_DAYS = (date(2021, 10, 29), date(2021, 11, 5), date(2021, 11, 12))


def tick_labels(svg: str) -> tuple[float, list[tuple[float, str]]]:
    """The SVG's font size and its right-aligned texts (the scale's labels): (x, text)."""
    font_size = float(re.search(r'<svg [^>]*font-size="([\d.]+)"', svg).group(1))
    labels = re.findall(
        r'<text x="([\d.\-]+)" y="[\d.\-]+" text-anchor="end" fill="#4a4a4a">([^<]*)<', svg
    )
    return font_size, [(float(x), text) for x, text in labels]


@pytest.mark.parametrize(
    ("scans", "top_label"),
    [
        ((53_000, 70_500, 90_319), "100.000"),  # the walk's: "100.000" read "l00.000"
        ((5_300_000, 7_050_000, 9_031_900), "10.000.000"),
        ((3, 5, 7), "8"),
    ],
)
def test_the_trend_s_axis_labels_fit_left_of_the_plot(
    client, login, make_user, quan_son, scans, top_label
):
    son_ha = commune_named(quan_son, "Sơn Hà")
    for day, count in zip(TREND_DAYS, scans, strict=True):
        db.session.add(
            CommuneFigures(commune=son_ha, report_date=day, venues_with_qr=1, scans=count)
        )
    db.session.commit()
    login(make_user("supervisor", role="supervisor"))
    page = client.get(f"/reports/{quan_son.id}/{TREND_DAYS[-1].isoformat()}?trend=scans")
    html = page.get_data(as_text=True)
    svg = html[html.index('id="report-trends"') :]
    svg = svg[svg.index("<svg") : svg.index("</svg>")]
    font_size, labels = tick_labels(svg)
    assert labels[-1][1] == top_label
    plot_left = float(re.search(r'<line x1="([\d.]+)"', svg).group(1))
    for x, text in labels:
        # A digit is at most 0.6 em in a sans-serif face, a dot less.
        assert x - len(text) * 0.6 * font_size >= 0, (text, x)
        assert x < plot_left
    # The PDF's drawing of the same chart keeps its labels on the page too.
    register_fonts(FONT_DIR)
    chart = trend_chart(area_trends(Area.of_district(quan_son), TREND_DAYS[-1]), "scans")
    drawing = trend_drawing(chart, 360, PDF_FONTS["regular"], PDF_FONTS["bold"])
    ends = [
        item for item in drawing.contents if isinstance(item, String) and item.textAnchor == "end"
    ]
    ends = ends[: len(chart.ticks)]  # the scale's, drawn first; the panels' values follow
    assert [item.text for item in ends] == [label for _y, label in chart.ticks]
    for item in ends:
        assert item.x - stringWidth(item.text, item.fontName, item.fontSize) >= 0, item.text


# --- item 17: "delivered" can be taken back ---------------------------------------------------


@pytest.fixture
def venue(make_venue):
    return make_venue("Chợ Sơn Hà", address="Bản Na Hồ")


def printed_poster(venue, user) -> Poster:
    poster = issue_poster(venue, user, "damaged", printed_now=True)
    db.session.commit()
    return poster


def audit_of(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_delivered_by_mistake_is_undone_from_the_queue_and_audited(client, login, make_user, venue):
    office = login(make_user("supervisor", role="supervisor"))
    poster = printed_poster(venue, office)
    marked = client.post(f"/posters/{poster.id}/delivered")
    assert marked.status_code == 303
    assert marked.headers["Location"] == f"/posters/queue#delivered-{poster.id}"
    queue = client.get("/posters/queue").get_data(as_text=True)
    row = queue[queue.index(f'id="delivered-{poster.id}"') :]
    row = row[: row.index("</li>")]
    assert f'action="/posters/{poster.id}/delivered/undo"' in row
    assert f'data-undo-delivered="{poster.id}"' in row and "Hoàn tác" in row
    when = db.session.get(Poster, poster.id).delivered_at

    undone = client.post(f"/posters/{poster.id}/delivered/undo")
    assert undone.status_code == 303
    assert undone.headers["Location"] == f"/posters/queue#to-deliver-{poster.id}"
    db.session.expire_all()
    poster = db.session.get(Poster, poster.id)
    assert (poster.state, poster.delivered_at) == ("printed", None)
    [entry] = audit_of("poster_delivery_undone")
    assert (entry.user_id, entry.entity, entry.entity_id) == (office.id, "poster", poster.id)
    assert entry.details["serial"] == poster.serial
    assert entry.details["delivered_at"] == when.isoformat()
    assert entry.district_id == venue.commune.district_id
    queue = client.get("/posters/queue").get_data(as_text=True)
    assert f'id="to-deliver-{poster.id}"' in queue and f'id="delivered-{poster.id}"' not in queue
    # Undone already (from another phone): refused with a message, nothing recorded twice.
    again = client.post(f"/posters/{poster.id}/delivered/undo")
    assert again.status_code == 409
    assert poster.serial in again.get_data(as_text=True)
    assert len(audit_of("poster_delivery_undone")) == 1
    # And it can be marked delivered again.
    assert client.post(f"/posters/{poster.id}/delivered").status_code == 303
    db.session.expire_all()
    assert db.session.get(Poster, poster.id).state == "delivered"
    # The trail names the undo in words.
    client.post("/logout")
    login(make_user("admin", role="admin"))
    assert "Đã hoàn tác giao bản in mã QR" in client.get("/audit").get_data(as_text=True)


def test_undoing_needs_the_office_and_the_district(
    client, login, make_user, venue, neighbour_district
):
    office = login(make_user("supervisor", role="supervisor"))
    poster = printed_poster(venue, office)
    client.post(f"/posters/{poster.id}/delivered")
    client.post("/logout")
    login(make_user("inspector2", role="inspector"))
    assert client.post(f"/posters/{poster.id}/delivered/undo").status_code == 403
    client.post("/logout")
    login(make_user("other", role="supervisor", district=neighbour_district))
    assert client.post(f"/posters/{poster.id}/delivered/undo").status_code == 404
    db.session.expire_all()
    assert db.session.get(Poster, poster.id).state == "delivered"


# --- item 11: numbers on screens follow the user's language; documents stay Vietnamese -----


def scans_of_2021_11_12(quan_son):
    son_ha, son_lu = commune_named(quan_son, "Sơn Hà"), commune_named(quan_son, "Sơn Lư")
    for commune, day, venues, scans in (
        (son_ha, TREND_DAYS[1], 1200, 130_000),
        (son_ha, TREND_DAYS[2], 1234, 172_504),
        (son_lu, TREND_DAYS[2], 10, 39_628),
    ):
        db.session.add(
            CommuneFigures(
                commune=commune,
                report_date=day,
                venues_with_qr=venues,
                scans=scans,
                installs=24_849 if commune is son_ha else None,
                smartphones=73_627 if commune is son_ha else None,
            )
        )
    db.session.commit()
    return f"/reports/{quan_son.id}/{TREND_DAYS[2].isoformat()}"


def totals(page: str) -> list[str]:
    return re.findall(r'class="total-(?:value|change)">([^<]*)<', page)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", ["1,244", "+34", "212,132", "+42,504", "33.7%", "24,849 / 73,627"]),
        ("vi", ["1.244", "+34", "212.132", "+42.504", "33,7%", "24.849 / 73.627"]),
    ],
)
def test_the_report_screen_writes_numbers_in_the_user_s_language(
    client, login, make_user, quan_son, locale, expected
):
    url = scans_of_2021_11_12(quan_son)
    login(make_user("supervisor", role="supervisor", locale=locale))
    page = client.get(url).get_data(as_text=True)
    assert totals(page) == expected
    extremes = page[page.index('class="extremes"') :]
    assert ("(172,504)" if locale == "en" else "(172.504)") in extremes[: extremes.index("</p>")]


def test_the_documents_stay_vietnamese_whatever_the_screen_s_language(
    client, login, make_user, quan_son
):
    url = scans_of_2021_11_12(quan_son)
    login(make_user("supervisor", role="supervisor", locale="en"))
    page = client.get(url).get_data(as_text=True)
    # The appendix on the page is the document's: Vietnamese.
    appendix = page[page.index('class="card appendix"') :]
    assert "172.504" in appendix and "172,504" not in appendix
    pdf = client.get(f"{url}.pdf")
    assert pdf.status_code == 200
    document = pypdfium2.PdfDocument(pdf.data)
    text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "172.504" in text and "212.132" in text and "172,504" not in text
    docx = client.get(f"{url}.docx")
    assert docx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(docx.data)) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    assert "172.504" in body and "212.132" in body and "172,504" not in body


def test_the_number_filter_follows_the_language(app):
    """The screens' filters: 1,234 and 30.5% in English, 1.234 and 30,5% in Vietnamese."""
    template = "{{ 172504|number }} {{ -1234|signed }} {{ share|percent }} {{ none|signed }}"
    for locale, expected in (("en", "172,504 −1,234 30.5% —"), ("vi", "172.504 −1.234 30,5% —")):
        with app.test_request_context("/"):
            session["locale"] = locale
            refresh()
            rendered = render_template_string(template, share=Decimal("30.5"), none=None)
            assert rendered == expected
