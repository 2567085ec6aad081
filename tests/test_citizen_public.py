"""The citizens' public pages (/phan-anh, /p/<venue code>, /phan-anh/<tracking code>) and
the office's form for reports that arrive by telephone, hotline or the national system."""

import gzip
import io
import re
from datetime import datetime
from urllib.parse import urlsplit

import lxml.html
import pytest
from flask_babel import refresh
from PIL import Image
from sqlalchemy import func, select

from fieldapp import storage
from fieldapp.citizens.intake import PHOTO_PREFIX, receive_report
from fieldapp.citizens.service import reject
from fieldapp.extensions import db, limiter
from fieldapp.models import CitizenReport
from fieldapp.posters.service import venue_report_url
from tests.factories import commune_named, huge_png, jpeg_bytes

HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


@pytest.fixture
def venue(make_venue):
    return make_venue("Chợ Sơn Hà", address="Bản Na Hồ")


def stored() -> list[CitizenReport]:
    return list(db.session.scalars(select(CitizenReport).order_by(CitizenReport.id)))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(CitizenReport))


def text(response) -> str:
    return response.get_data(as_text=True)


def general(chosen, **fields) -> dict:
    """The general form's post for a venue (venue="" for a place; an empty value is left out)."""
    data = {"commune": str(chosen.commune_id), "venue": str(chosen.id), "problem": "no_qr"}
    data.update(fields)
    return {key: value for key, value in data.items() if value not in (None, "")}


# The general form, step by step, without log-in and without scripts.


def test_the_general_form_offers_districts_then_communes_then_venues(
    client, venue, quan_son, other_district
):
    first = client.get("/phan-anh")
    assert first.status_code == 200
    page = text(first)
    assert 'id="where-district"' in page and "Quan Sơn" in page and "Yên Châu" in page
    assert 'id="where-commune"' not in page and 'id="report-form"' not in page
    assert "/login" not in page and "menu-body" not in page  # the public layout

    communes = text(client.get(f"/phan-anh?district={quan_son.id}"))
    assert 'id="where-commune"' in communes
    assert "Sơn Lư" in communes and "Chiềng Đông" not in communes

    # Words without accents find the venue (the venue search's matching).
    found = text(
        client.get(f"/phan-anh?district={quan_son.id}&commune={venue.commune_id}&q=cho son ha")
    )
    assert 'id="report-form"' in found and f'name="venue" value="{venue.id}"' in found
    none = text(client.get(f"/phan-anh?district={quan_son.id}&commune={venue.commune_id}&q=truong"))
    assert 'id="no-venue-found"' in none and f'name="venue" value="{venue.id}"' not in none
    # An emoji or punctuation alone lists nothing, and says what to type.
    for junk in ("😀", "..."):
        listed = text(
            client.get(
                "/phan-anh",
                query_string={"district": quan_son.id, "commune": venue.commune_id, "q": junk},
            )
        )
        assert 'id="no-venue-found"' in listed and "Chưa có chữ hoặc số để tìm" in listed
        assert f'name="venue" value="{venue.id}"' not in listed


def test_the_venue_list_alone_for_htmx(client, venue, quan_son):
    response = client.get(
        f"/phan-anh?district={quan_son.id}&commune={venue.commune_id}&q=son ha",
        headers={"HX-Request": "true"},
    )
    fragment = text(response)
    assert response.status_code == 200 and "<html" not in fragment
    assert fragment.lstrip().startswith('<fieldset class="field choices venue-choices')
    assert f'value="{venue.id}"' in fragment


def test_a_commune_of_another_district_than_the_one_chosen_is_dropped(
    client, venue, quan_son, other_district
):
    page = text(client.get(f"/phan-anh?district={other_district.id}&commune={venue.commune_id}"))
    assert 'id="report-form"' not in page and "Chợ Sơn Hà" not in page


# Sending a report.


def test_a_report_from_the_general_form(client, venue):
    response = client.post("/phan-anh", data=general(venue, details="Không thấy mã ở cổng"))
    assert response.status_code == 303
    (report,) = stored()
    assert response.headers["Location"] == f"/phan-anh/{report.tracking_code}"
    assert (report.venue_id, report.commune_id, report.channel) == (
        venue.id,
        venue.commune_id,
        "web",
    )
    assert report.problem == "no_qr" and report.details == "Không thấy mã ở cổng"
    assert report.entered_by_id is None and report.state == "new"
    page = text(client.get(response.headers["Location"]))
    assert report.tracking_code in page and 'id="flash-1"' in page


def test_a_place_not_in_the_registry(client, venue, quan_son):
    commune = commune_named(quan_son, "Trung Xuân")
    response = client.post(
        "/phan-anh",
        data={"commune": commune.id, "place": "Quán cà phê đầu cầu", "problem": "not_checked"},
    )
    assert response.status_code == 303
    (report,) = stored()
    assert report.venue_id is None and report.commune_id == commune.id
    assert report.place == "Quán cà phê đầu cầu"


