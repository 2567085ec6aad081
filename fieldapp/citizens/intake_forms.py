"""The report form: the public one (/phan-anh, /p/<code>) and the office's (the same fields
and the channel a report arrived by). Where (commune, venue) is read by the routes, since the
public form offers any district's places and the office's only its own."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from fieldapp import clock
from fieldapp.citizens.intake import (
    RECEIVED_WITHIN,
    received_at_refusal,
    report_with_source_ref,
)
from fieldapp.citizens.labels import CHANNEL_LABELS, PROBLEM_LABELS
from fieldapp.citizens.public_labels import OFFICE_CHANNELS
from fieldapp.phones import phone_digits

# How a datetime-local input sends a moment (a browser without one may type 01/12/2026 08:30).
RECEIVED_AT_INPUT = "%Y-%m-%dT%H:%M"
# Size limits of what a citizen types (the model's columns, and a page of details).
PLACE_MAX = 300
DETAILS_MAX = 2000


class ReportForm(FlaskForm):
    """A citizen's report as the public form sends it."""

    problem = RadioField(
        _l("What is wrong?"),
        choices=list(PROBLEM_LABELS.items()),
        validators=[InputRequired(_l("Choose what is wrong."))],
        validate_choice=True,
    )
    details = TextAreaField(
        _l("Details (optional)"),
        validators=[
            Length(
                max=DETAILS_MAX,
                message=_l("Write at most %(max)d characters.", max=DETAILS_MAX),
            )
        ],
    )
    place = StringField(
        _l("Name and address of the place"),
        validators=[
            Length(max=PLACE_MAX, message=_l("Write at most %(max)d characters.", max=PLACE_MAX))
        ],
    )
    photo = FileField(_l("Photo (optional)"))
    contact_phone = StringField(_l("Your phone number, for an answer (optional)"))
    # When the report was received (naive UTC): now for the public form; the office's form
    # sets it from its "received at" once validated.
    received_moment = None
    # The honeypot: hidden from people, filled by form-filling robots.
    website = StringField(_l("Leave this empty"))

    def validate_details(self, field):
        if self.problem.data == "other" and not (field.data or "").strip():
            raise ValidationError(_l("Say what is wrong."))

    def validate_contact_phone(self, field):
        phone = phone_digits(field.data)
        if phone is None:
            raise ValidationError(_l("Enter a phone number of 9 to 15 digits, or leave it empty."))
        field.data = phone

    @property
    def is_robot(self) -> bool:
        """The honeypot was filled: a robot, answered like a person but nothing kept."""
        return bool((self.website.data or "").strip())


class OfficeReportForm(ReportForm):
    """A report the office enters (telephone, hotline, the national system)."""

    channel = SelectField(
        _l("Received by"),
        choices=[(code, CHANNEL_LABELS[code]) for code in OFFICE_CHANNELS],
        validators=[InputRequired(_l("Choose how the report arrived."))],
        invalid_choice_message=_l("Choose how the report arrived."),
    )
    contact_phone = StringField(_l("Caller's phone number (optional)"))
    # When the call came (Vietnam's time); the report's deadline counts from it.
    received_at = StringField(
        _l("Received at"), default=lambda: clock.now().strftime(RECEIVED_AT_INPUT)
    )
    # The national system's own reference: a later import of its spreadsheet skips it.
    source_ref = StringField(
        _l("Reference in the national system (if any)"),
        validators=[Length(max=64, message=_l("Write at most %(max)d characters.", max=64))],
        filters=[lambda value: (value or "").strip() or None],
    )

    def validate_source_ref(self, field):
        if field.data is not None:
            known = report_with_source_ref(field.data)
            if known is not None:
                raise ValidationError(
                    _l(
                        "This reference is already recorded: tracking code %(code)s.",
                        code=known.tracking_code,
                    )
                )

    def validate_received_at(self, field):
        moment = clock.parse_moment((field.data or "").replace("T", " "))
        if moment is None:
            raise ValidationError(_l("Enter the day and time received, as DD/MM/YYYY HH:MM."))
        refusal = received_at_refusal(moment, clock.utcnow())
        if refusal == "future":
            raise ValidationError(_l("The time received cannot be in the future."))
        if refusal == "too_old":
            raise ValidationError(
                _l(
                    "Only a report received in the last %(days)d days can be entered here.",
                    days=RECEIVED_WITHIN.days,
                )
            )
        self.received_moment = moment
