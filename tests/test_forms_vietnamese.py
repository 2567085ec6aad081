"""WTForms' own messages (a choice not offered, text in a number, a bad date, a field left
empty) reach the user in the user's language: Vietnamese by default, English when chosen.

WTForms ships no Vietnamese catalogue; `fieldapp/form_messages.py` gives Flask-WTF the app's
own, where messages.po translates every message WTForms and Flask-WTF can raise."""

import gettext
import io
from datetime import timedelta
from pathlib import Path

import flask_wtf
import pytest
import wtforms
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, get_translations
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from markupsafe import escape
from werkzeug.datastructures import MultiDict
from wtforms import DateField, DecimalField, FloatField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from fieldapp import clock

PO = Path(__file__).resolve().parent.parent / "fieldapp/translations/vi/LC_MESSAGES/messages.po"

# English texts WTForms shows for tampered input: none may reach a Vietnamese screen.
ENGLISH = (
    "Not a valid",
    "is not a valid choice",
    "Invalid Choice",
    "This field is required",
    "could not coerce",
)


def vi(message: str) -> str:
    """WTForms' message as the Vietnamese catalogue says it (never the English left as is)."""
    with force_locale("vi"):
        translated = _(message)
    assert translated != message
    return translated


def vi_plural(singular: str, plural: str) -> str:
    with force_locale("vi"):
        translated = get_translations().ungettext(singular, plural, 1)
    assert translated != singular
    return translated


def builtin_messages() -> list[str | tuple[str, str]]:
    """Every message WTForms and Flask-WTF can show, read from their installed source (so an
    upgrade that adds one adds it here): plain ids, and (singular, plural) pairs."""
    found = []
    for package in (wtforms, flask_wtf):
        for _file, _line, message, _comments, _context in extract_from_dir(
            Path(package.__file__).parent,
            method_map=[("**.py", "python")],
            keywords={"gettext": None, "ngettext": (1, 2)},
        ):
            if message not in found:
                found.append(message)
    return found


BUILTIN = builtin_messages()


@pytest.fixture(scope="module")
def vietnamese():
    """messages.po compiled as `make install` compiles it (a stale .mo cannot hide a gap)."""
    with PO.open("rb") as po:
        catalog = read_po(po, locale="vi")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def test_the_list_of_builtin_messages_is_read():
    # The list comes from the installed packages: it must hold what the forms really raise.
    for expected in (
        "This field is required.",
        "Not a valid choice.",
        "Not a valid integer value.",
        "Not a valid decimal value.",
        "Not a valid float value.",
        "Not a valid date value.",
        "Invalid Choice: could not coerce.",
    ):
        assert expected in BUILTIN
    assert any(isinstance(message, tuple) for message in BUILTIN)  # Length's plurals


@pytest.mark.parametrize(
    "message", BUILTIN, ids=[m if isinstance(m, str) else m[0] for m in BUILTIN]
)
def test_every_builtin_message_has_its_vietnamese(vietnamese, message):
    if isinstance(message, tuple):
        translated = [vietnamese.ngettext(message[0], message[1], n) for n in (1, 2)]
        assert all(text not in message for text in translated), message
    else:
        translated = [vietnamese.gettext(message)]
        assert translated != [message], f"no Vietnamese for {message!r}"
    for text in translated:
        # Vietnamese, not an English sentence left as it was.
        assert any(ord(char) > 127 for char in text), text


class Tampered(FlaskForm):
    """Any form of the app: every field kind that can refuse what it is sent."""

    name = StringField(validators=[DataRequired(), Length(min=3)])
    count = IntegerField()
    amount = DecimalField()
    accuracy = FloatField()
    day = DateField()
    kind = SelectField(choices=[("market", "Chợ")])
    district = SelectField(choices=[(1, "Quan Sơn")], coerce=int)


TAMPERED = MultiDict(
    {
        "name": "",
        "count": "mười",
        "amount": "1,5",
        "accuracy": "xa",
        "day": "31/02/2026",
        "kind": "casino",
        "district": "abc",
    }
)


def _errors(app, locale: str) -> dict[str, list[str]]:
    with app.test_request_context("/", method="POST"):
        app.preprocess_request()  # the app's before-request hooks, as a real request runs them
        with force_locale(locale):
            form = Tampered(formdata=TAMPERED, meta={"csrf": False})
            assert not form.validate()
            return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def test_any_form_speaks_vietnamese(app):
    errors = _errors(app, "vi")
    assert errors == {
        "name": [vi("This field is required.")],
        "count": [vi("Not a valid integer value.")],
        "amount": [vi("Not a valid decimal value.")],
        "accuracy": [vi("Not a valid float value.")],
        "day": [vi("Not a valid date value.")],
        "kind": [vi("Not a valid choice.")],
        "district": [vi("Invalid Choice: could not coerce.")],
    }


