"""Input bounded and typed before it reaches a route: ids too large for the database are not
found, impossible phone clocks are refused, JSON of the wrong shape is a 400, and control
characters never reach the database, from forms, JSON and imports alike."""

import re

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.fragments import MAX_ID
from fieldapp.models import Inspection, Venue
from fieldapp.text import clean_text
from fieldapp.venues.importer import import_venues
from tests.factories import commune_named, inspection_answers


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Nul\x00byte", "Nulbyte"),
        ("a\tb\nc", "a\tb\nc"),  # tab and newline stay in free text
        ("line\r\nnext\rlast", "line\nnext\nlast"),
        ("\x1b[31mred\x7f\x85", "[31mred"),
        ("bad \ud800 half", "bad  half"),
        ("Sơn Hà 🙂", "Sơn Hà 🙂"),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


def int_rules(app):
    return [rule for rule in app.url_map.iter_rules() if "int" in rule._converters_str()]


def test_a_20_digit_id_in_any_url_is_not_found(app, client, login):
    login(username="supervisor", role="supervisor")
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if any(type(c).__name__ == "IdConverter" for c in rule._converters.values())
    ]
    assert len(rules) >= 10
    for rule in rules:
        url = re.sub(r"<int:\w+>", "9" * 20, rule.rule)
        url = re.sub(r"<(?:\w+:)?\w+>", "x", url)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code == 404, (method, url, response.status_code)
    # The largest id a database column holds is still looked up (and not found).
    assert client.get(f"/venues/{MAX_ID}").status_code == 404
    assert client.get(f"/venues/{MAX_ID + 1}").status_code == 404


def test_a_control_character_in_a_url_segment_is_not_found(
    client, login, record_finding, make_venue
):
    """Never sent to the database, which may refuse it (PostgreSQL and NUL bytes)."""
    login()
    path = record_finding(make_venue()).photos[0].path
    uuid, name = path.split("/")
    assert client.get(f"/photos/{path}").status_code == 200
    for bad in ("%00", "%01", "%7F", "%C2%85"):
        assert client.get(f"/photos/{uuid}/{bad}{name}").status_code == 404, bad
        assert client.get(f"/photos/{uuid}{bad}/{name}").status_code == 404, bad


def test_an_impossible_phone_clock_is_refused_with_a_message(client, login, make_venue):
    login()
    venue = make_venue()
    for moment in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "1970-01-01"):
        response = client.post(
            f"/venues/{venue.id}/inspections",
            data=inspection_answers(device_time=moment),
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 422, moment
        assert "device_time" in response.get_json()["errors"]
    page = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(device_time="9999-12-31T23:59:59-12:00"),
    )
    assert page.status_code == 422
    assert "Ngày giờ của điện thoại" in page.get_data(as_text=True)
    assert db.session.scalars(select(Inspection)).all() == []


@pytest.mark.parametrize(
    "body",
    [
        {"uuid": {"$gt": ""}},
        {"uuid": 12},
        {"notes": ["a", {"b": 1}]},
        {"visitors_seen": True},
        ["uuid"],
        "text",
        12,
    ],
)
def test_json_of_the_wrong_shape_is_a_400_that_says_so(client, login, make_venue, body):
    login()
    venue = make_venue()
    response = client.post(
        f"/venues/{venue.id}/inspections", json=body, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert "giá trị là văn bản" in response.get_json()["message"]


def test_invalid_json_is_a_400(client, login, make_venue):
    login()
    venue = make_venue()
    response = client.post(
        f"/venues/{venue.id}/inspections",
        data="{not json",
        content_type="application/json",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400


def test_control_characters_are_removed_from_forms_json_and_imports(client, login, quan_son):
    login()
    commune = commune_named(quan_son, "Sơn Hà")
    form = client.post(
        "/venues/new",
        data={
            "name": "Nul\x00byte",
            "venue_type": "shop",
            "commune_id": str(commune.id),
            "address": "Bản\x1b Bôn",
        },
    )
    assert form.status_code == 303
    venue = db.session.scalar(select(Venue).where(Venue.name == "Nulbyte"))
    assert venue.address == "Bản Bôn"

    sent = client.post(
        "/venues/new",
        json={
            "name": "Json\x00 venue",
            "venue_type": "shop",
            "commune_id": str(commune.id),
            "qr_payload": "PCCOVID|\x07QS\r\nline two",
        },
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)
    venue = db.session.scalar(select(Venue).where(Venue.name == "Json venue"))
    assert venue.qr_payload == "PCCOVID|QS\nline two"

    report = import_venues("code,name,commune\nQS-N1,Bell\x07 \x1bmarket,Sơn Hà\n", quan_son)
    assert report.ok
    assert [v.name for v in report.venues] == ["Bell market"]
    # A NUL byte in a CSV means it is not text: refused whole, with a message.
    refused = import_venues("code,name,commune\nQS-N2,Nul\x00byte,Sơn Hà\n", quan_son)
    assert refused.refused and not refused.venues

    assert client.get("/venues?q=Nul%00byte").status_code == 200
