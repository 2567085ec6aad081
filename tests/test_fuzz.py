"""Hostile input to every route of the URL map, as a supervisor and as an inspector: huge
numbers, NUL bytes and other control characters, emoji, 10,000-character strings, impossible
dates, JSON of every wrong type. Whatever the answer, it is never a 5xx.

Hypothesis draws the values; the examples are derandomized (the same on every run) and few
per route, so the whole file takes seconds, not minutes."""

import io
import re
import tempfile
from pathlib import Path

import pytest
from flask import g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from fieldapp import create_app
from fieldapp.inspections.forms import InspectionForm
from fieldapp.reports.figures import COUNTS
from fieldapp.venues.forms import VenueForm
from tests.factories import PASSWORD, commune_named

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Every field name a form of the app posts: the templates' inputs and the WTForms forms.
FIELDS = sorted(
    {
        name
        for path in TEMPLATES.rglob("*.html")
        for name in re.findall(r'name="([a-z_]+)"', path.read_text(encoding="utf-8"))
    }
    | {
        name
        for form in (InspectionForm, VenueForm)
        for name, field in vars(form).items()
        if isinstance(field, UnboundField)
    }
    | {"q", "page", "commune", "inspector", "outcome", "district", "date", "day", "keep", "drop"}
    # The typed figures (`scans-<commune id>`) and a mapped column of the import preview.
    | {f"{name}-{commune}" for name in COUNTS for commune in (1, 2, 3)}
    | {f"map-{name}" for name in COUNTS}
)

SKIPPED = {"static", "auth.logout"}  # files on disk; logging out would end the run's session

HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1",
            "2",
            "99999999999999999999",
            str(2**63),
            "1e309",
            "nan",
            "inf",
            "\x00",
            "Nul\x00byte",
            "\x1b[31m\x07\x7f",
            "🙂" * 50,
            "x" * 10_000,
            "9999-12-31",
            "0000-00-00",
            "2021-02-30",
            "31/02/2021",
            "32/13/9999",
            "01/01/0001",
            "9999-12-31T23:59:59-12:00",
            "0001-01-01T00:00:00+14:00",
            "yes",
            "visible",
            "missing",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "%00",
            "../../etc/passwd",
        ]
    ),
    # No lone surrogate: a URL or a form cannot carry one (JSON can: see JSON_VALUES).
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        HOSTILE_TEXT,
        st.just("\ud800 half"),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)

FORM = st.dictionaries(st.sampled_from(FIELDS), HOSTILE_TEXT, max_size=8)
JSON_BODY = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=6),
    JSON_VALUES,
)
ID = st.one_of(
    st.sampled_from(["1", "2", "0", "2147483647", "2147483648", "9" * 20]),
    st.integers(min_value=0, max_value=10**25).map(str),
)
DAY = st.sampled_from(["2021-11-12", "9999-12-31", "0001-01-01", "2021-02-30", "2021-13-01"])
SEGMENT = st.one_of(HOSTILE_TEXT.filter(lambda text: text and "/" not in text), st.just("x"))


def _rules(app):
    return sorted(
        (
            (rule, method)
            for rule in app.url_map.iter_rules()
            if rule.endpoint not in SKIPPED
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        ),
        key=lambda pair: (pair[0].rule, pair[1]),
    )


def _url(rule, draw) -> str:
    def value(match):
        converter = match.group(1) or ""
        if converter == "int":
            return draw(ID)
        if converter == "isodate":
            return draw(DAY)
        if converter.startswith("any"):
            return draw(st.sampled_from(["csv", "xlsx", "pdf", "exe"]))
        return draw(SEGMENT)

    path = re.sub(r"<(?:(\w+(?:\([^)]*\))?):)?\w+>", value, rule.rule)
    return path


@pytest.fixture
def world(app, make_user, make_venue, quan_son, record_finding, client, login):
    """A district with venues, a recorded finding, and a client per role, logged in."""
    login(username="field", role="inspector")
    venue = make_venue()
    make_venue(name="Trường Tiểu học Sơn Lư", commune=commune_named(quan_son, "Sơn Lư"))
    record_finding(venue, qr_posted="missing")
    make_user(username="boss", role="supervisor")
    clients = {}
    for username in ("boss", "field"):
        user_client = app.test_client()
        g.pop("_login_user", None)  # see _fuzz_route
        response = user_client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 303
        clients[username] = user_client
    return clients


def _fuzz_route(app, world, rule, method, data):
    draw = data.draw
    client = world[draw(st.sampled_from(sorted(world)), label="user")]
    url = _url(rule, draw)
    query = draw(FORM, label="query")
    kinds = ["form", "json", "raw", "multipart"]
    kind = draw(st.sampled_from(kinds), label="body") if method == "POST" else ""
    headers = {}
    if draw(st.booleans(), label="htmx"):
        headers["HX-Request"] = "true"
    if draw(st.booleans(), label="wants json"):
        headers["Accept"] = "application/json"
    options = {"query_string": query, "headers": headers}
    if kind == "form":
        options["data"] = draw(FORM, label="form")
    elif kind == "json":
        options["json"] = draw(JSON_BODY, label="json")
    elif kind == "multipart":
        fields = draw(FORM, label="form")
        name = draw(st.sampled_from(["photos", "photo", "file"]), label="file field")
        content = draw(st.binary(max_size=300), label="file")
        filename = draw(st.sampled_from(["a.jpg", "a.csv", "a.xlsx", "\x00.png", "../../x"]))
        options["data"] = {**fields, name: (io.BytesIO(content), filename)}
        options["content_type"] = "multipart/form-data"
    elif kind == "raw":
        options["data"] = draw(st.binary(max_size=200), label="raw")
        options["content_type"] = draw(
            st.sampled_from(["application/json", "application/x-www-form-urlencoded"])
        )
    # The test holds one app context, where Flask-Login keeps the last user it loaded:
    # forget it, so that this client's session cookie says who is asking.
    g.pop("_login_user", None)
    response = client.open(url, method=method, **options)
    assert response.status_code < 500, (method, url, options, response.status_code)


def pytest_generate_tests(metafunc):
    """One test per route and method of the URL map, read from an app made for that."""
    if "route" in metafunc.fixturenames:
        with tempfile.TemporaryDirectory(prefix="fieldapp-fuzz-") as folder:
            app = create_app(
                {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "UPLOAD_FOLDER": folder}
            )
            pairs = [(rule.rule, method) for rule, method in _rules(app)]
        metafunc.parametrize("route", pairs, ids=[f"{m} {r}" for r, m in pairs])


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_no_route_answers_5xx_to_hostile_input(app, world, route, data):
    path, method = route
    [rule] = [
        rule for rule in app.url_map.iter_rules() if rule.rule == path and method in rule.methods
    ]
    _fuzz_route(app, world, rule, method, data)
