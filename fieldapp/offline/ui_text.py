"""The few sentences the phone's scripts show, in the user's language.

"{n}" is filled in by the script (a count, a time).
"""

from flask_babel import gettext as _

from fieldapp.inspections.checklist import QUESTIONS
from fieldapp.inspections.labels import YES_NO, YES_NO_UNKNOWN


def ui_text() -> dict[str, str]:
    """Texts for offline.js, translated for the current request."""
    return {
        "no_photo": _("No photo chosen yet."),
        "photos_chosen": _("Photos chosen: %(n)s", n="{n}"),
        "remove_photo": _("Remove photo %(n)s", n="{n}"),
        "draft_found": _(
            "A draft of this inspection was saved on this phone at %(time)s.", time="{n}"
        ),
        "draft_restore": _("Restore the draft"),
        "draft_discard": _("Discard it"),
        "confirm_discard": _("Discard the saved draft? What it holds cannot be brought back."),
        "refused": _("The server refused this finding."),
        "queued_offline": _(
            "No signal: the finding is saved on this phone and will be sent "
            "by itself when the signal returns."
        ),
        "queued_login": _(
            "Your login has expired: the finding is saved on this phone. "
            "Log in again and it will be sent."
        ),
        "queued_sent": _("Sent: the finding has reached the office."),
        "storage_failed": _(
            "This phone could not save the finding. Check that it has free space, then try again."
        ),
        "open_outbox": _("Open the outbox"),
        "back_to_venue": _("Back to the venue"),
        "log_in": _("Log in"),
        "send_now": _("Send now"),
        "fix_and_resend": _("Fix and send again"),
        "record_as_new": _("Record it as a new inspection"),
        "open_venue": _("Open the venue"),
        "delete": _("Delete"),
        "confirm_delete": _("Delete this finding from the phone? It has not been sent."),
        "queued_at": _("Recorded on the phone %(time)s", time="{n}"),
        "state_waiting": _("Waiting for signal"),
        "state_sending": _("Sending…"),
        "state_sent": _("Sent"),
        "state_refused": _("Refused"),
        "state_login": _("Log in to send"),
        "send_again": _("Send again"),
        "show_answers": _("See the answers"),
        "open_finding": _("Open the finding"),
        "correction_of": _("Correction: %(venue)s", venue="{n}"),
        "logout_waiting": _(
            "Findings not sent yet on this phone: %(n)s. Send them before logging out: "
            "otherwise they go out only when you log in again on this phone.",
            n="{n}",
        ),
        "correction_waiting": _(
            "A correction of this finding is waiting in the outbox: this form does not show it. "
            "Send it first, or delete it there."
        ),
        "logout_anyway": _("Log out anyway"),
        "log_out": _("Log out"),
        "logout_sent": _("All findings are sent. You can log out."),
        "logout_refused": _(
            "Findings refused: %(n)s. They are not sent again by themselves: see the outbox.",
            n="{n}",
        ),
        "logout_needs_signal": _(
            "No signal: logging out needs signal. You are still logged in on this phone: "
            "do not hand it to anyone yet. Try again when the signal returns."
        ),
        "no_signal_now": _("No signal: nothing was sent."),
        "checking_signal": _("Checking the signal…"),
        "correction_refused": _(
            "A correction of this finding was refused: fix it or delete it in the outbox."
        ),
        "restored_on_current": _(
            "This finding was changed after the draft was saved. Your answers are back on the "
            "form: check them, then send the correction."
        ),
        # The server's own refusals (fieldapp/inspections/service.py, submit_finding; the
        # same sentences, so the phone says what the server would): checked before queueing.
        "answers_need_fixing": _(
            "Some answers need fixing: see the messages in red. Nothing you entered was lost."
        ),
        "photo_required": _("Take at least one photo of the poster or the entrance."),
        "keep_one_photo": _("Keep at least one photo, or take a new one."),
    }


def answer_labels() -> dict:
    """The checklist's questions and their choices in the user's language, by field name:
    the outbox shows a refused finding's answers with them, so nothing must be retyped
    from memory."""
    choices = {}
    for question in QUESTIONS:
        if question.kind == "yes_no":
            options = YES_NO
        elif question.kind == "yes_no_unknown":
            options = YES_NO_UNKNOWN
        else:
            options = list((question.choices or {}).items())
        if options:
            choices[question.name] = {value: str(label) for value, label in options}
    return {
        "questions": {question.name: str(question.label) for question in QUESTIONS},
        "choices": choices,
    }
