"""The GPS and photo limits come from the settings, on the server and on the phone."""

import io
import re
from pathlib import Path

import pypdfium2
import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Inspection
from tests.factories import inspection_answers, jpeg_bytes


@pytest.fixture
def limits(app):
    """Settings other than the defaults (100 m, 300 m, 6 photos, 1600 px)."""
    app.config.update(
        GPS_MAX_ACCURACY_M=50, GPS_MAX_DISTANCE_M=250, MAX_PHOTOS=4, PHOTO_MAX_SIDE=1200
    )
    return app.config


@pytest.fixture
def venue(make_venue):
    return make_venue("Chợ Sơn Hà", latitude=20.2560, longitude=104.9420)


def photos(n: int) -> list:
    return [(io.BytesIO(jpeg_bytes((640, 480), (40 * i, 0, 0))), f"{i}.jpg") for i in range(n)]


# 20.2585 is about 280 m north of the venue: beyond 250 m, within the default 300 m.
FAR = {"latitude": "20.2585", "longitude": "104.9420", "gps_accuracy": "70"}


def test_gps_warnings_use_the_configured_limits(post_finding, client, login, venue, limits):
    login()
    assert post_finding(venue, **FAR).status_code == 303
    inspection = db.session.scalar(select(Inspection))
    assert inspection.warning_list == ["low_accuracy", "far_from_venue"]
    assert 250 < inspection.gps_distance_m < 300

    expected = ("Độ chính xác GPS kém hơn 50 m", "Cách vị trí đăng ký của địa điểm hơn 250 m")
    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    document = pypdfium2.PdfDocument(client.get(f"/inspections/{inspection.id}.pdf").data)
    pdf = " ".join(
        " ".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document))
    )
    answers = inspection_answers(**FAR)
    del answers["photos"]
    preview = client.post(
        f"/venues/{venue.id}/inspections/preview", data=answers, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    for text in expected:
        assert text in page and text in pdf and text in preview, text
    for shown in (page, pdf, preview):
        assert "100 m" not in shown and "300 m" not in shown


def test_within_the_default_limits_is_no_warning_with_wider_settings(
    post_finding, client, login, venue, app
):
    app.config.update(GPS_MAX_ACCURACY_M=100, GPS_MAX_DISTANCE_M=1000)
    login()
    post_finding(venue, **FAR)
    assert db.session.scalar(select(Inspection)).warning_list == []


def test_the_form_hands_the_photo_limits_to_the_phone(post_finding, client, login, venue, limits):
    user = login()
    page = client.get(f"/venues/{venue.id}/inspections/new").get_data(as_text=True)
    form = re.search(r'<form id="inspection-form"[^>]*>', page).group(0)
    assert 'data-max-photos="4"' in form and 'data-photo-max-side="1200"' in form
    post_finding(venue)
    inspection = db.session.scalar(select(Inspection))
    assert inspection.inspector_id == user.id
    correction = client.get(f"/inspections/{inspection.id}/edit").get_data(as_text=True)
    form = re.search(r'<form id="inspection-form"[^>]*>', correction).group(0)
    assert 'data-max-photos="4"' in form and 'data-photo-max-side="1200"' in form


def test_the_offline_script_has_no_limits_of_its_own():

    script = (Path(__file__).resolve().parent.parent / "static/js/offline.js").read_text()
    assert 'getAttribute("data-max-photos")' in script
    assert 'getAttribute("data-photo-max-side")' in script
    assert "1600" not in script and not re.search(r"MAX_PHOTOS\s*=\s*\d", script)


def test_the_server_refuses_a_fifth_photo(post_finding, client, login, venue, limits):
    login()
    response = post_finding(venue, photos=photos(5))
    assert response.status_code == 422
    assert "Tối đa 4 ảnh" in response.get_data(as_text=True)
    assert db.session.scalar(select(Inspection)) is None
    assert post_finding(venue, photos=photos(4)).status_code == 303
    assert len(db.session.scalar(select(Inspection)).photos) == 4


def test_a_post_with_more_photos_than_the_limit_opens_none_of_them(
    post_finding, client, login, venue, limits, monkeypatch
):
    """Decoding is what a photo costs (a 40-megapixel PNG of 130 KB takes most of a second):
    twenty in one post are refused by their number before any is opened."""
    login()
    opened = []
    monkeypatch.setattr(
        "fieldapp.inspections.service.keep_photo", lambda *args: opened.append(args)
    )
    for headers in ({}, {"Accept": "application/json"}):
        response = client.post(
            f"/venues/{venue.id}/inspections",
            data=inspection_answers(photos=photos(20)),
            headers=headers,
            content_type="multipart/form-data",
        )
        said = response.get_json() if headers else response.get_data(as_text=True)
        assert response.status_code == 422 and "Tối đa 4 ảnh" in str(said)
    assert opened == []
    assert db.session.scalar(select(Inspection)) is None


def test_the_plain_form_drops_the_photos_of_a_post_that_goes_past_the_limit(
    post_finding, client, login, venue, limits
):
    login()
    uid = "3f1d2c4b-5a69-4e7f-8a1b-2c3d4e5f6a7b"
    assert post_finding(venue, uuid=uid, qr_posted=None, photos=photos(3)).status_code == 422
    too_many = post_finding(venue, uuid=uid, photos=photos(5)[3:])
    assert too_many.status_code == 422
    assert "2 ảnh vừa gửi chưa được lưu. Hãy chọn tối đa 1 ảnh." in too_many.get_data(as_text=True)
    assert post_finding(venue, uuid=uid, photos=None).status_code == 303
    assert len(db.session.scalar(select(Inspection)).photos) == 3


def test_the_outbox_gets_the_same_refusal(client, login, venue, limits):
    login()
    json_response = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(photos=photos(5)),
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert json_response.status_code == 422
    assert "Tối đa 4 ảnh" in json_response.get_json()["errors"]["photos"][0]


def test_a_correction_cannot_go_past_the_photo_limit(post_finding, client, login, venue, limits):
    login()
    post_finding(venue, photos=photos(3))
    inspection = db.session.scalar(select(Inspection))
    answers = inspection_answers(uuid=inspection.uuid, photos=photos(5)[3:])
    response = client.post(
        f"/inspections/{inspection.id}/edit", data=answers, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and "Tối đa 4 ảnh" in response.get_data(as_text=True)
    db.session.refresh(inspection)
    assert len(inspection.photos) == 3
    # The refused photos are not kept: the correction goes through without them.
    answers = inspection_answers(uuid=inspection.uuid, photos=photos(5)[3:4])
    assert (
        client.post(
            f"/inspections/{inspection.id}/edit", data=answers, content_type="multipart/form-data"
        ).status_code
        == 303
    )
    db.session.refresh(inspection)
    assert len(inspection.photos) == 4


def test_photos_are_kept_at_the_configured_size(post_finding, client, login, venue, limits):
    login()
    post_finding(venue, photos=(io.BytesIO(jpeg_bytes((2400, 1800))), "big.jpg"))
    [photo] = db.session.scalar(select(Inspection)).photos
    assert (photo.width, photo.height) == (1200, 900)