def test_a_venue_named_by_its_poster_code(client, venue):
    page = client.get(f"/p/{venue.code}")
    body = text(page)
    assert page.status_code == 200
    assert "Chợ Sơn Hà" in body and "Bản Na Hồ" in body
    assert 'id="where-district"' not in body and 'name="venue"' not in body
    response = client.post(
        f"/p/{venue.code}", data={"problem": "not_checked", "contact_phone": "0912 345 678"}
    )
    assert response.status_code == 303
    (report,) = stored()
    assert report.venue_id == venue.id and report.contact_phone == "0912345678"


def test_the_venue_code_is_found_typed_in_any_case(client, make_venue):
    typed_in = make_venue("Nhà văn hóa bản Bơ", code="QS-SH-0008")
    poster_url = urlsplit(venue_report_url(typed_in.code)).path
    assert poster_url == "/p/QS-SH-0008"  # posters carry the code as registered
    assert client.get(poster_url).status_code == 200
    for typed in ("qs-sh-0008", "Qs-Sh-0008"):
        moved = client.get(f"/p/{typed}")
        assert moved.status_code == 301 and moved.headers["Location"].endswith(poster_url)
    page = client.get("/p/qs-sh-0008", follow_redirects=True)
    assert page.status_code == 200 and "Nhà văn hóa bản Bơ" in text(page)
    # A form posted to the typed address is taken for the same venue.
    assert client.post("/p/qs-sh-0008", data={"problem": "no_qr"}).status_code == 303
    (report,) = stored()
    assert report.venue_id == typed_in.id
    assert client.get("/p/qs-sh-0009").status_code == 404


def test_a_venue_code_stored_in_lower_case_is_found_in_upper_case(client, make_venue):
    lower = make_venue("Quán cà phê Mường", code="cafe-07")
    assert client.get("/p/cafe-07").status_code == 200
    moved = client.get("/p/CAFE-07")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/p/cafe-07")
    assert lower.code == "cafe-07"


def test_typed_codes_share_the_venues_limit(client, make_venue, tight_limits):
    make_venue("Nhà văn hóa bản Bơ", code="QS-SH-0008")
    for n, (typed, problem) in enumerate((("QS-SH-0008", "no_qr"), ("qs-sh-0008", "other"))):
        response = client.post(
            f"/p/{typed}",
            data={"problem": problem, "details": "x"},
            environ_base={"REMOTE_ADDR": f"10.0.2.{n}"},
        )
        assert response.status_code == 303
    refused = client.post(
        "/p/Qs-sH-0008", data={"problem": "not_checked"}, environ_base={"REMOTE_ADDR": "10.0.2.9"}
    )
    assert refused.status_code == 429 and count() == 2


def test_the_same_venue_and_problem_joins_the_open_report(client, venue):
    first = client.post(f"/p/{venue.code}", data={"problem": "no_qr"})
    (report,) = stored()
    client.get(first.headers["Location"])  # the first citizen reads their flash
    again = client.post(f"/p/{venue.code}", data={"problem": "no_qr"})
    assert again.status_code == 303 and count() == 1
    assert again.headers["Location"] == f"/phan-anh/{report.tracking_code}"
    db.session.refresh(report)
    assert report.also_reported == 1
    told = text(client.get(again.headers["Location"]))
    assert "tracking code" in told.lower() or "mã theo dõi" in told.lower()
    assert report.tracking_code in re.search(r'id="flash-1">([^<]*)<', told).group(1)


