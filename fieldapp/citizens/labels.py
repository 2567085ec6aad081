"""How a citizen's report's problem, channel and state are named on the screens."""

from flask_babel import lazy_gettext as _l

PROBLEM_LABELS = {
    "no_qr": _l("No QR code posted"),
    "qr_not_working": _l("The code does not work or is another venue's"),
    "not_checked": _l("Nobody checks that visitors scan"),
    "other": _l("Other problem"),
}

CHANNEL_LABELS = {
    "web": _l("Public form"),
    "phone": _l("Telephone"),
    "hotline": _l("Hotline"),
    "national": _l("National system"),
}

# The office enters these channels with the same form; the public form is "web".
OFFICE_CHANNELS = ("phone", "hotline", "national")

# The tracking page's words for a report's state, for the citizen (plain, no officials).
PUBLIC_STATE_LABELS = {
    "new": _l("Received: the office will check it"),
    "checking": _l("Being checked: an inspection of the place is planned"),
    "ready": _l("Checked: the office is writing its answer"),
    "resolved": _l("Answered"),
    "rejected": _l("Closed without action"),
}
