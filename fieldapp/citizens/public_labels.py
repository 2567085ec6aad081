"""The words the public pages and the office's entry form add to the report's labels
(fieldapp/citizens/labels.py): the channels the office enters, and a report's state told
to the citizen in plain words, naming no official."""

from flask_babel import lazy_gettext as _l

# The office enters these channels with the report form; the public form is "web".
OFFICE_CHANNELS = ("phone", "hotline", "national")

PUBLIC_STATE_LABELS = {
    "new": _l("Received: the office will check it"),
    "checking": _l("Being checked: an inspection of the place is planned"),
    "ready": _l("Checked: the office is writing its answer"),
    "resolved": _l("Answered"),
    "rejected": _l("Closed without action"),
}
