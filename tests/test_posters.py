"""Posters: rendering read back by a QR decoder, the text layer, the replacement flow,
the print queue, batches, scanning a posted code, the command line, and access."""

import io
import threading
from datetime import date, datetime
from pathlib import Path

import lxml.html
import pypdfium2
import pytest
import zxingcpp
from PIL import Image, ImageFilter
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from sqlalchemy import func, insert, select

from fieldapp.config import load_config
from fieldapp.extensions import db
from fieldapp.models import Commune, Inspection, Poster, PosterBatch, Venue
from fieldapp.posters import service
from fieldapp.posters.render import (
    A4_CODE_SIDE,
    QUIET_ZONE_MODULES,
    NoPayload,
    PayloadTooLong,
    PosterText,
    layout_poster,
    poster_pdf,
    poster_png,
    register_fonts,
)
from fieldapp.posters.service import venue_report_url
from tests.factories import PASSWORD, commune_named, inspection_answers

FONT_DIR = Path(load_config()["POSTER_FONT_DIR"])
REPORT_URL = "http://localhost:5000/p/QS-SH-0001"
# Every vowel with every tone mark, and đ, spread over names a venue could have.
TONE_NAMES = [
    "Nhà văn hóa bản Bơ: àáảãạ ằắẳẵặ ầấẩẫậ",
    "Cửa hàng Đức Thịnh: èéẻẽẹ ềếểễệ ìíỉĩị",
    "Trường Mầm non Mường Mìn: òóỏõọ ồốổỗộ ờớởỡợ",
    "Chợ Sơn Điện: ùúủũụ ừứửữự ỳýỷỹỵ đĐ",
]


@pytest.fixture(scope="module", autouse=True)
def fonts():
    register_fonts(FONT_DIR)


def text_for(
    name="Chợ Sơn Hà", payload="https://qr.pccovid.gov.vn/v/QS-SH-0001?k=8F3A", **overrides
) -> PosterText:
    values = {
        "payload": payload,
        "venue_name": name,
        "venue_code": "QS-SH-0001",
        "address": "Bản Na Hồ",
        "commune": "Xã Sơn Hà",
        "district": "huyện Quan Sơn",
        "province": "Thanh Hóa",
        "issuer": "Phòng Văn hóa và Thông tin huyện Quan Sơn",
        "serial": "QS-SH-0001-v2",
        "print_date": date(2026, 11, 22),
        "report_url": REPORT_URL,
    }
    values.update(overrides)
    return PosterText(**values)


def pdf_bytes(texts, page="A4") -> bytes:
    out = io.BytesIO()
    poster_pdf(texts, out, page)
    return out.getvalue()


def raster(pdf: bytes, index=0, dpi=100) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    return document[index].render(scale=dpi / 72).to_pil()


def text_layer(pdf: bytes, index=0) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return document[index].get_textpage().get_text_range()


def codes_of(venue) -> list[str]:
    """What a venue's poster holds, in the order a camera must find them: check-in first."""
    return [venue.qr_payload, venue_report_url(venue.code)]


def decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


@pytest.mark.parametrize("name", TONE_NAMES)
def test_pdf_round_trip_and_exact_text(name):
    payload = f"https://qr.pccovid.gov.vn/v/{len(name)}?venue=" + name
    pdf = pdf_bytes([text_for(name, payload)])
    assert decode(raster(pdf)) == [payload, REPORT_URL]
    assert name in text_layer(pdf).replace("\r", "").replace("\n", " ")


def test_png_round_trip():
    text = text_for(TONE_NAMES[1])
    image = Image.open(io.BytesIO(poster_png(text, FONT_DIR)))
    assert image.size == (1240, 1754)  # A4 at 150 dpi
    assert decode(image) == [text.payload, REPORT_URL]


def photo_of(image: Image.Image, how: str) -> Image.Image:
    """Photos an inspector might take of a printed poster."""
    image = image.convert("L")
    if how == "rotated":
        return image.rotate(17, expand=True, fillcolor=255)
    if how == "small":
        return image.resize((300, round(300 * image.height / image.width)), Image.LANCZOS)
    if how == "blurred":
        return image.filter(ImageFilter.GaussianBlur(2))
    if how == "perspective":
        w, h = image.size
        # Taken from below and to the left: the top of the sheet recedes, tilted.
        corners = [(-0.15 * w, -0.05 * h), (1.15 * w, 0), (w, h), (0, h)]
        coefficients = perspective_coefficients([(0, 0), (w, 0), (w, h), (0, h)], corners)
        return image.transform(
            (w, h), Image.PERSPECTIVE, coefficients, Image.BICUBIC, fillcolor=255
        )
    raise ValueError(how)


def perspective_coefficients(target, source) -> list[float]:
    """Pillow's 8 perspective coefficients sending target corners to source corners
    (the 8x8 linear system solved by Gauss-Jordan elimination)."""
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=False):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    for col in range(8):
        pivot = max(range(col, 8), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(8):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=False)]
    return [rows[i][8] / rows[i][i] for i in range(8)]


@pytest.mark.parametrize("how", ["rotated", "small", "blurred", "perspective"])
def test_photos_of_the_poster_decode(how):
    text = text_for(TONE_NAMES[2])
    poster = raster(pdf_bytes([text]), dpi=150)
    assert decode(photo_of(poster, how))[0] == text.payload


