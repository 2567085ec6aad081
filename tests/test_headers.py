"""Security headers on every kind of response: a page, an htmx fragment, a photo, a PDF."""

import io

import pytest

from fieldapp.headers import content_security_policy, tile_source
from tests.factories import jpeg_bytes


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_secure(response, logged_in=True):
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert "'unsafe-inline'" not in csp["style-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert {"'self'", "data:", "blob:"} <= set(csp["img-src"])
    assert not any("unsafe" in value for values in csp.values() for value in values)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here
    if logged_in:
        assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def finding(login, make_venue, record_finding):
    login(username="supervisor", role="supervisor")
    venue = make_venue()
    return record_finding(venue, photos=(io.BytesIO(jpeg_bytes()), "entrance.jpg"))


def test_a_page_a_fragment_a_photo_and_a_pdf_carry_the_headers(client, finding):
    page = client.get(f"/inspections/{finding.id}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert_secure(page)

    fragment = client.get("/venues?q=cho", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert_secure(fragment)

    uuid, name = finding.photos[0].path.split("/")
    photo = client.get(f"/photos/{uuid}/{name}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert_secure(photo)

    pdf = client.get(f"/inspections/{finding.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert_secure(pdf)

    data = client.get("/map/venues.json")
    assert data.status_code == 200
    assert_secure(data)


def test_the_login_page_and_errors_carry_them_too_and_static_files_stay_cached(client):
    login_page = client.get("/login")
    assert_secure(login_page, logged_in=False)
    assert_secure(client.get("/no-such-page"), logged_in=False)
    page = client.get("/login").get_data(as_text=True)
    css = page.split('href="/static/css/app.css?v=')[1].split('"')[0]
    static = client.get(f"/static/css/app.css?v={css}")
    assert "immutable" in static.headers["Cache-Control"]
    assert static.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_over_https(client, app):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://fieldapp.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    app.config["HSTS_MAX_AGE"] = 0
    assert (
        "Strict-Transport-Security"
        not in client.get("/login", base_url="https://fieldapp.example").headers
    )


def test_the_map_tile_server_is_allowed_for_images_only():
    assert tile_source("") is None
    assert tile_source("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://*.tile.openstreetmap.org"
    )
    assert tile_source("javascript:alert(1)") is None
    csp = content_security_policy("https://tiles.example.vn/{z}/{x}/{y}.png")
    assert "img-src 'self' data: blob: https://tiles.example.vn;" in csp
    assert csp.count("tiles.example.vn") == 1


def test_the_map_page_allows_the_configured_tiles(client, login, app):
    login(username="supervisor", role="supervisor")
    app.config["MAP_TILE_URL"] = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "https://*.tile.openstreetmap.org" in policy(client.get("/map"))["img-src"]


def test_pages_tell_htmx_not_to_eval_nor_inject_styles(client, login):
    login()
    page = client.get("/").get_data(as_text=True)
    for setting in ('"allowEval":false', '"includeIndicatorStyles":false'):
        assert setting in page
    assert "<style" not in page and " style=" not in page
    assert " onclick=" not in page and " onload=" not in page


def test_same_site_https_posts_still_pass_the_referrer_checks(app, client, make_user):
    """strict-origin-when-cross-origin keeps the full Referer on this site's own posts:
    Flask-WTF's HTTPS Referer check and the same-origin check still accept them."""
    app.config["WTF_CSRF_ENABLED"] = True
    make_user()
    base = "https://fieldapp.example"
    page = client.get("/login", base_url=base).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    form = {"csrf_token": token, "username": "inspector", "password": "nope-not-it"}
    same_site = client.post(
        "/login", data=form, base_url=base, headers={"Referer": f"{base}/login"}
    )
    assert same_site.status_code != 400
    other_site = client.post(
        "/login", data=form, base_url=base, headers={"Referer": "https://evil.example/x"}
    )
    assert other_site.status_code == 400
