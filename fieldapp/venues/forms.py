"""Forms of the venue area: on-the-spot registration, an admin's edit and closing."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from fieldapp.venues.labels import VENUE_TYPE_LABELS


def _commune_id(value) -> int | None:
    """The chosen commune's id; None for the empty "choose" option."""
    return int(value) if value not in (None, "") else None


def latitude_field() -> FloatField:
    """A position's latitude, typed or sent by the phone: optional, on the globe; refused in
    the app's own words (WTForms has no Vietnamese catalogue). Venues' and findings' forms."""
    return FloatField(
        validators=[
            Optional(),
            NumberRange(-90, 90, _l("The latitude must be between -90 and 90.")),
        ]
    )


def longitude_field() -> FloatField:
    """A position's longitude, as `latitude_field`."""
    return FloatField(
        validators=[
            Optional(),
            NumberRange(-180, 180, _l("The longitude must be between -180 and 180.")),
        ]
    )


class VenueForm(FlaskForm):
    name = StringField(
        _l("Venue name"), validators=[InputRequired(_l("Enter the venue's name.")), Length(max=255)]
    )
    venue_type = SelectField(
        _l("Type"),
        choices=[("", _l("— Choose —")), *list(VENUE_TYPE_LABELS.items())],
        validators=[InputRequired(_l("Choose a type."))],
        invalid_choice_message=_l("Choose a type."),
    )
    commune_id = SelectField(
        _l("Commune"),
        coerce=_commune_id,
        validators=[InputRequired(_l("Choose a commune of your district."))],
        invalid_choice_message=_l("Choose a commune of your district."),
    )
    address = StringField(_l("Address"), validators=[Length(max=255)])
    code = StringField(
        _l("Venue code (if it has one)"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(
                r"^[A-Za-z0-9._-]+$", message=_l("Letters, digits, dot, dash or underscore only.")
            ),
        ],
    )
    contact_name = StringField(_l("Contact person"), validators=[Length(max=100)])
    contact_phone = StringField(
        _l("Contact phone"),
        validators=[
            Optional(),
            Regexp(r"^\+?[0-9 .]{9,15}$", message=_l("Enter a phone number of 9 to 11 digits.")),
        ],
    )
    qr_payload = TextAreaField(
        _l("Registered QR code content (if known)"), validators=[Length(max=2000)]
    )
    latitude = latitude_field()
    longitude = longitude_field()


class VenueEditForm(VenueForm):
    """An admin's change of a venue's details: the registration's fields but the code
    (posters and the national registry carry it)."""

    code = None


class CloseVenueForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for closing"),
        validators=[
            DataRequired(_l("Say why the venue is closed.")),
            Length(max=300, message=_l("Write the reason in at most 300 characters.")),
        ],
    )