def test_a_dot_below_the_venue_name_clears_the_address_line():
    """ "Bơ Hạ" above "..., tỉnh Thanh Hóa": the dot under ạ stays clearly apart from the
    letters below it (it sat on the h of "Thanh", read as "Thanḥ"): by a quarter of the
    address line's size at least, measured on the glyphs' boxes in the PDF."""
    text = text_for("Nhà văn hóa bản Bơ Hạ", commune="xã Sơn Hà", province="tỉnh Thanh Hóa")
    page = pypdfium2.PdfDocument(pdf_bytes([text]))[0]
    chars = page.get_textpage()
    words = chars.get_text_range()
    left, dot_bottom, right, _top = chars.get_charbox(words.index("Hạ") + 1)
    start = words.index("Bản Na Hồ")
    below = [
        chars.get_charbox(i) for i in range(start, words.index("\r", start)) if words[i].strip()
    ]
    under_the_dot = [box for box in below if box[2] > left and box[0] < right]
    assert under_the_dot, "the address line runs under the dot"
    address = layout_poster(text).lines
    size = next(line.size for line in address if line.text.startswith("Bản Na Hồ"))
    assert min(dot_bottom - box[3] for box in under_the_dot) >= size / 4


def test_a_120_character_name_fits_on_the_page():
    name = (
        "Công ty Trách nhiệm hữu hạn Thương mại Dịch vụ Lâm sản và Vận tải Hành khách "
        "Mường Mìn – Chi nhánh Sơn Điện, Quan Sơn, T"
    )
    assert len(name) == 120
    layout = layout_poster(text_for(name))
    name_lines = [line for line in layout.lines if line.weight == "bold"][2:5]
    assert " ".join(line.text for line in name_lines) == name
    for line in layout.lines:
        assert line.top > 0 and line.top + line.size < layout.height

        width = stringWidth(
            line.text, "BeVietnamPro-Bold" if line.weight == "bold" else "BeVietnamPro", line.size
        )
        assert width <= layout.width - 2 * 10 * mm + 0.01, line.text
    pdf = pdf_bytes([text_for(name)])
    assert decode(raster(pdf)) == [text_for(name).payload, REPORT_URL]


def test_a4_code_is_at_least_15_cm_with_a_clear_quiet_zone():
    layout = layout_poster(text_for())
    side = layout.module_size * len(layout.modules)
    assert side >= 150 * mm and side <= A4_CODE_SIDE + 0.01
    quiet = QUIET_ZONE_MODULES * layout.module_size
    zone_top, zone_bottom = layout.code_top - quiet, layout.code_top + side + quiet
    assert layout.code_left - quiet >= 0 and layout.code_left + side + quiet <= layout.width
    for line in layout.lines:  # no text inside the quiet zone
        assert line.top + line.size <= zone_top or line.top >= zone_bottom, line.text


@pytest.mark.parametrize(("page", "size_mm"), [("A5", (148, 210)), ("A6", (105, 148))])
def test_smaller_sheets(page, size_mm):
    text = text_for(TONE_NAMES[3])
    pdf = pdf_bytes([text], page)
    document = pypdfium2.PdfDocument(pdf)
    width, height = document[0].get_size()
    assert (round(width / mm), round(height / mm)) == size_mm
    assert decode(raster(pdf, dpi=200)) == [text.payload, REPORT_URL]


# --- the second code: a citizen's report about the venue -----------------------------------
# A phone's camera previews at 1280 or 1920 pixels on the long side; the whole sheet fills it.
CAMERA_SIDES = (1280, 1920)


def camera_view(pdf: bytes, long_side: int) -> Image.Image:
    page = pypdfium2.PdfDocument(pdf)[0]
    return page.render(scale=long_side / max(page.get_size())).to_pil().convert("L")


def found(image: Image.Image) -> list[tuple[str, float]]:
    """zxing's results in its order: each code's text and the area it covers in pixels."""
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    out = []
    for result in results:
        p = result.position
        corners = [p.top_left, p.top_right, p.bottom_right, p.bottom_left]
        area = 0.0
        for a, b in zip(corners, [*corners[1:], corners[0]], strict=True):
            area += a.x * b.y - b.x * a.y
        out.append((result.text, abs(area) / 2))
    return out


def assert_check_in_first_and_larger(image: Image.Image, text: PosterText) -> None:
    codes = found(image)
    assert [code for code, _ in codes] == [text.payload, text.report_url]
    (_, check_in_area), (_, report_area) = codes
    assert report_area <= check_in_area / 4


@pytest.mark.parametrize("long_side", CAMERA_SIDES)
@pytest.mark.parametrize("page", ["A4", "A5", "A6"])
def test_both_codes_decode_check_in_first_and_larger(page, long_side):
    text = text_for(TONE_NAMES[0], report_url="https://phananh.example.vn/p/QS-SH-0001")
    assert_check_in_first_and_larger(camera_view(pdf_bytes([text], page), long_side), text)


@pytest.mark.parametrize("page", ["A4", "A6"])
def test_both_codes_decode_from_the_png(page):
    text = text_for(TONE_NAMES[1])
    image = Image.open(io.BytesIO(poster_png(text, FONT_DIR, page)), formats=["PNG"])
    assert_check_in_first_and_larger(image.convert("L"), text)


def code_box(layout, which: str) -> tuple[float, float, float, float, float]:
    """A code's left, top, right and bottom in points, and its quiet zone's width."""
    if which == "check_in":
        modules, left, top, size = (
            layout.modules,
            layout.code_left,
            layout.code_top,
            layout.module_size,
        )
    else:
        modules, left, top, size = (
            layout.report_modules,
            layout.report_left,
            layout.report_top,
            layout.report_module_size,
        )
    side = len(modules) * size
    return left, top, left + side, top + side, QUIET_ZONE_MODULES * size


