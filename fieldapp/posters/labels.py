"""Poster words on screen, in the user's language."""

from flask_babel import lazy_gettext as _l

POSTER_REASON_LABELS = {
    "missing": _l("Code missing"),
    "damaged": _l("Code damaged"),
    "outdated": _l("Code outdated"),
    "not_own": _l("Not the venue's own code"),
    "other": _l("Other reason"),
}
POSTER_STATE_LABELS = {
    "queued": _l("In the print queue"),
    "printed": _l("Printed"),
    "delivered": _l("Delivered"),
}
BATCH_STATE_LABELS = {
    "waiting": _l("Waiting"),
    "running": _l("Being made"),
    "done": _l("Ready"),
    "failed": _l("Failed"),
    "stuck": _l("Stopped"),
}
SCAN_VERDICT_LABELS = {
    "own": _l("The venue's own code"),
    "other_venue": _l("Another venue's code"),
    "unknown": _l("Unknown code"),
    "unreadable": _l("Could not be read"),
}
