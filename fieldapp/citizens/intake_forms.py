"""The report form: the public one (/phan-anh, /p/<code>) and the office's (the same fields
and the channel a report arrived by). Where (commune, venue) is read by the routes, since the
public form offers any district's places and the office's only its own."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from fieldapp.citizens.intake import clean_phone, report_with_source_ref
from fieldapp.citizens.labels import CHANNEL_LABELS, PROBLEM_LABELS
from fieldapp.citizens.public_labels import OFFICE_CHANNELS

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
    # The honeypot: hidden from people, filled by form-filling robots.
    website = StringField(_l("Leave this empty"))

    def validate_details(self, field):
        if self.problem.data == "other" and not (field.data or "").strip():
            raise ValidationError(_l("Say what is wrong."))

    def validate_contact_phone(self, field):
        phone = clean_phone(field.data)
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