@pytest.mark.parametrize("code", ["QS-SH-0001", "QS-SH-" + "9" * 34])  # 40: the longest
@pytest.mark.parametrize("page", ["A4", "A5", "A6"])
def test_the_report_code_keeps_apart_from_the_check_in_code(page, code):
    text = text_for(
        TONE_NAMES[0],
        venue_code=code,
        serial=f"{code}-v2",
        report_url=f"https://phananh.example.vn/p/{code}",
    )
    layout = layout_poster(text, page)
    # The check-in code keeps its size: as wide as the sheet allows, 15.5 cm on A4.
    scale = layout.width / layout_poster(text, "A4").width
    assert len(layout.modules) * layout.module_size == pytest.approx(A4_CODE_SIDE * scale)
    left, _top, right, bottom, quiet = code_box(layout, "check_in")
    r_left, r_top, r_right, r_bottom, r_quiet = code_box(layout, "report")
    assert (r_right - r_left) ** 2 <= (right - left) ** 2 / 4
    # Each code's quiet zone holds neither the other code nor any text, inside the page.
    assert r_top >= bottom + quiet and r_top - r_quiet >= bottom
    assert r_left - r_quiet >= 0 and r_right + r_quiet <= layout.width
    assert r_bottom + r_quiet <= layout.height
    label = [line for line in layout.lines if line.weight == "bold" and line.top >= bottom]
    assert " ".join(line.text for line in label).endswith("Phản ánh về địa điểm này")
    boxes = []
    for line in layout.lines:
        line_width = stringWidth(
            line.text, "BeVietnamPro-Bold" if line.weight == "bold" else "BeVietnamPro", line.size
        )
        line_left, line_right = line.x - line_width / 2, line.x + line_width / 2
        beside = line_right <= r_left - r_quiet or line_left >= r_right + r_quiet
        above_or_below = line.top + line.size <= r_top - r_quiet or line.top >= r_bottom + r_quiet
        assert beside or above_or_below, line.text
        assert line_left >= 0 and line_right <= layout.width, line.text
        boxes.append((line_left, line.top, line_right, line.top + line.size, line.text))
    for i, (a_left, a_top, a_right, a_bottom, a_text) in enumerate(boxes):
        for b_left, b_top, b_right, b_bottom, b_text in boxes[i + 1 :]:
            apart = a_right <= b_left or b_right <= a_left or a_bottom <= b_top or b_bottom <= a_top
            assert apart, (a_text, b_text)


@pytest.mark.parametrize("name", [*TONE_NAMES, "Trường " * 20])
def test_on_a4_the_check_in_code_keeps_15_5_cm_whatever_the_name(name):
    layout = layout_poster(text_for(name, report_url="https://phananh.example.vn/p/QS-SH-1"))
    assert len(layout.modules) * layout.module_size == pytest.approx(A4_CODE_SIDE)
    assert len(layout.report_modules) * layout.report_module_size >= 15 * mm


def test_the_poster_s_report_code_leads_to_the_venue_s_report_form(app, client, login, venue):
    app.config["PUBLIC_BASE_URL"] = "https://phananh.example.vn/"
    login()
    pdf = client.get(f"/venues/{venue.id}/poster.pdf").data
    assert decode(camera_view(pdf, 1920)) == [
        venue.qr_payload,
        f"https://phananh.example.vn/p/{venue.code}",
    ]
    assert "Phản ánh về địa điểm này" in text_layer(pdf).replace("\r\n", " ")


def test_scanning_a_poster_reads_its_check_in_code_not_the_report_code(client, login, venue):
    login()
    photo = io.BytesIO()
    text = text_for(payload=venue.qr_payload, report_url=venue_report_url(venue.code))
    camera_view(pdf_bytes([text]), 1920).save(photo, "PNG")
    both = scan(client, venue, photo.getvalue())
    assert both.status_code == 200 and 'data-verdict="own"' in both.get_data(as_text=True)
    only_report = scan(client, venue, payload=venue_report_url(venue.code))
    assert only_report.status_code == 422
    assert 'data-verdict="own"' not in only_report.get_data(as_text=True)
    assert 'data-problem="report_code"' in only_report.get_data(as_text=True)


def test_bad_payloads_are_refused():
    with pytest.raises(NoPayload):
        layout_poster(text_for(payload=""))
    with pytest.raises(PayloadTooLong):
        layout_poster(text_for(payload="x" * 5000))


# --- routes -----------------------------------------------------------------------------


@pytest.fixture
def venue(make_venue):
    return make_venue("Chợ Sơn Hà", qr_payload="https://qr.pccovid.gov.vn/v/QS-SH-0001?k=1")


