"""The inspection checklist as a Flask-WTF form."""
import uuid as uuid_module
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField, FloatField, HiddenField, IntegerField, RadioField, SelectMultipleField,
    StringField, TextAreaField,
)
from wtforms.validators import (
    NumberRange, Optional, Length, Regexp, ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from fieldapp import clock
from fieldapp.inspections.labels import (
    ACTION_LABELS, CHECKIN_LABELS, QR_MATCHES_LABELS, QR_POSTED_LABELS, YES_NO,
    YES_NO_UNKNOWN,
)
from fieldapp.inspections.outcome import Checklist

CHOOSE_ONE = _l("Choose one answer.")
PHONE = Regexp(r"^\+?[0-9 .]{9,15}$", message=_l("Enter a phone number of 9 to 11 digits."))


def _count(label):
    return IntegerField(label, validators=[
        Optional(), NumberRange(min=0, max=1_000_000, message=_l("Enter a number of 0 or more.")),
    ])


def _required_radio(label, labels):
    return RadioField(label, choices=list(labels.items()), invalid_choice_message=CHOOSE_ONE)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _tristate(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class InspectionForm(FlaskForm):
    uuid = HiddenField()
    device_time = HiddenField()
    latitude = FloatField(validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(validators=[Optional(), NumberRange(-180, 180)])
    gps_accuracy = FloatField(validators=[Optional(), NumberRange(0, 100_000)])

    qr_posted = _required_radio(_l("Is the QR code posted?"), QR_POSTED_LABELS)
    qr_size_ok = RadioField(_l("Is the printed code at least 15×15 cm?"),
                            choices=YES_NO_UNKNOWN, default="unknown",
                            invalid_choice_message=CHOOSE_ONE)
    qr_matches = _required_radio(_l("Is it the venue's own registered code?"), QR_MATCHES_LABELS)
    checkin_method = _required_radio(_l("How does the venue check people in?"), CHECKIN_LABELS)
    staff_assigned = RadioField(_l("Has the venue assigned someone to make visitors scan?"),
                                choices=YES_NO, invalid_choice_message=CHOOSE_ONE)
    staff_name = StringField(_l("Name of the assigned person"), validators=[Length(max=100)])
    staff_phone = StringField(_l("Their phone"), validators=[Optional(), PHONE])
    visitors_observed = _count(_l("Visitors seen entering"))
    visitors_scanned = _count(_l("Of them, scanned"))
    venue_scan_count = _count(_l("Venue's own scan count (if shown)"))
    staff_total = _count(_l("Venue staff in total"))
    staff_with_app = _count(_l("Of them, with PC-Covid installed"))
    paper_fallback = RadioField(_l("Is there a paper log for visitors without a smartphone?"),
                                choices=YES_NO_UNKNOWN, default="unknown",
                                invalid_choice_message=CHOOSE_ONE)
    risk_assessment_done = RadioField(
        _l("Has the enterprise done the COVID risk self-assessment?"),
        choices=YES_NO_UNKNOWN, default="unknown", invalid_choice_message=CHOOSE_ONE)
    actions = MultiCheckboxField(_l("Done on the spot"), choices=list(ACTION_LABELS.items()))
    reinspection_due = DateField(_l("Re-inspect by"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])
    photos = MultipleFileField(_l("Photos of the poster and entrance"))
    # What the phone read from the posted code; the server judges whose code it is.
    scanned_payload = HiddenField(validators=[Length(max=4000)])

    def __init__(self, *args, is_enterprise: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # With no code posted there is nothing to compare: the question is skipped.
        if self.qr_posted.data == "missing" and not self.qr_matches.data:
            self.qr_matches.data = "not_checked"
        if not is_enterprise:
            del self.risk_assessment_done
        if not self.uuid.data and not self.is_submitted():
            self.uuid.data = str(uuid_module.uuid4())

    def validate_uuid_only(self) -> bool:
        """Check the UUID before the rest, so photos can be kept under it."""
        try:
            self.validate_uuid(self.uuid)
        except ValidationError:
            return False
        return True

    def validate_uuid(self, field):
        try:
            field.data = str(uuid_module.UUID(field.data))
        except (TypeError, ValueError):
            raise ValidationError(_l("This form is damaged: reload the page."))

    def validate_staff_name(self, field):
        if self.staff_assigned.data == "yes" and not field.data.strip():
            raise ValidationError(_l("Enter the name of the person assigned."))


    def validate_visitors_scanned(self, field):
        if field.data is None:
            return
        if self.visitors_observed.data is None:
            raise ValidationError(_l("Enter how many visitors you saw first."))
        if field.data > self.visitors_observed.data:
            raise ValidationError(_l("Cannot be more than the visitors seen entering."))

    def validate_staff_with_app(self, field):
        if field.data is None:
            return
        if self.staff_total.data is None:
            raise ValidationError(_l("Enter the number of staff first."))
        if field.data > self.staff_total.data:
            raise ValidationError(_l("Cannot be more than the staff in total."))

    def validate_reinspection_due(self, field):
        # Against the day the finding was made: one sent from the outbox days later,
        # or corrected after review, is judged as it was typed.
        device_time = _parse_device_time(self.device_time.data)
        today = clock.today()
        made_on = clock.vietnam_date(device_time) if device_time else today
        if field.data and field.data < min(made_on, today):
            raise ValidationError(_l("The date is in the past."))

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the answers that depend on others (Optional() fields
        skip their inline validators when empty, so these live here)."""
        valid = super().validate(extra_validators)
        if self.staff_assigned.data == "yes" and not (self.staff_phone.data or "").strip() \
                and not self.staff_phone.errors:
            self.staff_phone.errors.append(_l("Enter their phone number."))
            valid = False
        if "reinspection_scheduled" in (self.actions.data or []) \
                and not self.reinspection_due.data and not self.reinspection_due.errors:
            self.reinspection_due.errors.append(_l("Enter the re-inspection date."))
            valid = False
        return valid

    def checklist(self) -> Checklist:
        """The answers as plain values for the outcome rule and the service."""
        risk = getattr(self, "risk_assessment_done", None)
        staff = self.staff_assigned.data == "yes"
        return Checklist(
            qr_posted=self.qr_posted.data,
            qr_matches=self.qr_matches.data,
            checkin_method=self.checkin_method.data,
            staff_assigned=staff,
            qr_size_ok=_tristate(self.qr_size_ok.data),
            staff_name=(self.staff_name.data or "").strip() if staff else "",
            staff_phone=(self.staff_phone.data or "").strip() if staff else "",
            visitors_observed=self.visitors_observed.data,
            visitors_scanned=self.visitors_scanned.data,
            venue_scan_count=self.venue_scan_count.data,
            staff_total=self.staff_total.data,
            staff_with_app=self.staff_with_app.data,
            paper_fallback=_tristate(self.paper_fallback.data),
            risk_assessment_done=_tristate(risk.data) if risk else None,
            actions=list(self.actions.data or []),
            reinspection_due=self.reinspection_due.data,
            notes=(self.notes.data or "").strip(),
            device_time=_parse_device_time(self.device_time.data),
            scanned_payload=(self.scanned_payload.data or "").strip(),
        )

    def answered_enough_to_assess(self) -> bool:
        """True when the answers the outcome rule needs are given (for the preview)."""
        return all(f.data in dict(f.choices) for f in
                   (self.qr_posted, self.qr_matches, self.checkin_method, self.staff_assigned))


def answers_of(inspection) -> dict:
    """A stored inspection as form data, to correct it."""
    def tri(value):
        return {True: "yes", False: "no"}.get(value, "unknown")
    return {
        "uuid": inspection.uuid, "latitude": inspection.latitude,
        "longitude": inspection.longitude, "gps_accuracy": inspection.gps_accuracy_m,
        "qr_posted": inspection.qr_posted, "qr_size_ok": tri(inspection.qr_size_ok),
        "qr_matches": inspection.qr_matches, "checkin_method": inspection.checkin_method,
        "staff_assigned": "yes" if inspection.staff_assigned else "no",
        "staff_name": inspection.staff_name, "staff_phone": inspection.staff_phone,
        "visitors_observed": inspection.visitors_observed,
        "visitors_scanned": inspection.visitors_scanned,
        "venue_scan_count": inspection.venue_scan_count, "staff_total": inspection.staff_total,
        "staff_with_app": inspection.staff_with_app,
        "paper_fallback": tri(inspection.paper_fallback),
        "risk_assessment_done": tri(inspection.risk_assessment_done),
        "actions": inspection.action_list, "reinspection_due": inspection.reinspection_due,
        "notes": inspection.notes, "scanned_payload": inspection.scanned_payload,
        "device_time": inspection.device_time.isoformat() if inspection.device_time else "",
    }


def _parse_device_time(value: str | None) -> datetime | None:
    """The phone's clock, sent as ISO 8601; stored as naive UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment
