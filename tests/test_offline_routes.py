"""What the phone downloads and keeps: compressed, fingerprinted assets, the service
worker, the manifest, the outbox and fallback pages."""

import gzip
import json
import re
from pathlib import Path

from fieldapp.assets import AssetVersions
from tests.factories import PASSWORD


def asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+\?v=[0-9a-f]{12})"', html)


def test_pages_reference_fingerprinted_assets_cached_for_a_year(client, login):
    login()
    urls = asset_urls(client.get("/").get_data(as_text=True))
    assert any("htmx.min.js" in url for url in urls)
    assert any("offline.js" in url for url in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_changed_file_gets_a_new_url(app, tmp_path):

    (tmp_path / "a.css").write_text("p{}")
    first = AssetVersions(str(tmp_path)).version("a.css")
    (tmp_path / "a.css").write_text("p{color:red}")
    assert AssetVersions(str(tmp_path)).version("a.css") != first


def test_unversioned_static_urls_are_revalidated(client):
    assert client.get("/static/css/app.css").headers["Cache-Control"] == "no-cache"


def test_html_css_and_js_are_served_gzipped(client, login):
    login()
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Xin chào" in gzip.decompress(page.data).decode()
    for url in asset_urls(client.get("/").get_data(as_text=True)):
        if ".js" in url or ".css" in url:
            response = client.get(url, headers={"Accept-Encoding": "gzip"})
            assert response.headers["Content-Encoding"] == "gzip", url
            assert len(gzip.decompress(response.data)) > len(response.data)


def test_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    script = response.get_data(as_text=True)
    assert "/static/build/js/outbox.js?v=" in script and "/offline" in script


def test_pages_and_the_service_worker_get_the_minified_scripts(app, client, login):
    login()
    page = client.get("/").get_data(as_text=True)
    shell = client.get("/sw.js").get_data(as_text=True)
    for name in ("app.js", "outbox.js", "offline.js"):
        served = [url for url in asset_urls(page) if url.split("?")[0].endswith("/" + name)]
        assert [url.split("?")[0] for url in served] == [f"/static/build/js/{name}"]
        assert served[0] in shell  # precached by the service worker
        minified = client.get(served[0]).get_data(as_text=True)
        source = (Path(app.static_folder) / "js" / name).read_text()
        assert len(minified) < len(source) * 0.8, name
        assert "\n  " not in minified  # no indented lines left


def test_manifest_installs_the_app(client):
    manifest = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert manifest["name"] == "Kiểm tra mã QR điểm kiểm soát ra vào"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_outbox_needs_a_login_and_the_fallback_does_not(client, make_user):
    assert client.get("/outbox").status_code == 302
    fallback = client.get("/offline")
    assert fallback.status_code == 200 and "Không có sóng" in fallback.get_data(as_text=True)
    make_user()
    client.post("/login", data={"username": "inspector", "password": PASSWORD})
    page = client.get("/outbox").get_data(as_text=True)
    assert 'id="outbox-list"' in page and "Chờ gửi" in page


def test_pages_carry_the_user_and_the_scripts_texts(client, login):
    user = login()
    page = client.get("/").get_data(as_text=True)
    assert f'data-user-id="{user.id}"' in page
    texts = json.loads(
        re.search(
            r'<script type="application/json" id="fieldapp-text">(.*?)</script>', page, re.DOTALL
        ).group(1)
    )
    assert texts["state_waiting"] == "Chờ có sóng"
    assert texts["photos_chosen"] == "Đã chọn {n} ảnh"


def test_logging_out_tells_the_phone_to_forget_cached_pages(client, login):
    login()
    assert client.post("/logout").headers["Location"] == "/login?logged_out=1"


def test_csrf_token_endpoint_names_the_user(client, login):
    user = login()
    body = client.get("/account/csrf-token").get_json()
    assert body["user_id"] == user.id and body["csrf_token"]


def test_the_phone_knows_whose_login_it_holds_and_for_how_long(client, login, make_user):
    """The service worker keeps pages for the user named by X-Fieldapp-User, and shows them
    offline only while the `fieldapp_user` cookie, which lives as long as the login, is there."""
    user = login()
    page = client.get("/")
    assert page.headers["X-Fieldapp-User"] == str(user.id)
    cookie = client.get_cookie("fieldapp_user")
    assert cookie.value == str(user.id) and not cookie.http_only and cookie.expires is None
    assert client.get("/static/css/app.css").headers.get("X-Fieldapp-User") is None

    client.post("/logout")
    assert client.get_cookie("fieldapp_user") is None
    assert "X-Fieldapp-User" not in client.get("/login").headers
    # Left behind while the server answers nobody (the session expired): removed.
    client.set_cookie("fieldapp_user", str(user.id))
    client.get("/login")
    assert client.get_cookie("fieldapp_user") is None

    # Remembered: the cookie lasts as long as the remember-me cookie.
    other = make_user(username="remembered")
    client.post("/login", data={"username": other.username, "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("fieldapp_user").value == str(other.id)
    assert client.get_cookie("fieldapp_user").expires is not None


def test_the_offline_page_kept_for_everyone_names_nobody(client, login):
    """The worker keeps /offline in the app shell whoever is logged in: no name, no user id,
    no CSRF token in it."""
    user = login(display_name="Lò Văn Thành")
    page = client.get("/offline").get_data(as_text=True)
    assert "Không có sóng" in page
    assert "Lò Văn Thành" not in page and "data-user-id" not in page
    assert "X-CSRFToken" not in page and "csrf_token" not in page
    assert f'data-user-id="{user.id}"' in client.get("/outbox").get_data(as_text=True)