def test_venue_poster_pdf_and_png(client, login, venue):
    login()
    response = client.get(f"/venues/{venue.id}/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert decode(raster(response.data)) == codes_of(venue)
    assert "QS-" in text_layer(response.data) and "Chợ Sơn Hà" in text_layer(response.data)
    png = client.get(f"/venues/{venue.id}/poster.png?size=A5")
    assert png.mimetype == "image/png"
    assert decode(Image.open(io.BytesIO(png.data), formats=["PNG"])) == codes_of(venue)
    assert client.get(f"/venues/{venue.id}/poster.pdf?size=A9").status_code == 400


def test_venue_without_a_code_is_explained_and_can_get_one(client, login, make_venue):
    login()
    bare = make_venue("Quán nước Bản Bôn", venue_type="shop", qr_payload="")
    response = client.get(f"/venues/{bare.id}/poster.pdf")
    assert response.status_code == 409
    assert "Cấp mã QR của ứng dụng" in response.get_data(as_text=True)
    assert client.post(f"/venues/{bare.id}/payload").status_code == 303
    assert bare.qr_payload.startswith(f"FIELDAPP:{bare.code}:")
    assert decode(raster(client.get(f"/venues/{bare.id}/poster.pdf").data)) == codes_of(bare)


def test_a_payload_too_long_is_explained(client, login, make_venue):
    login()
    long_one = make_venue("Cửa hàng dài", venue_type="shop", qr_payload="x" * 5000)
    response = client.get(f"/venues/{long_one.id}/poster.pdf")
    assert response.status_code == 422 and "quá dài" in response.get_data(as_text=True)


def test_replacement_to_the_print_queue_then_printed_and_delivered(
    record_finding, app, client, login, venue, make_user
):
    login()
    inspection = record_finding(venue, qr_posted="damaged")
    detail = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert 'id="replacement-offer"' in detail
    response = client.post(f"/inspections/{inspection.id}/replacement", data={"print": "queue"})
    assert response.status_code == 303
    poster = db.session.scalar(select(Poster))
    assert (poster.version, poster.serial, poster.state, poster.reason) == (
        2,
        f"{venue.code}-v2",
        "queued",
        "damaged",
    )
    assert poster.inspection_id == inspection.id
    assert f"{venue.code}-v2" in client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert client.get("/posters/queue").status_code == 403  # the office's screen

    client.post("/logout")
    login(make_user("supervisor", role="supervisor"))
    queue = client.get("/posters/queue").get_data(as_text=True)
    assert poster.serial in queue
    assert client.post(f"/posters/{poster.id}/delivered").status_code == 303
    assert poster.state == "queued"  # not printed yet: cannot be delivered
    printed = client.post("/posters/queue/print")
    batch = db.session.scalar(select(PosterBatch))
    assert printed.headers["Location"] == f"/posters/batches/{batch.id}"
    db.session.refresh(poster)
    assert batch.state == "done" and poster.state == "printed"
    download = client.get(f"/posters/batches/{batch.id}/download")
    assert download.mimetype == "application/pdf"
    assert decode(raster(download.data)) == codes_of(venue)
    assert "QS-00001-v2" in text_layer(download.data) or poster.serial in text_layer(download.data)
    client.post(f"/posters/{poster.id}/delivered")
    db.session.refresh(poster)
    assert poster.state == "delivered" and poster.delivered_at is not None


def test_replacement_printed_on_the_spot(record_finding, client, login, venue):
    login()
    inspection = record_finding(venue, qr_posted="missing", checkin_method="staff_scan")
    response = client.post(
        f"/inspections/{inspection.id}/replacement", data={"print": "now", "size": "A5"}
    )
    poster = db.session.scalar(select(Poster))
    assert response.headers["Location"] == f"/posters/{poster.id}.pdf?size=A5"
    assert poster.state == "printed" and poster.reason == "missing"
    pdf = client.get(response.headers["Location"]).data
    assert poster.serial in text_layer(pdf)
    second = record_finding(venue, qr_posted="outdated")
    client.post(f"/inspections/{second.id}/replacement", data={"print": "queue"})
    assert db.session.scalar(select(func.max(Poster.version))) == 3


def test_no_replacement_for_a_posted_code(record_finding, client, login, venue):
    login()
    inspection = record_finding(venue)
    refused = client.post(f"/inspections/{inspection.id}/replacement", data={"print": "now"})
    assert refused.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Poster)) == 0


