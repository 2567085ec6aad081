"""Forms of the venue area: on-the-spot registration, an admin's edit and closing."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from fieldapp.access import CommunePicker
from fieldapp.fragments import id_param
from fieldapp.phones import PhoneNumber
from fieldapp.places import unit_of
from fieldapp.venues.labels import VENUE_TYPE_LABELS


def _chosen_id(value) -> int | None:
    """The chosen commune's (district's) id; None for the empty "choose" option. A value
    that is no id raises ValueError: WTForms then refuses the choice in the app's words."""
    if value in (None, ""):
        return None
    chosen = id_param(str(value))
    if chosen is None:
        raise ValueError(value)
    return chosen


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
        coerce=_chosen_id,
        validators=[InputRequired(_l("Choose a commune of your district."))],
        invalid_choice_message=_l("Choose a commune of your district."),
    )
    # Offered only when the user's area has too many communes to list (commune_picker):
    # choosing a district fills the commune list.
    district_id = SelectField(
        _l("District"), coerce=_chosen_id, validators=[Optional()], validate_choice=False
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
            PhoneNumber(),
        ],
    )
    qr_payload = TextAreaField(
        _l("Registered QR code content (if known)"), validators=[Length(max=2000)]
    )
    latitude = latitude_field()
    longitude = longitude_field()


def offer_places(form: VenueForm, picker: CommunePicker) -> None:
    """Fill a venue form's lists from the user's picker: the communes (under their district's
    name when there are several districts), and the districts first for a wide area."""
    choose = [("", _("— Choose —"))]
    if picker.districts:
        form.district_id.choices = {
            None: [("", _("— Choose a district first —"))],
            **{
                unit_of(province, capitalised=True): [
                    (district.id, unit_of(district, capitalised=True))
                    for district in picker.districts
                    if district.province_id == province.id
                ]
                for province in dict.fromkeys(d.province for d in picker.districts)
            },
        }
        form.district_id.data = picker.district.id if picker.district else None
    by_district = picker.by_district()
    if len(by_district) > 1:
        groups: dict = {None: choose}
        for district, communes in by_district:
            label = unit_of(district, capitalised=True)
            if label in groups:  # two "Huyện Châu Thành" of two provinces
                label += f" ({unit_of(district.province)})"
            groups[label] = [(c.id, c.name) for c in communes]
        form.commune_id.choices = groups
    else:
        form.commune_id.choices = choose + [(c.id, c.name) for c in picker.communes]


class VenueEditForm(VenueForm):
    """An admin's change of a venue's details: the registration's fields but the code
    (posters and the national registry carry it). Emptying the registered QR code content
    is asked twice: posters carry it, and no print can be made without it."""

    code = None
    remove_qr = BooleanField(_l("Yes, remove the registered QR code content"))
    # The venue's content before this edit (set by the route): emptying it needs remove_qr.
    registered_qr = ""

    def validate_qr_payload(self, field) -> None:
        """Emptying the registered content without the box ticked: refused, and the content
        put back in the field (the admin need not type it again; the other edits stay)."""
        emptied = bool((self.registered_qr or "").strip()) and not (field.data or "").strip()
        if emptied and not self.remove_qr.data:
            field.data = self.registered_qr
            raise ValidationError(
                _(
                    "The venue's QR code prints carry this content, so it was put back. To"
                    " remove it, tick the box below, then save."
                )
            )

    @property
    def qr_payload_kept(self) -> str:
        """The content to save: none when the admin ticked the box to remove it and left the
        field empty or as registered (new content typed is a change, saved)."""
        typed = (self.qr_payload.data or "").strip()
        if self.remove_qr.data and typed in ("", (self.registered_qr or "").strip()):
            return ""
        return self.qr_payload.data or ""

    @property
    def asks_to_remove_qr(self) -> bool:
        """Whether the page shows the box confirming the removal."""
        return bool(self.qr_payload.errors) or bool(self.remove_qr.data)


class CloseVenueForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for closing"),
        validators=[
            DataRequired(_l("Say why the venue is closed.")),
            Length(max=300, message=_l("Write the reason in at most 300 characters.")),
        ],
    )
