"""The inspection form: the checklist's questions (checklist.py) as a Flask-WTF form."""

import uuid as uuid_module
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from fieldapp import clock
from fieldapp.inspections.checklist import (
    KEEP_ANSWER,
    QUESTIONS,
    SECTIONS,
    FormGroup,
    Question,
    form_layout,
    questions_for,
    stored_answers,
)
from fieldapp.inspections.labels import YES_NO, YES_NO_UNKNOWN
from fieldapp.inspections.outcome import REQUIRED_ANSWERS
from fieldapp.phones import PhoneNumber
from fieldapp.venues.forms import latitude_field, longitude_field

CHOOSE_ONE = _l("Choose one answer.")
MAX_COUNT = 1_000_000  # the largest count a question takes (its message says 1,000,000)
PHONE = PhoneNumber()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _form_field(question: Question):
    """The WTForms field that asks a checklist question, by its kind."""
    label = question.label
    length = [Length(max=question.max_length)] if question.max_length else []
    if question.kind == "choice":
        return RadioField(
            label, choices=list(question.choices.items()), invalid_choice_message=CHOOSE_ONE
        )
    if question.kind == "yes_no":
        return RadioField(label, choices=YES_NO, invalid_choice_message=CHOOSE_ONE)
    if question.kind == "yes_no_unknown":
        return RadioField(
            label, choices=YES_NO_UNKNOWN, default="unknown", invalid_choice_message=CHOOSE_ONE
        )
    if question.kind == "count":
        return IntegerField(
            label,
            validators=[
                Optional(),
                NumberRange(min=0, message=_l("Enter a number of 0 or more.")),
                NumberRange(max=MAX_COUNT, message=_l("Enter a number no larger than 1,000,000.")),
            ],
        )
    if question.kind == "text":
        return StringField(label, validators=length)
    if question.kind == "phone":
        return StringField(label, validators=[Optional(), PHONE])
    if question.kind == "actions":
        return MultiCheckboxField(label, choices=list(question.choices.items()))
    if question.kind == "date":
        return DateField(label, validators=[Optional()])
    if question.kind == "notes":
        return TextAreaField(label, validators=length)
    if question.kind == "scanned_code":
        return HiddenField(label, validators=length)
    raise ValueError(f"unknown kind of question: {question.kind}")


def _answer(question: Question, field):
    """A field's value as the answer the checklist stores."""
    if question.kind == "yes_no":
        return field.data == "yes"
    if question.kind == "yes_no_unknown":
        return {"yes": True, "no": False}.get(field.data or "")
    if question.kind in ("text", "phone", "notes", "scanned_code"):
        return (field.data or "").strip()
    if question.kind == "actions":
        return list(field.data or [])
    return field.data


def _skipped_data(question: Question):
    """What a skipped question's field holds, so its required choice passes validation."""
    if question.kind == "choice" and question.skipped in question.choices:
        return question.skipped
    return None