def test_batch_for_a_commune_with_progress(app, client, login, make_user, make_venue, quan_son):
    login(make_user("supervisor", role="supervisor"))
    trung_xuan = commune_named(quan_son, "Trung Xuân")
    names = ["Trường THCS Trung Xuân", "Trạm Y tế xã Trung Xuân", "Chợ Trung Xuân"]
    for name in names:
        make_venue(name, commune=trung_xuan, venue_type="school")
    uncoded = make_venue("Quán chưa có mã", commune=trung_xuan, qr_payload="")
    make_venue("Quán khác xã", qr_payload="")  # Sơn Hà: not this batch's choice
    response = client.post("/posters/batches", data={"commune": trung_xuan.id, "size": "A6"})
    batch = db.session.scalar(select(PosterBatch))
    assert response.status_code == 303 and batch.total == 3 and batch.page_size == "A6"
    # The page says which venue of the commune the batch left out, and why.
    page = lxml.html.fromstring(client.get(f"/posters/batches/{batch.id}").get_data(as_text=True))
    (left_out,) = page.xpath('//*[@id="batch-left-out"]')
    assert left_out.get("data-left-out") == "1"
    assert [a.get("href") for a in left_out.xpath(".//a")] == [f"/venues/{uncoded.id}"]
    assert "chưa có mã QR đăng ký" in left_out.text_content()
    fragment = client.get(f"/posters/batches/{batch.id}", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "Tải bản PDF" in body and f'id="batch-{batch.id}"' in body
    pdf = client.get(f"/posters/batches/{batch.id}/download").data
    assert len(pypdfium2.PdfDocument(pdf)) == 3
    layer = " ".join(text_layer(pdf, i) for i in range(3))
    for name in names:
        assert name in layer


def test_batch_of_the_venues_flagged_for_replacement(
    record_finding, app, client, login, make_user, make_venue
):
    login()
    damaged = make_venue("Chợ Sơn Hà", qr_payload="P-1")
    fine = make_venue("Trạm Y tế xã Sơn Hà", venue_type="health_station", qr_payload="P-2")
    fixed = make_venue("Trường Tiểu học Sơn Hà", venue_type="school", qr_payload="P-3")
    record_finding(damaged, qr_posted="damaged")
    record_finding(fine)
    record_finding(fixed, qr_posted="outdated")
    record_finding(fixed)  # re-inspected since: the new poster is up
    client.post("/logout")
    login(make_user("supervisor", role="supervisor"))
    client.post("/posters/batches", data={"flagged": "1"})
    batch = db.session.scalar(select(PosterBatch))
    assert batch.venue_ids == str(damaged.id)
    assert decode(raster(client.get(f"/posters/batches/{batch.id}/download").data)) == codes_of(
        damaged
    )


def test_a_running_batch_polls_itself(client, login, make_user, quan_son):
    user = login(make_user("supervisor", role="supervisor"))
    batch = PosterBatch(
        district_id=quan_son.id,
        requested_by_id=user.id,
        total=10,
        done=4,
        state="running",
    )
    db.session.add(batch)
    db.session.commit()
    body = client.get(f"/posters/batches/{batch.id}", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert 'hx-trigger="load delay:1s"' in body and "4 / 10" in body
    assert client.get(f"/posters/batches/{batch.id}/download").status_code == 404


def poster_photo(venue_text: PosterText) -> bytes:
    image = photo_of(raster(pdf_bytes([venue_text]), dpi=120), "rotated")
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG")
    return out.getvalue()


def scan(client, venue, photo: bytes | None = None, payload: str | None = None):
    data = {"payload": payload} if payload else {"photo": (io.BytesIO(photo), "scan.jpg")}
    return client.post(
        f"/venues/{venue.id}/scan",
        data=data,
        content_type="multipart/form-data",
        headers={"HX-Request": "true"},
    )


def test_scanning_the_posted_code(client, login, venue, make_venue):
    login()
    neighbour = make_venue(
        "Trạm Y tế xã Sơn Hà",
        venue_type="health_station",
        qr_payload="https://qr.pccovid.gov.vn/v/QS-SH-0099?k=2",
    )
    own = scan(client, venue, poster_photo(text_for(payload=venue.qr_payload)))
    assert own.status_code == 200 and 'data-verdict="own"' in own.get_data(as_text=True)
    other = scan(client, venue, poster_photo(text_for(payload=neighbour.qr_payload)))
    body = other.get_data(as_text=True)
    assert 'data-verdict="other_venue"' in body and "Trạm Y tế xã Sơn Hà" in body
    unknown = scan(client, venue, payload="https://example.org/not-registered")
    assert 'data-verdict="unknown"' in unknown.get_data(as_text=True)


def test_scanning_bad_photos_says_what_to_do(client, login, venue):
    login()
    blank = io.BytesIO()
    Image.new("RGB", (400, 400), "white").save(blank, "PNG")
    none = scan(client, venue, blank.getvalue())
    assert none.status_code == 422 and "Không tìm thấy mã QR" in none.get_data(as_text=True)
    assert "không phải là ảnh" in scan(client, venue, b"%PDF-1.4").get_data(as_text=True)
    two = Image.new("L", (2600, 1800), 255)
    for i, payload in enumerate(["A-1", "B-2"]):
        code = Image.open(io.BytesIO(poster_png(text_for(payload=payload), FONT_DIR, "A6", 100)))
        two.paste(code, (i * 1300 + 50, 100))
    out = io.BytesIO()
    two.save(out, "PNG")
    several = scan(client, venue, out.getvalue())
    assert several.status_code == 422 and "nhiều hơn một mã" in several.get_data(as_text=True)


def test_scan_page_opens_the_venue(client, login, venue):
    login()
    response = client.post(
        "/scan",
        data={"photo": (io.BytesIO(poster_photo(text_for(payload=venue.qr_payload))), "scan.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/venues/{venue.id}"
    unknown = client.post("/scan", data={"payload": "zzz"})
    assert unknown.status_code == 404 and "Mã lạ" in unknown.get_data(as_text=True)


def test_the_inspection_keeps_what_was_scanned(record_finding, client, login, venue, make_venue):
    login()
    neighbour = make_venue(
        "Trạm Y tế xã Sơn Hà",
        venue_type="health_station",
        qr_payload="https://qr.pccovid.gov.vn/v/QS-SH-0099?k=2",
    )
    inspection = record_finding(venue, scanned_payload=neighbour.qr_payload, qr_matches="no")
    assert inspection.scan_verdict == "other_venue"
    assert inspection.scanned_payload == neighbour.qr_payload
    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert "Mã của địa điểm khác" in page


# --- access -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"), [("inspector", 403), ("supervisor", 200), ("admin", 200)]
)
def test_print_queue_is_the_office_s(client, login, role, status):
    login(username=role, role=role)
    assert client.get("/posters/queue").status_code == status


def test_another_district_gets_no_poster(
    record_finding, client, login, make_user, other_district, venue
):
    inspection = None
    login()
    inspection = record_finding(venue, qr_posted="damaged")
    client.post(f"/inspections/{inspection.id}/replacement", data={"print": "queue"})
    poster = db.session.scalar(select(Poster))
    client.post("/logout")
    login(make_user("yc", role="supervisor", district=other_district))
    for url in (
        f"/venues/{venue.id}/poster.pdf",
        f"/venues/{venue.id}/poster.png",
        f"/posters/{poster.id}.pdf",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/inspections/{inspection.id}/replacement").status_code in (403, 404)
    assert client.post(f"/posters/{poster.id}/delivered").status_code == 404
    assert client.post(f"/venues/{venue.id}/scan", data={"payload": "x"}).status_code == 404
    assert poster.serial not in client.get("/posters/queue").get_data(as_text=True)


# --- the new poster offered after a finding, issued once -----------------------------------


def offer_state(client, inspection) -> tuple[str | None, str | None]:
    """What the finding's page says of its new poster: ("offered", None) with the buttons,
    ("issued", "<serial> <state>") once issued, (None, None) when none is called for."""
    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    if 'id="replacement"' not in page:
        return None, None
    if 'data-replacement="offered"' in page:
        assert 'id="replacement-offer"' in page and 'value="now"' in page
        return "offered", None
    assert 'data-replacement="issued"' in page
    assert 'id="replacement-offer"' not in page and 'name="print"' not in page
    issued = page.split('id="replacement-issued" data-serial="')[1]
    serial, rest = issued.split('"', 1)
    state = rest.split('data-state="')[1].split('"')[0]
    return "issued", f"{serial} {state}"


def posters_of(inspection) -> list[Poster]:
    db.session.expire_all()
    return list(db.session.scalars(select(Poster).where(Poster.venue_id == inspection.venue_id)))


def test_a_finding_of_a_missing_code_opens_on_its_page_with_the_offer(
    post_finding, client, login, venue
):
    """After saving, a finding that calls for a new poster opens on its own page (the form's
    answer and the outbox's JSON say so), which offers both buttons; a posted code opens the
    venue's page and offers nothing."""
    login()
    response = post_finding(venue, qr_posted="missing", checkin_method="staff_scan")
    inspection = db.session.scalar(select(Inspection).order_by(Inspection.id.desc()))
    assert response.headers["Location"] == f"/inspections/{inspection.id}"
    assert offer_state(client, inspection) == ("offered", None)
    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    section = page.split('id="replacement"')[1].split("</section>")[0]
    assert "Cấp và in ngay" in section and "Đưa vào hàng chờ in" in section
    assert "Bản in mã QR mới" in section and "poster" not in section.lower()

    as_json = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(qr_posted="damaged"),
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    ).get_json()
    assert as_json["next_url"] == f"/inspections/{as_json['inspection_id']}"
    assert as_json["venue_url"] == f"/venues/{venue.id}"

    posted = post_finding(venue)
    assert posted.headers["Location"] == f"/venues/{venue.id}"
    visible = db.session.scalar(select(Inspection).order_by(Inspection.id.desc()))
    assert offer_state(client, visible) == (None, None)


def test_the_new_poster_is_issued_once_per_finding(record_finding, client, login, make_user, venue):
    """A double tap, the other button, or a second person: one version for one finding;
    every later post answers with it. Then the page shows "Đã cấp <serial>" and its state to
    the inspector and the supervisor alike, with no button to issue another."""
    inspector = login()
    inspection = record_finding(venue, qr_posted="damaged")
    first = client.post(f"/inspections/{inspection.id}/replacement", data={"print": "queue"})
    assert first.status_code == 303
    assert first.headers["Location"] == f"/inspections/{inspection.id}#replacement"
    again = client.post(f"/inspections/{inspection.id}/replacement", data={"print": "queue"})
    now = client.post(f"/inspections/{inspection.id}/replacement", data={"print": "now"})
    assert again.status_code == now.status_code == 303
    assert now.headers["Location"] == f"/inspections/{inspection.id}#replacement"
    [poster] = posters_of(inspection)
    assert (poster.serial, poster.state, poster.inspection_id) == (
        f"{venue.code}-v2",
        "queued",
        inspection.id,
    )
    shown = client.get(now.headers["Location"]).get_data(as_text=True)
    assert f"{venue.code}-v2" in shown and f"Đã cấp {venue.code}-v2" in shown
    assert offer_state(client, inspection) == ("issued", f"{venue.code}-v2 queued")

    supervisor = login(make_user("supervisor", role="supervisor"))
    assert offer_state(client, inspection) == ("issued", f"{venue.code}-v2 queued")
    client.post(f"/inspections/{inspection.id}/replacement", data={"print": "now"})
    assert len(posters_of(inspection)) == 1
    client.post("/posters/queue/print")  # the office prints its queue
    assert offer_state(client, inspection) == ("issued", f"{venue.code}-v2 printed")
    login(inspector)
    assert offer_state(client, inspection) == ("issued", f"{venue.code}-v2 printed")
    assert supervisor.can_review


def test_the_supervisor_issues_and_prints_at_once(record_finding, client, login, make_user, venue):
    login()
    inspection = record_finding(venue, qr_posted="outdated")
    login(make_user("supervisor", role="supervisor"))
    assert offer_state(client, inspection) == ("offered", None)
    response = client.post(f"/inspections/{inspection.id}/replacement", data={"print": "now"})
    [poster] = posters_of(inspection)
    assert response.headers["Location"] == f"/posters/{poster.id}.pdf?size=A4"
    assert (poster.state, poster.reason) == ("printed", "outdated")
    assert offer_state(client, inspection) == ("issued", f"{poster.serial} printed")


def test_who_may_issue_the_new_poster(
    record_finding, client, login, make_user, other_district, venue
):
    """The poster rules: inspectors and supervisors of the district issue; an admin sees
    the state but no button and is refused; another district does not see the finding."""
    login()
    inspection = record_finding(venue, qr_posted="missing", checkin_method="staff_scan")
    login(make_user("admin", role="admin"))
    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert 'id="replacement"' in page and 'name="print"' not in page
    assert client.post(f"/inspections/{inspection.id}/replacement").status_code == 403
    for role in ("inspector", "supervisor"):
        login(make_user(f"yc-{role}", role=role, district=other_district))
        assert client.get(f"/inspections/{inspection.id}").status_code == 404
        refused = client.post(f"/inspections/{inspection.id}/replacement", data={"print": "now"})
        assert refused.status_code == 404
    assert posters_of(inspection) == []
    login(make_user("inspector2"))  # any inspector of the district
    client.post(f"/inspections/{inspection.id}/replacement", data={"print": "queue"})
    assert len(posters_of(inspection)) == 1


def test_a_post_that_says_neither_now_nor_queue_issues_nothing(
    record_finding, client, login, venue
):
    login()
    inspection = record_finding(venue, qr_posted="damaged")
    for form in ({}, {"print": "later"}):
        response = client.post(f"/inspections/{inspection.id}/replacement", data=form)
        assert response.status_code == 400
        assert "Đưa vào hàng chờ in" in response.get_data(as_text=True)
    assert posters_of(inspection) == []
    assert offer_state(client, inspection) == ("offered", None)


def test_a_post_that_passed_the_look_up_still_issues_nothing_new(
    record_finding, client, login, venue, monkeypatch
):
    """The race itself: a second request that looked before the first committed (the
    look-up finds nothing) is stopped by the unique column, not by the look-up, and
    answers with the first request's poster."""
    login()
    inspection = record_finding(venue, qr_posted="damaged")
    client.post(f"/inspections/{inspection.id}/replacement", data={"print": "queue"})
    looked = []
    real = service.poster_for_finding

    def blind_first_look(finding):
        looked.append(finding.id)
        return None if len(looked) == 1 else real(finding)

    monkeypatch.setattr(service, "poster_for_finding", blind_first_look)
    response = client.post(f"/inspections/{inspection.id}/replacement", data={"print": "now"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/inspections/{inspection.id}#replacement"
    [poster] = posters_of(inspection)
    assert poster.state == "queued" and len(looked) == 1  # found again after the refusal


def test_racing_requests_for_one_finding_issue_one_poster(app, record_finding, login, venue):
    """Six people tap at the same moment, on both engines: one poster, every answer a 303."""
    inspector = login()
    inspection = record_finding(venue, qr_posted="damaged")
    inspection_id = inspection.id
    username = inspector.username  # read here: the threads have no application context
    clients = [app.test_client() for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    statuses, failures = [], []

    def tap(client, how):
        try:
            client.post("/login", data={"username": username, "password": PASSWORD})
            barrier.wait()
            response = client.post(f"/inspections/{inspection_id}/replacement", data={"print": how})
            statuses.append(response.status_code)
        except Exception as error:  # a thread's exception is otherwise lost
            failures.append(error)

    threads = [
        threading.Thread(target=tap, args=(client, "now" if n % 2 else "queue"))
        for n, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert statuses == [303] * len(clients)
    [poster] = posters_of(inspection)
    assert poster.inspection_id == inspection_id and poster.version == 2


# --- command line -------------------------------------------------------------------------


def test_posters_command(app, venue, make_venue, quan_son, tmp_path):
    runner = app.test_cli_runner()
    one = tmp_path / "one.pdf"
    result = runner.invoke(args=["posters", "--venue", venue.code, "-o", str(one)])
    assert result.exit_code == 0, result.output
    assert decode(raster(one.read_bytes())) == codes_of(venue)
    png = tmp_path / "one.png"
    assert runner.invoke(args=["posters", "--venue", venue.code, "-o", str(png)]).exit_code == 0
    assert decode(Image.open(png, formats=["PNG"])) == codes_of(venue)
    make_venue("Trạm Y tế xã Sơn Hà", venue_type="health_station")
    batch = tmp_path / "son-ha.pdf"
    result = runner.invoke(
        args=["posters", "--commune", "xa son ha", "--district", "Quan Sơn", "-o", str(batch)]
    )
    assert result.exit_code == 0, result.output
    assert len(pypdfium2.PdfDocument(batch.read_bytes())) == 2
    assert runner.invoke(args=["posters", "--venue", "NOPE", "-o", str(one)]).exit_code == 1
    assert (
        runner.invoke(
            args=["posters", "--commune", "Sơn Hà", "-o", str(tmp_path / "x.png")]
        ).exit_code
        == 2
    )


def test_posters_command_finds_the_commune_s_district(
    app, make_venue, quan_son, other_district, tmp_path
):
    """With several districts, a commune's name found in one of them needs no --district
    (matched as every place name is: without prefix or diacritics)."""
    runner = app.test_cli_runner()
    make_venue("Chợ Trung Xuân", commune=commune_named(quan_son, "Trung Xuân"))
    out = tmp_path / "trung-xuan.pdf"
    result = runner.invoke(args=["posters", "--commune", "xa trung xuan", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 posters for Trung Xuân (Quan Sơn)" in result.output
    assert len(pypdfium2.PdfDocument(out.read_bytes())) == 1


def test_posters_command_asks_which_district_when_the_name_repeats(
    app, make_venue, quan_son, other_district, tmp_path
):
    """Two districts have a Sơn Hà: the command names both, says how to choose, exits 2 and
    writes nothing; with --district it makes that district's batch."""
    db.session.add(Commune(name="Sơn Hà", kind="xa", district=other_district))
    db.session.commit()
    make_venue("Chợ Sơn Hà")
    runner = app.test_cli_runner()
    out = tmp_path / "son-ha.pdf"
    result = runner.invoke(args=["posters", "--commune", "Sơn Hà", "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert "Sơn Hà in Quan Sơn (Thanh Hóa)" in result.output
    assert "Sơn Hà in Yên Châu (Sơn La)" in result.output
    assert "--district" in result.output
    chosen = runner.invoke(
        args=["posters", "--commune", "Sơn Hà", "--district", "quan son", "-o", str(out)]
    )
    assert chosen.exit_code == 0, chosen.output
    assert "(Quan Sơn)" in chosen.output and out.exists()


def test_posters_command_refuses_an_unknown_commune(
    app, make_venue, quan_son, other_district, tmp_path
):
    runner = app.test_cli_runner()
    out = tmp_path / "x.pdf"
    result = runner.invoke(args=["posters", "--commune", "Mường Lát", "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert "No commune named Mường Lát in any district" in result.output
    in_district = runner.invoke(
        args=["posters", "--commune", "Mường Lát", "--district", "Quan Sơn", "-o", str(out)]
    )
    assert in_district.exit_code == 2
    assert "Communes: Sơn Hà, Sơn Lư, Trung Xuân" in in_district.output


def test_province_supervisor_batches_belong_to_the_venues_district(
    app, client, login, make_user, make_venue, quan_son, neighbour_district
):
    cam_chau = neighbour_district.communes[0]
    make_venue("Chợ Cẩm Châu", commune=cam_chau)
    make_venue("Chợ Sơn Hà")
    login(make_user("tinh", role="supervisor", scope="province"))  # office in Quan Sơn
    client.post("/posters/batches", data={"commune": cam_chau.id})
    batch = db.session.scalar(select(PosterBatch))
    assert batch.district_id == neighbour_district.id
    whole = client.post("/posters/batches", data={}, follow_redirects=True)
    assert "nhiều huyện" in whole.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PosterBatch)) == 1
    client.post("/logout")
    login(make_user("huyen", role="supervisor"))  # Quan Sơn's own supervisor
    assert client.get(f"/posters/batches/{batch.id}").status_code == 404


def test_a_whole_province_batch_is_refused_whatever_its_number_of_venues(
    app, client, login, make_user, make_venue, quan_son, neighbour_district
):
    """More venues than a statement may carry ids (PostgreSQL takes at most 65,535
    parameters): the province supervisor is asked to choose, never answered 500."""
    cam_chau = neighbour_district.communes[0]
    db.session.execute(
        insert(Venue),
        [
            {
                "code": f"CT-{n:06d}",
                "name": f"Cửa hàng {n}",
                "venue_type": "shop",
                "commune_id": cam_chau.id,
                "qr_payload": f"PCCOVID|CT-{n:06d}",
                "search_key": f"cua hang {n} ct-{n:06d}",
                "created_at": datetime(2021, 11, 1),
            }
            for n in range(66_000)
        ],
    )
    db.session.commit()
    make_venue("Chợ Sơn Hà")
    login(make_user("tinh", role="supervisor", scope="province"))
    whole = client.post("/posters/batches", data={}, follow_redirects=True)
    assert whole.status_code == 200
    assert "nhiều huyện" in whole.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PosterBatch)) == 0


@pytest.mark.parametrize("commune", ["other", "abc", "99999999"])
def test_a_batch_posted_with_another_districts_commune_is_refused(
    app, client, login, make_user, make_venue, quan_son, other_district, commune
):
    """A forged or stale commune id used to become a batch of the whole district."""
    make_venue("Chợ Sơn Hà")
    login(make_user("supervisor", role="supervisor"))
    value = other_district.communes[0].id if commune == "other" else commune
    response = client.post("/posters/batches", data={"commune": value})
    assert response.status_code == 422
    assert "Đơn vị cấp xã này không thuộc huyện của bạn" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PosterBatch)) == 0


def test_a_posted_code_that_is_not_the_venue_s_own_calls_for_a_new_poster(
    record_finding, client, login, venue, make_venue, make_user
):
    login()
    inspection = record_finding(venue, qr_posted="visible", qr_matches="no")
    assert offer_state(client, inspection) == ("offered", None)
    response = client.post(f"/inspections/{inspection.id}/replacement", data={"print": "queue"})
    assert response.status_code == 303
    poster = db.session.scalar(select(Poster).where(Poster.inspection_id == inspection.id))
    assert poster.reason == "not_own"
    page = client.get(f"/venues/{venue.id}").get_data(as_text=True)
    assert "Không phải mã của địa điểm" in page
    # Its own code posted: nothing to offer.
    other = make_venue("Trạm Y tế xã Sơn Hà", venue_type="health_station", qr_payload="P-2")
    assert offer_state(client, record_finding(other, qr_matches="yes")) == (None, None)
    client.post("/logout")
    login(make_user("supervisor", role="supervisor"))
    client.post("/posters/batches", data={"flagged": "1"})
    assert db.session.scalar(select(PosterBatch)).venue_ids == str(venue.id)