def test_any_form_speaks_english_when_chosen(app):
    errors = _errors(app, "en")
    assert errors["name"] == ["This field is required."]
    assert errors["count"] == ["Not a valid integer value."]
    assert errors["amount"] == ["Not a valid decimal value."]
    assert errors["day"] == ["Not a valid date value."]
    assert errors["kind"] == ["Not a valid choice."]


# The app's real forms, posted with what no screen offers ------------------------------------


def _assert_vietnamese(response, *messages):
    page = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, (response.status_code, page[:300])
    for message in messages:
        assert message in page
    for english in ENGLISH:
        assert english not in page


def test_the_inspection_form_refuses_tampered_values_in_vietnamese(login, make_venue, post_finding):
    venue = make_venue()
    login(role="inspector")
    response = post_finding(
        venue,
        visitors_observed="mười",  # a count
        actions=["reinspection_scheduled", "sent_to_police"],  # a choice not offered
        reinspection_due="31/02/2026",  # a date
    )
    _assert_vietnamese(
        response,
        vi("Not a valid integer value."),
        vi_plural(
            "'%(value)s' is not a valid choice for this field.",
            "'%(value)s' are not valid choices for this field.",
        )
        % {"value": "sent_to_police"},
        vi("Not a valid date value."),
    )


def test_the_inspection_form_refuses_them_in_english_when_chosen(
    login, make_user, make_venue, post_finding
):
    venue = make_venue()
    login(make_user(username="anh", role="inspector", locale="en"))
    response = post_finding(
        venue, visitors_observed="ten", reinspection_due="soon", actions=["reinspection_scheduled"]
    )
    page = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500
    assert "Not a valid integer value." in page
    assert "Not a valid date value." in page
    assert vi("Not a valid integer value.") not in page


def test_the_venue_form_refuses_text_in_a_coordinate_in_vietnamese(client, login, make_venue):
    venue = make_venue()
    login(role="admin")
    response = client.post(
        f"/venues/{venue.id}/edit",
        data={
            "name": venue.name,
            "venue_type": venue.venue_type,
            "commune_id": str(venue.commune_id),
            "latitude": "20,25 độ Bắc",
            "longitude": "104.94",
        },
    )
    _assert_vietnamese(response, vi("Not a valid float value."))
    assert "20,25 độ Bắc" in response.get_data(as_text=True)  # what was typed is kept


def test_the_account_form_refuses_a_role_and_district_not_offered(client, login):
    login(role="admin")
    response = client.post(
        "/users/new",
        data={
            "username": "hung",
            "display_name": "Lò Văn Hùng",
            "role": "emperor",
            "scope": "district",
            "district_id": "abc",
        },
    )
    _assert_vietnamese(response, vi("Not a valid choice."), vi("Invalid Choice: could not coerce."))
    assert 'value="hung"' in response.get_data(as_text=True)  # what was typed is kept


def test_the_account_form_in_english(client, login, make_user):
    login(make_user(username="boss", role="admin", locale="en"))
    response = client.post(
        "/users/new",
        data={
            "username": "hung",
            "display_name": "Hùng",
            "role": "emperor",
            "scope": "district",
            "district_id": "abc",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not a valid choice." in page
    assert vi("Not a valid choice.") not in page


NEXT_WEEK = (clock.today() + timedelta(days=7)).strftime("%d/%m/%Y")


def test_the_assignment_form_refuses_tampered_values_in_vietnamese(client, login, make_venue):
    # Not a WTForms form: read by hand, its refusals are the app's own, Vietnamese too.
    venue = make_venue()
    login(role="supervisor")
    for data, message in (
        ({"due": "31/02/2026", "inspector": "1"}, "Enter the due date as DD/MM/YYYY."),
        ({"due": NEXT_WEEK, "inspector": "mười"}, "Choose an inspector of your district."),
    ):
        response = client.post(
            "/assignments", data={"venue": str(venue.id), "note": "Kiểm tra lại", **data}
        )
        with force_locale("vi"):
            vietnamese = _(message)
        assert vietnamese != message
        _assert_vietnamese(response, str(escape(vietnamese)))
        assert 'value="Kiểm tra lại"' in response.get_data(as_text=True)


def test_a_broken_position_is_refused_where_the_inspector_sees_it(login, make_venue, post_finding):
    """The position's fields are hidden (the phone fills them): a value the app refuses is
    said under the position, not lost in a field nobody sees."""
    venue = make_venue()
    login(role="inspector")
    response = post_finding(venue, latitude="abc", longitude="105.1")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    position = page[page.index('id="gps"') : page.index("</section>", page.index('id="gps"'))]
    assert vi("Not a valid float value.") in position
    assert 'class="error"' in position


def test_a_new_venues_broken_position_is_said_under_it(client, login, quan_son):
    login(role="inspector")
    son_ha = next(c for c in quan_son.communes if c.name == "Sơn Hà")
    response = client.post(
        "/venues/new",
        data={"name": "Quán Bản Nưa", "venue_type": "shop", "commune_id": son_ha.id,
              "latitude": "200", "longitude": "105.1"},
    )  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Vĩ độ phải nằm trong khoảng từ -90 đến 90." in page