class InspectionForm(FlaskForm):
    """The checklist's questions (added below from checklist.QUESTIONS), the form's UUID,
    the phone's clock and position, and the photos."""

    uuid = HiddenField()
    device_time = HiddenField()
    latitude = latitude_field()
    longitude = longitude_field()
    gps_accuracy = FloatField(
        validators=[
            Optional(),
            NumberRange(0, 100_000, _l("The GPS accuracy must be 0 to 100,000 m.")),
        ]
    )

    def __init__(self, *args, venue=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.venue = venue
        for question in QUESTIONS:
            if not question.applies_to(venue):
                delattr(self, question.name)
            elif not self._asked(question) and not self[question.name].data:
                self[question.name].data = _skipped_data(question)
        if not self.uuid.data and not self.is_submitted():
            self.uuid.data = str(uuid_module.uuid4())

    sections = SECTIONS
    max_count = MAX_COUNT  # the count inputs' max

    def questions(self, section: str | None = None) -> list[Question]:
        """The checklist's questions this form asks, of one section if given."""
        return questions_for(self.venue, section)

    def layout(self, section: str) -> list[FormGroup]:
        """A section's questions grouped as the page draws them."""
        return form_layout(self.questions(section))

    def _raw(self) -> dict:
        return {name: field.data for name, field in self._fields.items()}

    def _asked(self, question: Question) -> bool:
        return question.asked_when is None or question.asked_when.holds(self._raw(), self.venue)

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
        except (TypeError, ValueError, AttributeError):  # AttributeError: not text at all
            raise ValidationError(_l("This form is damaged: reload the page.")) from None

    def validate_device_time(self, field):
        if field.data and _parse_device_time(field.data) is None:
            raise ValidationError(
                _l("The phone's date and time cannot be right: set its clock and send again.")
            )

    def _check_not_before_visit(self, field) -> None:
        # Against the day the finding was made: one sent from the outbox days later,
        # or corrected after review, is judged as it was typed.
        device_time = _parse_device_time(self.device_time.data)
        today = clock.today()
        made_on = clock.vietnam_date(device_time) if device_time else today
        if field.data and field.data < min(made_on, today):
            field.errors.append(_l("The date is in the past."))
        elif field.data and clock.beyond_planning(field.data):
            field.errors.append(clock.planning_refusal())

    @staticmethod
    def latest_day():
        """The last day a date on the form may be (clock.beyond_planning): the picker's max."""
        return clock.latest_planned_day()

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then what the checklist declares: answers required when a
        question applies, counts bounded by others, dates not before the visit."""
        super().validate(extra_validators)
        raw = self._raw()
        for question in self.questions():
            field = self[question.name]
            if field.errors:
                continue
            asked = self._asked(question)
            if (
                question.required
                and asked
                and _answer(question, field) in (None, "", [])
                and (
                    question.required_when is None or question.required_when.holds(raw, self.venue)
                )
            ):
                field.errors.append(question.required)
            elif question.at_most and field.data is not None:
                other = self[question.at_most.other].data
                if other is None:
                    field.errors.append(question.at_most.missing_message)
                elif field.data > other:
                    field.errors.append(question.at_most.over_message)
            elif question.kind == "date":
                self._check_not_before_visit(field)
        return not self.errors

    def answers(self) -> dict:
        """The answers as plain values by question, as the inspection stores them; a
        question that does not apply gets its `skipped` answer."""
        answers = {}
        for question in QUESTIONS:
            field = self._fields.get(question.name)
            if field is None or not self._asked(question):
                if question.skipped is not KEEP_ANSWER:
                    answers[question.name] = question.skipped
                    continue
            answers[question.name] = _answer(question, field) if field is not None else None
        return answers

    def problems(self) -> list[dict]:
        """The form's errors in the page's order (the position, then the checklist's
        questions, then the photos), each naming its question: what the outbox shows of a
        refused finding, where a dictionary of errors would come sorted by field code."""
        asked = {question.name for question in QUESTIONS} | {"photos"}
        return [
            {
                "name": field.name,
                "label": str(field.label.text) if field.name in asked else "",
                "messages": [str(message) for message in field.errors],
            }
            for field in self
            if field.errors
        ]

    def device_moment(self) -> datetime | None:
        """The phone's clock when the finding was made, as naive UTC."""
        return _parse_device_time(self.device_time.data)

    def answered_enough_to_assess(self) -> bool:
        """True when the answers the outcome rule needs are given (for the preview)."""
        return all(
            getattr(self, name).data in dict(getattr(self, name).choices)
            for name in REQUIRED_ANSWERS
        )


for _question in QUESTIONS:
    setattr(InspectionForm, _question.name, _form_field(_question))
del _question
# After the questions, so that the list of errors follows the page's order.
InspectionForm.photos = MultipleFileField(_l("Photos of the poster and entrance"))


def correction_data(inspection) -> dict:
    """A stored finding as form data, to correct it."""
    return {
        **stored_answers(inspection),
        "uuid": inspection.uuid,
        "latitude": inspection.latitude,
        "longitude": inspection.longitude,
        "gps_accuracy": inspection.gps_accuracy_m,
        "device_time": inspection.device_time.isoformat() if inspection.device_time else "",
    }


# A phone's clock outside these years is wrong, and 9999-12-31 would overflow in Vietnam's time.
DEVICE_TIME_RANGE = (datetime(2000, 1, 1), datetime(2100, 1, 1))


def _parse_device_time(value: str | None) -> datetime | None:
    """The phone's clock, sent as ISO 8601; stored as naive UTC. None if it is not a time
    or not a possible one."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    earliest, latest = DEVICE_TIME_RANGE
    return moment if earliest <= moment < latest else None