def test_a_filled_honeypot_keeps_nothing_but_answers_like_success(client, venue):
    for url, data in (
        (f"/p/{venue.code}", {"problem": "no_qr", "website": "http://spam.example"}),
        ("/phan-anh", general(venue, website="spam")),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 303
        assert 'role="status"' in text(client.get(response.headers["Location"]))
    assert count() == 0


def test_the_form_needs_its_csrf_token(app, client, venue):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/p/{venue.code}", data={"problem": "no_qr"}).status_code == 400
    page = text(client.get(f"/p/{venue.code}"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/p/{venue.code}", data={"problem": "no_qr", "csrf_token": token})
    assert response.status_code == 303 and count() == 1


# Bad input: a clear message, 4xx, what was typed kept, nothing stored.


def test_a_refused_send_is_shown_again_by_a_get_so_back_never_resends(app, client, venue):
    """Post/redirect/get: the refused post answers 303 to the form's own address with a
    draft token; that GET refills what was typed and the kept photo, with the errors (422);
    only this browser's session reads it; once sent, the draft is gone."""
    app.config["WTF_CSRF_ENABLED"] = True
    page = text(client.get(f"/p/{venue.code}"))
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = photo_post(venue, jpeg_bytes(color=(200, 30, 30)))
    data.update(problem="not_checked", details="Không ai nhắc quét mã", csrf_token=csrf)
    data["contact_phone"] = "12"
    refused = client.post(f"/p/{venue.code}", data=data, content_type="multipart/form-data")
    assert refused.status_code == 303 and count() == 0
    shown_at = urlsplit(refused.headers["Location"])
    assert shown_at.path == f"/p/{venue.code}" and shown_at.query.startswith("draft=")
    shown = client.get(refused.headers["Location"])
    page = text(shown)
    assert shown.status_code == 422
    assert "Không ai nhắc quét mã" in page and 'value="12"' in page
    html = lxml.html.fromstring(page)
    assert html.xpath('//input[@name="problem"][@checked]/@value') == ["not_checked"]
    phone = re.search(r'id="field-contact_phone".*?</div>', page, re.DOTALL).group(0)
    assert 'class="error"' in phone
    assert 'id="held-photo"' in page and 'name="csrf_token"' in page
    # Back to it again: the same page (a GET), still refilled.
    assert "Không ai nhắc quét mã" in text(client.get(refused.headers["Location"]))
    # Another browser with the address sees an empty form: the draft is this session's.
    with app.test_client() as other:
        stranger = other.get(refused.headers["Location"])
        assert stranger.status_code == 200 and "Không ai nhắc quét mã" not in text(stranger)
    # Fixed and sent: the report takes the kept photo; the draft's address is a fresh form.
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    fixed = {
        "problem": "not_checked",
        "details": "Không ai nhắc quét mã",
        "contact_phone": "",
        "photo_token": held_token(page),
        "csrf_token": csrf,
    }
    sent = client.post(f"/p/{venue.code}", data=fixed, content_type="multipart/form-data")
    assert sent.status_code == 303 and sent.headers["Location"].startswith("/phan-anh/")
    (report,) = stored()
    assert report.photo_path
    back = client.get(refused.headers["Location"])
    assert back.status_code == 200 and "Không ai nhắc quét mã" not in text(back)
    assert storage.area("figures").entries("u0-") == []  # neither draft nor photo left


def test_the_general_form_is_shown_again_by_a_get_with_its_place(client, venue):
    refused = client.post("/phan-anh", data=general(venue, venue="", details="gần chợ"))
    assert refused.status_code == 303 and "draft=" in refused.headers["Location"]
    page = text(client.get(refused.headers["Location"]))
    assert "gần chợ" in page and 'id="venue-results"' in page and 'role="alert"' in page
    html = lxml.html.fromstring(page)
    assert html.xpath('//select[@name="commune"]/option[@selected]/@value') == [
        str(venue.commune_id)
    ]


@pytest.mark.parametrize(
    ("fields", "field_id", "kept"),
    [
        ({"problem": None, "details": "cổng chợ"}, "field-problem", "cổng chợ"),
        ({"problem": "bogus", "details": "cổng chợ"}, "field-problem", "cổng chợ"),
        ({"problem": "other", "details": "", "place": ""}, "field-details", None),
        ({"contact_phone": "gọi tôi"}, "field-contact_phone", "gọi tôi"),
        ({"contact_phone": "12"}, "field-contact_phone", 'value="12"'),
        ({"details": "x" * 2001}, "field-details", "x" * 2001),
        ({"venue": "", "place": "Quán " + "y" * 300}, "field-place", "y" * 300),
    ],
)
def test_bad_input_is_shown_again_with_a_message(client, venue, fields, field_id, kept):
    response = client.post("/phan-anh", data=general(venue, **fields), follow_redirects=True)
    page = text(response)
    assert response.status_code == 422
    field = re.search(rf'id="{field_id}".*?</(div|fieldset)>', page, re.DOTALL).group(0)
    assert 'class="error"' in field
    if kept:
        assert kept in page
    assert count() == 0


def test_no_venue_nor_place_is_refused(client, venue):
    response = client.post(
        "/phan-anh", data=general(venue, venue="", details="gần chợ"), follow_redirects=True
    )
    page = text(response)
    assert response.status_code == 422 and count() == 0
    assert 'id="venue-results"' in page and 'role="alert"' in page and "gần chợ" in page


def test_a_venue_of_another_commune_or_no_commune_is_refused(client, venue, make_venue, quan_son):
    elsewhere = make_venue("Trường Trung Xuân", commune=commune_named(quan_son, "Trung Xuân"))
    forged = client.post(
        "/phan-anh", data=general(venue, venue=str(elsewhere.id)), follow_redirects=True
    )
    assert forged.status_code == 422
    no_commune = client.post(
        "/phan-anh", data={"venue": venue.id, "problem": "no_qr"}, follow_redirects=True
    )
    assert no_commune.status_code == 422 and 'id="where-district"' in text(no_commune)
    assert count() == 0


def test_the_venue_page_keeps_what_was_typed(client, venue):
    response = client.post(
        f"/p/{venue.code}", data={"details": "Mã bị rách", "problem": ""}, follow_redirects=True
    )
    assert response.status_code == 422 and "Mã bị rách" in text(response) and count() == 0


# The photo: checked, re-encoded, stored under its own prefix.


def photo_post(venue, content: bytes, name="anh.jpg") -> dict:
    return {"problem": "no_qr", "photo": (io.BytesIO(content), name)}


def test_a_photo_is_re_encoded_and_kept_under_its_own_prefix(client, venue):
    original = Image.new("RGB", (3000, 1000), (10, 120, 30))
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"
    raw = io.BytesIO()
    original.save(raw, "JPEG", exif=exif)
    response = client.post(
        f"/p/{venue.code}",
        data=photo_post(venue, raw.getvalue()),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    (report,) = stored()
    assert report.photo_path.startswith(PHOTO_PREFIX) and report.photo_path.endswith(".jpg")
    kept = storage.area("photos").read(report.photo_path)
    with Image.open(io.BytesIO(kept), formats=["JPEG"]) as image:
        assert max(image.size) == 1600 and not image.getexif()


def test_a_second_reporters_photo_is_kept_with_their_plus_one(client, venue):
    for color in ((10, 120, 30), (200, 30, 30)):
        response = client.post(
            f"/p/{venue.code}",
            data=photo_post(venue, jpeg_bytes(color=color)),
            content_type="multipart/form-data",
        )
        assert response.status_code == 303
    (report,) = stored()
    (join,) = report.joins
    assert report.also_reported == 1 and join.channel == "web"
    assert join.photo_path.startswith(PHOTO_PREFIX) and join.photo_path != report.photo_path
    assert storage.area("photos").exists(join.photo_path)


def test_a_file_that_is_not_a_photo_is_refused(client, venue):
    response = client.post(
        f"/p/{venue.code}",
        data=photo_post(venue, b"%PDF-1.4 not a photo", "anh.jpg"),
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = text(response)
    assert response.status_code == 422 and count() == 0
    assert 'class="error"' in re.search(r'id="field-photo".*?</div>', page, re.DOTALL).group(0)


def test_a_photo_too_large_is_refused(app, client, venue):
    app.config["MAX_PHOTO_BYTES"] = 10_000
    big = jpeg_bytes((1200, 900))
    assert len(big) > 10_000
    response = client.post(
        f"/p/{venue.code}",
        data=photo_post(venue, big),
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 422 and count() == 0
    too_many_pixels = client.post(
        f"/p/{venue.code}",
        data=photo_post(venue, huge_png(), "a.png"),
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert too_many_pixels.status_code == 422 and count() == 0


def held_token(page: str) -> str:
    """The token of the photo a form shown again holds."""
    return re.search(r'name="photo_token" value="([^"]+)"', page).group(1)


def held_files() -> list:
    """The public's held photos (a refused form's typed text waits beside them, as .json)."""
    return [entry for entry in storage.area("figures").entries("u0-") if entry.key.endswith(".jpg")]


def photo_colour(path: str) -> tuple:
    with Image.open(io.BytesIO(storage.area("photos").read(path)), formats=["JPEG"]) as image:
        return image.convert("RGB").getpixel((5, 5))


def test_a_photo_sent_with_an_error_elsewhere_is_kept_for_the_next_post(client, venue):
    data = photo_post(venue, jpeg_bytes(color=(200, 30, 30)))
    data["problem"] = ""
    response = client.post(
        f"/p/{venue.code}", data=data, content_type="multipart/form-data", follow_redirects=True
    )
    page = text(response)
    assert response.status_code == 422 and count() == 0
    held = re.search(r'id="held-photo".*?</div>', page, re.DOTALL).group(0)
    assert 'src="data:image/jpeg;base64,' in held and 'name="photo_drop"' in held
    assert "Ảnh của bạn đã được giữ lại" in held
    assert 'class="error"' not in re.search(r'id="field-photo".*?</div>', page, re.DOTALL).group(0)
    assert storage.area("photos").entries(PHOTO_PREFIX) == [] and len(held_files()) == 1
    # Fixed and sent again without choosing the photo again: the photo goes with it.
    sent = client.post(
        f"/p/{venue.code}",
        data={"problem": "no_qr", "photo_token": held_token(page)},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    (report,) = stored()
    assert report.photo_path.startswith(PHOTO_PREFIX)
    assert photo_colour(report.photo_path)[0] > 150  # the red photo chosen first
    assert held_files() == []  # no longer waiting


def test_the_general_form_keeps_the_photo_too(client, venue):
    data = general(venue, venue="", problem="no_qr")
    data["photo"] = (io.BytesIO(jpeg_bytes()), "anh.jpg")
    refused = client.post(
        "/phan-anh", data=data, content_type="multipart/form-data", follow_redirects=True
    )
    assert refused.status_code == 422 and 'id="held-photo"' in text(refused)
    sent = client.post(
        "/phan-anh",
        data=general(venue, photo_token=held_token(text(refused))),
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303 and stored()[0].photo_path


def test_a_kept_photo_can_be_replaced_or_taken_off(client, venue):
    def hold(colour) -> str:
        data = photo_post(venue, jpeg_bytes(color=colour))
        data["problem"] = ""
        return held_token(
            text(
                client.post(
                    f"/p/{venue.code}",
                    data=data,
                    content_type="multipart/form-data",
                    follow_redirects=True,
                )
            )
        )

    token = hold((200, 30, 30))
    replaced = photo_post(venue, jpeg_bytes(color=(10, 30, 200)))
    replaced["photo_token"] = token
    assert (
        client.post(
            f"/p/{venue.code}", data=replaced, content_type="multipart/form-data"
        ).status_code
        == 303
    )
    (report,) = stored()
    assert photo_colour(report.photo_path)[2] > 150  # the blue one chosen after
    token = hold((200, 30, 30))
    dropped = client.post(
        f"/p/{venue.code}",
        data={"problem": "other", "details": "x", "photo_token": token, "photo_drop": "1"},
        content_type="multipart/form-data",
    )
    assert dropped.status_code == 303
    assert stored()[1].photo_path == "" and held_files() == []


def test_a_token_that_holds_no_photo_of_this_form_adds_none(client, login, make_user, venue):
    data = photo_post(venue, jpeg_bytes())
    data["problem"] = ""
    token = held_token(
        text(
            client.post(
                f"/p/{venue.code}",
                data=data,
                content_type="multipart/form-data",
                follow_redirects=True,
            )
        )
    )
    # Another holder (an office user) cannot take the public's held photo.
    login(make_user("truong-phong", role="supervisor"))
    office = client.post(
        f"/p/{venue.code}",
        data={"problem": "no_qr", "photo_token": token},
        content_type="multipart/form-data",
    )
    assert office.status_code == 303 and stored()[0].photo_path == ""
    assert len(held_files()) == 1
    for forged in ("../../etc/passwd", "x" * 80, "nothing-here"):
        client.post("/logout")
        response = client.post(
            f"/p/{venue.code}",
            data={"problem": "other", "details": forged, "photo_token": forged},
            content_type="multipart/form-data",
        )
        assert response.status_code == 303
    assert all(report.photo_path == "" for report in stored())


# Limits per address and per venue.


@pytest.fixture
def tight_limits(app):
    app.config.update(
        PUBLIC_REPORT_LIMITS_PER_ADDRESS="3/hour", PUBLIC_REPORT_LIMITS_PER_VENUE="2/day"
    )
    limiter.reset()
    yield app.config
    limiter.reset()


def test_posts_from_one_address_are_limited(client, venue, make_venue, quan_son, tight_limits):
    venues = [make_venue(f"Cửa hàng {n}") for n in range(4)]
    for place in venues[:3]:
        assert client.post(f"/p/{place.code}", data={"problem": "no_qr"}).status_code == 303
    refused = client.post("/phan-anh", data=general(venues[3]))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert 'id="public-message"' in text(refused) and count() == 3
    # Another address is not held back.
    other = client.post(
        f"/p/{venues[3].code}", data={"problem": "no_qr"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other.status_code == 303


def test_reports_about_one_venue_are_limited_whatever_the_address(client, venue, tight_limits):
    for n, problem in enumerate(("no_qr", "not_checked")):
        response = client.post(
            f"/p/{venue.code}",
            data={"problem": problem},
            environ_base={"REMOTE_ADDR": f"10.0.1.{n}"},
        )
        assert response.status_code == 303
    # The general form names the same venue: the same limit.
    refused = client.post(
        "/phan-anh",
        data=general(venue, problem="other", details="x"),
        environ_base={"REMOTE_ADDR": "10.0.1.7"},
    )
    assert refused.status_code == 429 and count() == 2
    # Its id written with leading zeros is the same venue, and the same limit.
    padded = client.post(
        "/phan-anh",
        data={**general(venue, problem="other", details="x"), "venue": f"00{venue.id}"},
        environ_base={"REMOTE_ADDR": "10.0.1.8"},
    )
    assert padded.status_code == 429 and count() == 2


def test_refused_posts_do_not_use_up_a_venues_limit(client, venue, tight_limits):
    for n in range(2):
        bad = client.post(
            f"/p/{venue.code}",
            data={"problem": ""},
            environ_base={"REMOTE_ADDR": f"10.0.2.{n}"},
            follow_redirects=True,
        )
        assert bad.status_code == 422
    good = client.post(
        f"/p/{venue.code}", data={"problem": "no_qr"}, environ_base={"REMOTE_ADDR": "10.0.2.9"}
    )
    assert good.status_code == 303


# Unknown codes.


def test_an_unknown_venue_code_offers_the_general_form(client, venue, make_venue):
    closed = make_venue("Nhà văn hóa cũ", is_active=False)
    for code in ("QS-99999", closed.code):
        response = client.get(f"/p/{code}")
        assert response.status_code == 404
        assert 'data-kind="venue"' in text(response) and 'href="/phan-anh"' in text(response)
        assert client.post(f"/p/{code}", data={"problem": "no_qr"}).status_code == 404
    assert count() == 0


def test_an_unknown_tracking_code_offers_a_form_to_type_one(client, venue):
    response = client.get("/phan-anh/ABCDEFGH")
    assert response.status_code == 404 and 'id="lookup-form"' in text(response)
    assert client.get("/phan-anh/tra-cuu?code=zzz").status_code == 404
    assert client.get("/phan-anh/tra-cuu").status_code == 200


def test_a_tracking_code_typed_loosely_finds_its_report(client, venue):
    report, _joined = receive_report(commune=venue.commune, venue=venue, problem="no_qr")
    db.session.commit()
    code = report.tracking_code
    typed = f" {code[:4].lower()}-{code[4:].lower()} "
    response = client.get("/phan-anh/tra-cuu", query_string={"code": typed})
    assert response.status_code == 303 and response.headers["Location"] == f"/phan-anh/{code}"
    assert client.get(f"/phan-anh/{code.lower()}").headers["Location"] == f"/phan-anh/{code}"


# The tracking page: the state, the dates and the public answer, nothing else.


def test_the_tracking_page_shows_only_the_state_the_dates_and_the_answer(
    client, venue, make_user, frozen_clock
):
    frozen_clock(datetime(2026, 12, 3, 2))
    supervisor = make_user("hathimai", role="supervisor", display_name="Hà Thị Mai")
    report, _joined = receive_report(
        commune=venue.commune,
        venue=venue,
        problem="no_qr",
        details="Chi tiết riêng của người báo",
        contact_phone="0912345678",
        channel="phone",
        entered_by=supervisor,
    )
    other, _joined = receive_report(commune=venue.commune, venue=venue, problem="not_checked")
    db.session.commit()
    url = f"/phan-anh/{report.tracking_code}"
    response = client.get(url)
    page = text(response)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert 'data-state="new"' in page
    assert re.search(r'id="tracking-received">03/12/2026<', page)
    assert re.search(r'id="tracking-due">08/12/2026<', page)
    for secret in (
        "0912345678",
        "Hà Thị Mai",
        "Chi tiết riêng",
        other.tracking_code,
        "Chợ Sơn Hà",
        'id="tracking-answer"',
    ):
        assert secret not in page, secret
    report.state, report.public_answer = "resolved", "Đã kiểm tra, địa điểm đã niêm yết lại."
    report.closed_by_id = supervisor.id
    db.session.commit()
    answered = text(client.get(url))
    assert 'data-state="resolved"' in answered and "đã niêm yết lại" in answered
    assert "Hà Thị Mai" not in answered


def test_a_rejected_report_tells_the_citizen_why(client, venue, make_user):
    supervisor = make_user("hathimai", role="supervisor", display_name="Hà Thị Mai")
    report, _joined = receive_report(commune=venue.commune, venue=venue, problem="no_qr")
    reject(report, "Địa điểm đã ngừng hoạt động.", supervisor)
    db.session.commit()
    page = text(client.get(f"/phan-anh/{report.tracking_code}"))
    assert 'data-state="rejected"' in page
    assert re.search(r'id="tracking-answer">Địa điểm đã ngừng hoạt động.<', page)
    assert "Hà Thị Mai" not in page


def test_hostile_text_is_escaped_on_the_tracking_page(client, venue):
    report, _joined = receive_report(commune=venue.commune, venue=venue, problem="other")
    report.state, report.public_answer = "resolved", " ".join(HOSTILE)
    db.session.commit()
    page = text(client.get(f"/phan-anh/{report.tracking_code}"))
    for hostile in HOSTILE:
        assert hostile not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_in_every_field_is_kept_escaped(client, venue, hostile):
    data = general(
        venue,
        venue="",
        place=hostile,
        details=hostile,
        contact_phone=hostile,
        q=hostile,
        problem="other",
    )
    # The phone refuses: shown again.
    response = client.post("/phan-anh", data=data, follow_redirects=True)
    page = text(response)
    assert response.status_code == 422 and hostile not in page
    assert page.count("alert(1)") >= 3  # kept, escaped
    lookup = text(client.get("/phan-anh/tra-cuu", query_string={"code": hostile}))
    assert hostile not in lookup
    search = text(client.get("/phan-anh", query_string={"commune": venue.commune_id, "q": hostile}))
    assert hostile not in search
    accepted = client.post("/phan-anh", data={**data, "contact_phone": ""})
    assert accepted.status_code == 303
    (report,) = stored()
    assert report.place == hostile and report.details == hostile
    assert hostile not in text(client.get(accepted.headers["Location"]))


# Vietnamese by default, English without an account.


def test_vietnamese_by_default_and_english_on_request(client, venue):
    page = text(client.get(f"/p/{venue.code}"))
    assert '<html lang="vi">' in page
    switched = client.post("/account/language", data={"locale": "en", "next": f"/p/{venue.code}"})
    assert switched.status_code == 303 and switched.headers["Location"] == f"/p/{venue.code}"
    # The test's app context outlives its requests: forget the language the first one chose.
    refresh()
    english = text(client.get(f"/p/{venue.code}"))
    assert '<html lang="en">' in english and "Send the report" in english


# The office enters telephone, hotline and national reports with the same form.


def test_the_office_enters_a_telephone_report(client, login, venue, frozen_clock):
    frozen_clock(datetime(2026, 12, 3, 4, 0))  # 11:00 in Vietnam
    supervisor = login(username="truongphong", role="supervisor")
    page = text(client.get(f"/citizen-reports/new?commune={venue.commune_id}&q=cho"))
    assert 'name="channel"' in page and 'name="website"' not in page
    assert f'value="{venue.id}"' in page and 'class="menu"' in page
    response = client.post(
        "/citizen-reports/new",
        data={
            "commune": venue.commune_id,
            "venue": venue.id,
            "channel": "phone",
            "problem": "not_checked",
            "contact_phone": "0987 654 321",
            "received_at": "2026-12-03T08:05",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/citizen-reports/new"
    (report,) = stored()
    assert (report.channel, report.entered_by_id, report.contact_phone) == (
        "phone",
        supervisor.id,
        "0987654321",
    )
    assert report.tracking_code in text(client.get("/citizen-reports/new"))
    # Received at 08:05 in Vietnam, typed at 11:00: the deadline counts from the call.
    assert report.received_at == datetime(2026, 12, 3, 1, 5)


def office_post(venue, received_at) -> dict:
    data = {"commune": venue.commune_id, "venue": venue.id, "channel": "phone"}
    return {**data, "problem": "no_qr", "received_at": received_at}


def test_the_office_form_offers_received_at_now_in_vietnam(client, login, venue, frozen_clock):
    frozen_clock(datetime(2026, 12, 3, 20, 30))  # 03:30 on the 4th in Vietnam
    login(username="truongphong", role="supervisor")
    page = text(client.get(f"/citizen-reports/new?commune={venue.commune_id}"))
    field = re.search(r'<input[^>]*name="received_at"[^>]*>', page).group(0)
    assert 'type="datetime-local"' in field and 'value="2026-12-04T03:30"' in field
    assert 'max="2026-12-04T03:30"' in field and 'min="2026-11-04T03:30"' in field


@pytest.mark.parametrize(
    "typed",
    ["2026-12-04T11:01", "2026-11-03T10:59", "04/13/2026 10:00", ""],
    ids=["future", "too-old", "not-a-moment", "empty"],
)
def test_the_office_form_refuses_a_received_at_out_of_range_and_keeps_it(
    client, login, venue, frozen_clock, typed
):
    frozen_clock(datetime(2026, 12, 4, 4, 0))  # 11:00 in Vietnam
    login(username="truongphong", role="supervisor")
    response = client.post("/citizen-reports/new", data=office_post(venue, typed))
    page = text(response)
    assert response.status_code == 422 and count() == 0
    field = re.search(r'id="field-received_at".*?</div>', page, re.DOTALL).group(0)
    assert 'class="error"' in field and f'value="{typed}"' in field


def test_the_office_form_takes_a_received_at_typed_as_the_office_writes_it(
    client, login, venue, frozen_clock
):
    frozen_clock(datetime(2026, 12, 4, 4, 0))
    login(username="truongphong", role="supervisor")
    response = client.post("/citizen-reports/new", data=office_post(venue, "04/11/2026 11:01"))
    assert response.status_code == 303
    (report,) = stored()
    assert report.received_at == datetime(2026, 11, 4, 4, 1)
    # 30 days ago and one minute after; its due date counts from that day.
    assert report.due_date.isoformat() == "2026-11-09"


def test_the_office_form_refuses_another_districts_commune(client, login, venue, other_district):
    login(username="quantri", role="admin")
    foreign = other_district.communes[0]
    page = client.get(f"/citizen-reports/new?commune={foreign.id}")
    assert page.status_code == 422 and 'id="report-form"' not in text(page)
    response = client.post(
        "/citizen-reports/new",
        data={
            "commune": foreign.id,
            "place": "Chợ Chiềng Đông",
            "channel": "hotline",
            "problem": "no_qr",
        },
    )
    assert response.status_code == 422 and count() == 0
    assert "Chiềng Đông" not in re.search(
        r'<select id="where-commune".*?</select>', text(response), re.DOTALL
    ).group(0)


def test_the_office_form_needs_a_channel_and_keeps_hostile_text_escaped(client, login, venue):
    login(username="truongphong", role="supervisor")
    hostile = HOSTILE[1]
    response = client.post(
        "/citizen-reports/new",
        data={
            "commune": venue.commune_id,
            "place": hostile,
            "details": hostile,
            "channel": "web",
            "problem": "other",
        },
    )
    page = text(response)
    assert response.status_code == 422 and count() == 0
    assert 'class="error"' in re.search(r'id="field-channel".*?</div>', page, re.DOTALL).group(0)
    assert hostile not in page and page.count("onerror=alert(1)") >= 2


@pytest.mark.parametrize("role", ["inspector"])
def test_inspectors_do_not_enter_reports(client, login, venue, role):
    login(username="canbo", role=role)
    assert client.get("/citizen-reports/new").status_code == 403
    assert client.post("/citizen-reports/new", data={"problem": "no_qr"}).status_code == 403
    assert count() == 0


# Light pages: the inspector form's budget (40 KB as served, gzip), no map, no offline code.

PAGE_BUDGET = 40 * 1024


def first_load_bytes(client, url: str) -> tuple[int, list[str]]:
    """Bytes a phone downloads opening `url` with an empty cache, gzip as served, and the
    static files the page references."""
    asks_gzip = {"Accept-Encoding": "gzip"}
    page = client.get(url, headers=asks_gzip)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', text_of_gzip(page))
    total = len(page.data)
    for asset in assets:
        response = client.get(asset, headers=asks_gzip)
        total += len(response.data)
        response.close()
    return total, assets


def text_of_gzip(response) -> str:
    data = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return data.decode()


def test_the_public_pages_are_light(client, venue, quan_son):
    report, _joined = receive_report(commune=venue.commune, venue=venue, problem="no_qr")
    db.session.commit()
    for url in (
        f"/phan-anh?district={quan_son.id}&commune={venue.commune_id}",
        f"/p/{venue.code}",
        f"/phan-anh/{report.tracking_code}",
    ):
        total, assets = first_load_bytes(client, url)
        assert total <= PAGE_BUDGET, (url, total)
        names = " ".join(assets)
        assert "leaflet" not in names and "offline" not in names and "outbox" not in names


def test_the_pages_and_the_search_are_limited_per_address(app, client, venue, quan_son):
    app.config["PUBLIC_SEARCH_LIMITS_PER_ADDRESS"] = "2/hour"
    limiter.reset()
    url = f"/phan-anh?district={quan_son.id}&commune={venue.commune_id}&q=cho"
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    assert client.get(f"/p/{venue.code}").status_code == 200
    refused = client.get(url, headers={"HX-Request": "true"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    # A report can still be sent from a page already open.
    assert client.post(f"/p/{venue.code}", data={"problem": "no_qr"}).status_code == 303
    limiter.reset()


def test_no_public_page_is_kept_in_a_cache(client, venue):
    for url in ("/phan-anh", f"/p/{venue.code}", "/phan-anh/tra-cuu", "/phan-anh/ABCDEFGH"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


def test_a_national_report_keeps_its_reference_once(client, login, venue):
    login(username="truongphong", role="supervisor")
    data = {
        "commune": venue.commune_id,
        "venue": venue.id,
        "channel": "national",
        "problem": "no_qr",
        "source_ref": " PA-2026-0042 ",
    }
    assert client.post("/citizen-reports/new", data=data).status_code == 303
    (report,) = stored()
    assert (report.channel, report.source_ref) == ("national", "PA-2026-0042")
    again = client.post("/citizen-reports/new", data={**data, "problem": "not_checked"})
    field = re.search(r'id="field-source_ref".*?</div>', text(again), re.DOTALL).group(0)
    assert again.status_code == 422 and report.tracking_code in field and count() == 1


def test_the_office_form_keeps_the_photo_too(client, login, venue, frozen_clock):
    frozen_clock(datetime(2026, 12, 4, 4, 0))  # 11:00 in Vietnam
    supervisor = login(username="truongphong", role="supervisor")
    data = office_post(venue, "")  # no moment: shown again
    data["photo"] = (io.BytesIO(jpeg_bytes()), "anh.jpg")
    refused = client.post("/citizen-reports/new", data=data, content_type="multipart/form-data")
    assert refused.status_code == 422 and 'id="held-photo"' in text(refused)
    assert storage.area("figures").entries(f"u{supervisor.id}-")  # held for this user
    sent = client.post(
        "/citizen-reports/new",
        data={**office_post(venue, "2026-12-04T10:00"), "photo_token": held_token(text(refused))},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303 and stored()[0].photo_path.startswith(PHOTO_PREFIX)
    assert storage.area("figures").entries(f"u{supervisor.id}-") == []
