"""What every page is given, kept between requests for speed (fieldapp/__init__.py, assets.py,
auth/sessions.py), never stale: the labels and the scripts' texts follow the user's language
and the catalogue in use, the top bar follows the user's district, asset URLs follow the
prefix the app is mounted under."""

import json
import re

from babel import support
from flask_babel import get_translations, refresh

from fieldapp.extensions import db
from fieldapp.models import District, Province


def scripts_text(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="fieldapp-text">(.*?)</script>', page)
    return json.loads(found.group(1))


def page_of(client, url="/") -> str:
    # Flask-Babel keeps the request's language in `g`, which the tests' requests share (the
    # fixture's app context): forget it, as a server's next request does.
    refresh()
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_labels_follow_the_language_chosen(client, login, make_venue, record_finding):
    login(locale="vi")
    record_finding(make_venue())
    page = page_of(client)
    assert scripts_text(page)["send_now"] == "Gửi ngay"
    assert "Đạt yêu cầu" in page and "<title>Trang chủ" in page
    client.post("/account/language", data={"locale": "en", "next": "/"})
    page = page_of(client)
    assert scripts_text(page)["send_now"] == "Send now"
    assert ">Compliant<" in page and "<title>Home" in page and "Đạt yêu cầu" not in page
    client.post("/account/language", data={"locale": "vi", "next": "/"})
    page = page_of(client)
    assert scripts_text(page)["send_now"] == "Gửi ngay" and "Đạt yêu cầu" in page


class Renamed(support.NullTranslations):
    """A catalogue that words a few messages otherwise, the rest as `base` does."""

    def __init__(self, base, renamed: dict):
        super().__init__()
        self.base, self.renamed = base, renamed

    def ugettext(self, message):
        return self.renamed.get(message) or self.base.ugettext(message)

    gettext = ugettext

    def ungettext(self, singular, plural, n):
        return self.base.ungettext(singular, plural, n)

    ngettext = ungettext

    def upgettext(self, context, message):
        return self.base.upgettext(context, message)

    pgettext = upgettext


def test_a_new_catalogue_is_used_at_once(
    app, client, login, make_venue, record_finding, monkeypatch
):
    login(locale="vi")
    record_finding(make_venue())
    assert "Đạt yêu cầu" in page_of(client)  # the labels of the first catalogue are kept
    domain = app.extensions["babel"].instance.domain_instance
    key = next(key for key in domain.cache if key[0] == "vi")
    renamed = {"Compliant": "Đạt (bản dịch mới)", "Send now": "Gửi đi", "Home": "Nhà"}
    # Flask-Babel's domain (and its cache) is shared by every app of the process: put the
    # catalogue back afterwards, or the tests after this one read the renamed one.
    monkeypatch.setitem(domain.cache, key, Renamed(domain.cache[key], renamed))
    page = page_of(client)
    assert "Đạt (bản dịch mới)" in page and "Đạt yêu cầu" not in page  # a label
    assert scripts_text(page)["send_now"] == "Gửi đi"  # the scripts' texts
    assert "<title>Nhà" in page  # a template's own _()


def test_gps_warnings_follow_the_settings(app, client, login):
    login()
    with app.test_request_context():
        get_translations()
    first = app.jinja_env.from_string("{{ gps_warning_labels['far_from_venue'] }}")
    with app.test_request_context():
        app.update_template_context(context := {})
        assert "300" in first.render(context)
    app.config["GPS_MAX_DISTANCE_M"] = 250
    with app.test_request_context():
        app.update_template_context(context := {})
        text = first.render(context)
    assert "250" in text and "300" not in text


def test_the_top_bar_follows_the_users_district(client, login, other_district):
    user = login(role="supervisor")
    assert "Quan Sơn" in page_of(client)
    user.district = other_district
    db.session.commit()
    page = page_of(client)
    assert "Yên Châu" in page and "Quan Sơn" not in page
    district = db.session.get(District, other_district.id)
    district.name = "Yên Châu mới"
    district.province = Province(name="Sơn La mới")
    db.session.commit()
    page = page_of(client)
    assert "Yên Châu mới" in page and "Sơn La mới" in page


def test_fragments_still_name_nothing_stale(client, login, make_venue):
    """A fragment loads the user without the places; a page after it still names them."""
    login()
    make_venue("Chợ Sơn Hà")
    fragment = client.get("/venues?q=son", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "Chợ Sơn Hà" in fragment.get_data(as_text=True)
    assert "Quan Sơn" in page_of(client)


def test_asset_urls_follow_the_prefix_the_app_is_mounted_under(client, login):
    login()
    plain = page_of(client)
    assert re.search(r'href="/static/css/app\.css\?v=\w+"', plain)
    mounted = client.get("/", base_url="http://localhost/fieldapp/").get_data(as_text=True)
    assert re.search(r'href="/fieldapp/static/css/app\.css\?v=\w+"', mounted)
    assert re.search(r'href="/static/css/app\.css\?v=\w+"', page_of(client))
