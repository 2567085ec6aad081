"""Uploaded photos: JPEG, PNG or WebP only, refused undecoded past the pixel limit, kept as
JPEG without EXIF. A 14 KB PNG announcing 10,900 × 10,900 pixels must not reach the decoder
on the inspection form, the outbox's JSON or the scan pages."""

import io
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Inspection
from tests.factories import huge_png, inspection_answers, jpeg_bytes

HUGE = huge_png()


@pytest.fixture
def venue(make_venue):
    return make_venue("Chợ Sơn Hà", latitude=20.256, longitude=104.942)


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def post(client, venue, photo: bytes, name="photo.png", headers=None, **answers):
    return client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(photos=(io.BytesIO(photo), name), **answers),
        headers=headers or {},
        content_type="multipart/form-data",
    )


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_the_huge_png_is_tiny_and_announces_a_hundred_megapixels():
    assert len(HUGE) < 20_000
    with Image.open(io.BytesIO(HUGE)) as image:
        assert image.size == (10_900, 10_900)


def test_the_form_refuses_a_huge_png_without_decoding_it(app, client, login, venue, monkeypatch):
    login()
    decoded = []
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", lambda image: decoded.append(image.size))
    response = post(client, venue, HUGE, name="bomb.png")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "bomb.png có hơn 40 megapixel" in body
    assert decoded == []
    assert stored_files(app) == []
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_the_outbox_json_refuses_a_huge_png_without_decoding_it(
    app, client, login, venue, monkeypatch
):
    login()
    decoded = []
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", lambda image: decoded.append(image.size))
    response = post(client, venue, HUGE, name="bomb.png", headers={"Accept": "application/json"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["photos"]
    assert any("40 megapixel" in message for message in errors)
    assert decoded == [] and stored_files(app) == []


def test_the_pixel_limit_is_a_setting(app, client, login, venue):
    login()
    app.config["MAX_PHOTO_PIXELS"] = 640 * 480 - 1
    refused = post(client, venue, jpeg_bytes((640, 480)), headers={"Accept": "application/json"})
    assert refused.status_code == 422
    app.config["MAX_PHOTO_PIXELS"] = 640 * 480
    assert post(client, venue, jpeg_bytes((640, 480)), uuid=str(uuid.uuid4())).status_code == 303


@pytest.mark.parametrize("kind", ["GIF", "BMP", "TIFF"])
def test_only_jpeg_png_and_webp_are_opened(app, client, login, venue, kind):
    login()
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(out, kind)
    response = post(client, venue, out.getvalue(), name=f"photo.{kind.lower()}")
    assert response.status_code == 422
    assert "không phải là ảnh" in response.get_data(as_text=True)
    assert stored_files(app) == []


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_png_and_webp_are_kept_as_jpeg(app, client, login, venue, kind):
    login()
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(out, kind)
    assert post(client, venue, out.getvalue()).status_code == 303
    (path,) = stored_files(app)
    with Image.open(path) as kept:
        assert kept.format == "JPEG"


def test_a_photo_is_kept_without_its_exif(app, client, login, venue):
    login()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x013B] = "Nguyễn Văn A"  # Artist
    exif[0x8825] = {2: (20.0, 15.0, 21.0)}  # GPS latitude
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "blue").save(out, "JPEG", exif=exif)
    with Image.open(io.BytesIO(out.getvalue())) as sent:
        assert sent.getexif()[0x010F] == "PhoneMaker"
    assert post(client, venue, out.getvalue(), name="photo.jpg").status_code == 303
    (path,) = stored_files(app)
    raw = path.read_bytes()
    assert b"Exif" not in raw and b"PhoneMaker" not in raw
    with Image.open(path) as kept:
        assert dict(kept.getexif()) == {} and "exif" not in kept.info


def scan_post(client, url, photo: bytes, headers=None):
    return client.post(
        url,
        data={"photo": (io.BytesIO(photo), "scan.png")},
        content_type="multipart/form-data",
        headers=headers or {},
    )


def test_the_scan_pages_refuse_a_huge_png_without_decoding_it(client, login, venue, monkeypatch):
    login()
    decoded = []
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", lambda image: decoded.append(image.size))
    for url, headers in ((f"/venues/{venue.id}/scan", {"HX-Request": "true"}), ("/scan", {})):
        response = scan_post(client, url, HUGE, headers)
        assert response.status_code == 422
        assert "hơn 40 megapixel" in response.get_data(as_text=True)
    assert decoded == []


def test_the_scan_pages_open_only_jpeg_png_and_webp(client, login, venue):
    login()
    out = io.BytesIO()
    Image.new("L", (400, 400), 255).save(out, "TIFF")
    response = scan_post(client, "/scan", out.getvalue())
    assert response.status_code == 422 and "không phải là ảnh" in response.get_data(as_text=True)
