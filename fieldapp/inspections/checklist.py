"""The inspection checklist, declared once: every question an inspector answers at a venue.

The form (forms.py), the saving of answers (service.py), the audit's field list (audit.py),
the inspection page (templates/inspections/show.html) and its PDF (reviews/report.py) are
all derived from QUESTIONS; none of them names a question.

To add a question: add a Question to QUESTIONS (where it belongs in the form), a column
of the same name on the Inspection model and its migration (`flask db migrate`), and the
Vietnamese of its label and title at the end of messages.po. The outcome rule
(outcome.py) only sees the answers it names; a new question changes no outcome unless
the rule is changed too.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fieldapp import clock
from fieldapp.inspections.labels import (
    ACTION_LABELS,
    CHECKIN_LABELS,
    QR_MATCHES_LABELS,
    QR_POSTED_LABELS,
)
from fieldapp.posters.labels import SCAN_VERDICT_LABELS

# How a question is asked and what its answer is:
#   choice          one of `choices` (big rows), required              -> the choice's code
#   yes_no          Yes / No, required                                 -> True / False
#   yes_no_unknown  Yes / No / Don't know ("Don't know" by default)    -> True / False / None
#   count           a whole number, 0 or more, may be left empty       -> int / None
#   text            one line (`max_length`)                            -> str, trimmed
#   phone           a phone number                                     -> str, trimmed
#   actions         any of `choices` (check boxes)                     -> list of codes
#   date            a day, not before the day of the visit             -> date / None
#   notes           free text over several lines (`max_length`)        -> str, trimmed
#   scanned_code    what the phone read from the posted code (hidden)  -> str, trimmed
KINDS = (
    "choice",
    "yes_no",
    "yes_no_unknown",
    "count",
    "text",
    "phone",
    "actions",
    "date",
    "notes",
    "scanned_code",
)


@dataclass(frozen=True)
class Condition:
    """When a question applies.

    `rule` depends on another answer, written as the phone's data-show-when reads it:
    "staff_assigned=yes" or "qr_posted!=missing" (for check boxes, "=" means "is among
    the ticked"). `venue` depends on the venue: a question that does not apply to it is
    left out of the form, the page and the PDF.
    """

    rule: str = ""
    venue: Callable[[Any], bool] | None = None

    def holds(self, answers: Mapping[str, Any], venue=None) -> bool:
        """Whether the condition holds for these raw answers (form values) and venue."""
        if self.venue is not None and (venue is None or not self.venue(venue)):
            return False
        if not self.rule:
            return True
        negate = "!=" in self.rule
        name, expected = self.rule.split("!=" if negate else "=", 1)
        given = answers.get(name)
        if isinstance(given, (list, tuple)):
            matches = expected in given
        else:
            matches = (given or "") == expected
        return not matches if negate else matches


@dataclass(frozen=True)
class AtMost:
    """A count that cannot exceed another one (scanned visitors of those seen)."""

    other: str
    missing_message: Any  # when the other count is empty
    over_message: Any


@dataclass(frozen=True)
class Answer:
    """One line of a finding as the page and the PDF show it."""

    name: str  # the question whose line it is
    title: str
    text: str
    detail: str = ""  # under the answer, e.g. the raw scanned code
    multiline: bool = False


# The `skipped` of a question whose answer is kept as posted even when it does not apply.
KEEP_ANSWER = object()


@dataclass(frozen=True)
class Question:
    """One question of the checklist: how it is asked, when, and how its answer is shown."""

    name: str  # the form field and the inspection's column
    kind: str
    label: Any  # the question on the form; also names the field in the audit trail
    section: str
    # The answer's heading on the page and the PDF; None when shown in another's line.
    title: Any = None
    shown_in: str | None = None  # the question whose line shows this answer
    choices: Mapping[str, Any] | None = None
    asked_when: Condition | None = None
    # The answer stored when the question does not apply (not asked).
    skipped: Any = KEEP_ANSWER
    # Required when it applies (choice and yes_no kinds always are), with this message;
    # `required_when` narrows it further.
    required: Any = None
    required_when: Condition | None = None
    at_most: AtMost | None = None
    max_length: int | None = None
    # Extra attributes of the input on the form, e.g. (("autocomplete", "name"),).
    attrs: tuple = ()
    # How the answer is shown; None: by its kind. Returns None to leave the line out.
    show: Callable[[Any], "Answer | None"] | None = None

    def applies_to(self, venue) -> bool:
        """Whether the venue is asked this question at all."""
        if self.asked_when is None or self.asked_when.venue is None:
            return True
        return venue is not None and self.asked_when.venue(venue)

    @property
    def show_when(self) -> str:
        """The rule the phone applies to show or hide the question as answers change."""
        return self.asked_when.rule if self.asked_when else ""


@dataclass(frozen=True)
class Section:
    name: str
    title: Any


SECTIONS = (
    Section("qr", _l("The QR code")),
    Section("checkin", _l("Checking people in")),
    Section("staff", _l("Staff and fallback")),
    Section("on_the_spot", _l("On the spot")),
)

STAFF_ASSIGNED = Condition("staff_assigned=yes")
QR_POSTED = Condition("qr_posted!=missing")
ENTERPRISE = Condition(venue=lambda venue: venue.is_enterprise)
REINSPECTION_SCHEDULED = Condition("actions=reinspection_scheduled")


def _dash(value) -> str:
    return "—" if value in (None, "") else str(value)


def _yes_no(value: bool | None) -> str:
    return _("Don't know") if value is None else (_("Yes") if value else _("No"))


def _number(value: int | None) -> str:
    return "—" if value is None else format_decimal(value, format="#,##0")


def _day(value: date | None) -> str:
    return clock.day_text(value) or "—"


def _part_of(part: int | None, whole: int | None) -> str:
    if whole is None:
        return "—"
    return _("%(scanned)s of %(seen)s", scanned=_dash(part), seen=whole)


def _show_staff(inspection) -> "Answer":
    if not inspection.staff_assigned:
        return _line("staff_assigned", _("No"))
    who = " · ".join(part for part in (inspection.staff_name, inspection.staff_phone) if part)
    return _line("staff_assigned", f"{_('Yes')}: {who}" if who else _("Yes"))


def _show_visitors(inspection) -> "Answer":
    return _line(
        "visitors_observed", _part_of(inspection.visitors_scanned, inspection.visitors_observed)
    )


def _show_staff_app(inspection) -> "Answer":
    return _line("staff_total", _part_of(inspection.staff_with_app, inspection.staff_total))


def _show_scan(inspection) -> "Answer | None":
    if not inspection.scan_verdict:
        return None
    return _line(
        "scanned_payload",
        str(SCAN_VERDICT_LABELS[inspection.scan_verdict]),
        detail=inspection.scanned_payload,
    )


QUESTIONS = (
    Question(
        "qr_posted",
        "choice",
        _l("Is the QR code posted?"),
        "qr",
        title=_l("QR code posted"),
        choices=QR_POSTED_LABELS,
    ),
    Question(
        "qr_size_ok",
        "yes_no_unknown",
        _l("Is the printed code at least 15×15 cm?"),
        "qr",
        title=_l("At least 15×15 cm"),
        asked_when=QR_POSTED,
        skipped=None,
    ),
    # With no code posted there is nothing to compare: the question is skipped.
    Question(
        "qr_matches",
        "choice",
        _l("Is it the venue's own registered code?"),
        "qr",
        title=_l("The venue's own code"),
        choices=QR_MATCHES_LABELS,
        asked_when=QR_POSTED,
        skipped="not_checked",
    ),
    # What the phone read from the posted code; the server judges whose code it is.
    Question(
        "scanned_payload",
        "scanned_code",
        _l("Scanned code"),
        "qr",
        title=_l("Scanned code"),
        asked_when=QR_POSTED,
        max_length=4000,
        show=_show_scan,
    ),
    Question(
        "checkin_method",
        "choice",
        _l("How does the venue check people in?"),
        "checkin",
        title=_l("Checking people in"),
        choices=CHECKIN_LABELS,
    ),
    Question(
        "staff_assigned",
        "yes_no",
        _l("Has the venue assigned someone to make visitors scan?"),
        "checkin",
        title=_l("Staff assigned"),
        show=_show_staff,
    ),
    Question(
        "staff_name",
        "text",
        _l("Name of the assigned person"),
        "checkin",
        shown_in="staff_assigned",
        asked_when=STAFF_ASSIGNED,
        skipped="",
        required=_l("Enter the name of the person assigned."),
        max_length=100,
        attrs=(("autocomplete", "name"),),
    ),
    Question(
        "staff_phone",
        "phone",
        _l("Their phone"),
        "checkin",
        shown_in="staff_assigned",
        asked_when=STAFF_ASSIGNED,
        skipped="",
        required=_l("Enter their phone number."),
    ),
    Question(
        "visitors_observed",
        "count",
        _l("Visitors seen entering"),
        "checkin",
        title=_l("Visitors scanning"),
        show=_show_visitors,
    ),
    Question(
        "visitors_scanned",
        "count",
        _l("Of them, scanned"),
        "checkin",
        shown_in="visitors_observed",
        at_most=AtMost(
            "visitors_observed",
            _l("Enter how many visitors you saw first."),
            _l("Cannot be more than the visitors seen entering."),
        ),
    ),
    Question(
        "venue_scan_count",
        "count",
        _l("Venue's own scan count (if shown)"),
        "checkin",
        title=_l("Venue's own scan count"),
    ),
    Question(
        "staff_total",
        "count",
        _l("Venue staff in total"),
        "staff",
        title=_l("Staff with PC-Covid"),
        show=_show_staff_app,
    ),
    Question(
        "staff_with_app",
        "count",
        _l("Of them, with PC-Covid installed"),
        "staff",
        shown_in="staff_total",
        at_most=AtMost(
            "staff_total",
            _l("Enter the number of staff first."),
            _l("Cannot be more than the staff in total."),
        ),
    ),
    Question(
        "paper_fallback",
        "yes_no_unknown",
        _l("Is there a paper log for visitors without a smartphone?"),
        "staff",
        title=_l("Paper log"),
    ),
    Question(
        "risk_assessment_done",
        "yes_no_unknown",
        _l("Has the enterprise done the COVID risk self-assessment?"),
        "staff",
        title=_l("Risk self-assessment"),
        asked_when=ENTERPRISE,
        skipped=None,
    ),
    Question(
        "actions",
        "actions",
        _l("Done on the spot"),
        "on_the_spot",
        title=_l("Done on the spot"),
        choices=ACTION_LABELS,
    ),
    Question(
        "reinspection_due",
        "date",
        _l("Re-inspect by"),
        "on_the_spot",
        title=_l("Re-inspect by"),
        required=_l("Enter the re-inspection date."),
        required_when=REINSPECTION_SCHEDULED,
    ),
    Question("notes", "notes", _l("Notes"), "on_the_spot", title=_l("Notes"), max_length=2000),
)
QUESTION_NAMES = tuple(question.name for question in QUESTIONS)
BY_NAME = {question.name: question for question in QUESTIONS}


def _line(name: str, text: str, detail: str = "") -> Answer:
    question = BY_NAME[name]
    return Answer(name, str(question.title), text, detail, question.kind == "notes")


def questions_for(venue, section: str | None = None) -> list[Question]:
    """The questions put to this venue (of one section of the form, if given), in order."""
    return [
        q for q in QUESTIONS if q.applies_to(venue) and (section is None or q.section == section)
    ]


@dataclass
class FormGroup:
    """Questions drawn together on the form: shown only when `show_when` holds (if set),
    in rows of one question or two (a count and the count bounded by it)."""

    show_when: str
    rows: list[tuple[Question, ...]]


def form_layout(questions: list[Question]) -> list[FormGroup]:
    """A section's questions in groups and rows, as the form draws them."""
    groups: list[FormGroup] = []
    for question in questions:
        if not groups or groups[-1].show_when != question.show_when:
            groups.append(FormGroup(question.show_when, []))
        rows = groups[-1].rows
        if question.at_most and rows and rows[-1][-1].name == question.at_most.other:
            rows[-1] = rows[-1] + (question,)
        else:
            rows.append((question,))
    return groups


def shown_answer(question: Question, inspection) -> Answer | None:
    """A question's line on the page and the PDF, by its own `show` or by its kind."""
    if question.show is not None:
        return question.show(inspection)
    value = getattr(inspection, question.name)
    if question.kind == "choice":
        text = str(question.choices[value]) if value in question.choices else _dash(value)
    elif question.kind in ("yes_no", "yes_no_unknown"):
        text = _yes_no(value)
    elif question.kind == "count":
        text = _number(value)
    elif question.kind == "actions":
        text = (
            "; ".join(str(question.choices.get(code, code)) for code in inspection.action_list)
            or "—"
        )
    elif question.kind == "date":
        text = _day(value)
    else:
        text = _dash(value)
    return _line(question.name, text)


def answer_lines(inspection) -> list[Answer]:
    """Every answer of a finding as the page and the PDF list them, in checklist order; a
    question the form did not ask (the code's size with no code posted) has no line."""
    answers = stored_answers(inspection)
    lines = []
    for question in questions_for(inspection.venue):
        if question.show_when and not Condition(question.show_when).holds(answers):
            continue
        if question.shown_in is None:
            line = shown_answer(question, inspection)
            if line is not None:
                lines.append(line)
    return lines


def stored_answers(inspection) -> dict:
    """A finding's answers as the form holds them, to correct it."""
    values = {}
    for question in QUESTIONS:
        value = getattr(inspection, question.name)
        if question.kind == "yes_no":
            value = "yes" if value else "no"
        elif question.kind == "yes_no_unknown":
            value = {True: "yes", False: "no"}.get(value, "unknown")
        elif question.kind == "actions":
            value = inspection.action_list
        values[question.name] = value
    return values


def no_answer(question: Question):
    """The answer of a question left blank: empty text, no action, otherwise None."""
    if question.kind in ("text", "phone", "notes", "scanned_code"):
        return ""
    return [] if question.kind == "actions" else None


def complete(answers: Mapping[str, Any]) -> dict:
    """Every question's answer, blank ones filled in as `no_answer` gives them."""
    return {q.name: answers[q.name] if q.name in answers else no_answer(q) for q in QUESTIONS}


def stored_value(question: Question, answer):
    """An answer as its column keeps it (check boxes as comma-separated codes)."""
    if question.kind == "actions":
        return ",".join(answer)
    return answer
